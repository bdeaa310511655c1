#!/bin/sh
# Prints the line coverage of each package and fails if one is under its floor.
# Usage: scripts/coverage-floor.sh COVERAGE PACKAGE:FLOOR...   (after `coverage combine`)
set -eu
coverage=$1
shift
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
