#!/bin/sh
# Prints, on one line, the Debian packages of the tools `make test` needs that are not here
# (nothing when all are). Used by ensure-tools.sh; the Docker engine and arm64 emulation
# have scripts of their own.
set -eu
missing=""
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
if [ "$(uname -s)" = Linux ]; then  # macOS: its own BSD tools, and the registry:2.8.2 container
  command -v busybox >/dev/null 2>&1 || missing="$missing busybox"
  { command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ]; } || missing="$missing docker-registry"
fi
# npm, the npm registry's client: the test of a third-party extension fetches it with `npm pack`.
command -v npm >/dev/null 2>&1 || missing="$missing npm"
python3 -c "import ensurepip" >/dev/null 2>&1 || missing="$missing python3-venv"
echo "${missing# }"
