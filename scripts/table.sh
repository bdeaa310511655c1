#!/bin/sh
# Prints one field of a row of a table in image/ (blank-separated, '#' comments, a header row).
# Usage: scripts/table.sh TABLE KEY COLUMN   e.g. scripts/table.sh architectures arm64 platform
# Exits 2 with one line when the key or the column is unknown.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
awk -v key="$2" -v column="$3" -v table="$1" '
  /^#/ || NF == 0 { next }
  !header { for (i = 1; i <= NF; i++) if ($i == column) field = i; header = 1; next }
  $1 == key && field { print $field; found = 1 }
  END {
    if (!found) {
      printf "%s: no %s %s in image/%s.tsv\n", table, (field ? "row" : "column"), (field ? key : column), table > "/dev/stderr"
      exit 2
    }
  }' "$root/image/$1.tsv"
