#!/bin/sh
# Makes sure every tool `make test` needs is here, or stops in one line that names what to
# install. As root on Debian it installs what is missing itself (one apt-get), so a fresh
# machine needs nothing but this repository; elsewhere (macOS, Linux without root) it
# only checks. Python packages come from the virtualenv (requirements-dev.txt), not here.
#   - a Docker engine (ensure-docker.sh) and a compose tool (`docker compose` or docker-compose)
#   - arm64 emulation (ensure-arm64.sh): where none can be set up, the arm64 tests skip loudly
#   - Debian's docker-registry, the OCI registry of the push tests (elsewhere the registry:2.8.2
#     container stands in, pulled from Docker Hub)
#   - busybox, whose sed/awk/grep stand in for a laptop's BSD tools in the Makefile's test
#     (macOS has the BSD tools themselves)
#   - npm, which fetches the third-party extension of a telemetry test (npm pack, pinned)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
"$here/ensure-docker.sh"

missing=$("$here/missing-tools.sh")
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-tools: installing $missing" >&2
    # shellcheck disable=SC2086  # one word per package
    "$here/apt-install.sh" $missing
  else
    case $missing in
      docker-compose) how="Docker Desktop's compose plugin, or: sudo apt-get install docker-compose" ;;
      *) how="sudo apt-get install $missing" ;;
    esac
    echo "ensure-tools: make test needs $missing: install it ($how), then run make test again" >&2
    exit 1
  fi
fi
"$here/ensure-arm64.sh" || echo "ensure-tools: no arm64 emulation: the arm64 tests will be SKIPPED" >&2
