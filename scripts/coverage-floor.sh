#!/bin/sh
# Prints the line coverage of each package and fails if one is under its floor.
# Usage: scripts/coverage-floor.sh COVERAGE PACKAGE:FLOOR...   (combines the data of every process first)
set -eu
coverage=$1
shift
# Processes the tests kill outright leave data files half written: counted, not fatal.
log=build/coverage/combine.log
"$coverage" combine -q >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
unreadable=$(grep -c "isn't a coverage data file" "$log" || true)
[ "$unreadable" = 0 ] || echo "coverage: $unreadable data file(s) of killed processes were unreadable ($log)"
rm -f build/coverage/.coverage.*
status=0
for pair in "$@"; do
  package=${pair%:*}
  floor=${pair##*:}
  total=$("$coverage" report --include="$package/*" --format=total --precision=1)
  if "$coverage" report --include="$package/*" --fail-under="$floor" >/dev/null; then
    echo "coverage: $package/ $total % of lines (floor $floor %)"
  else
    echo "coverage: $package/ $total % of lines, UNDER its floor of $floor % (make coverage shows what is missed)" >&2
    status=1
  fi
done
exit $status
