#!/bin/sh
# Installs Debian packages quietly: apt's own chatter goes to a log, shown only on a failure.
# Usage: scripts/apt-install.sh PACKAGE...   (as root, on Debian)
set -eu
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq "$@"; } \
     >"$log" 2>&1; then
  cat "$log" >&2
  echo "apt-install: 'apt-get install $*' failed; its whole output is above" >&2
  exit 1
fi
