#!/bin/sh
# `docker build ARGS...`, quiet when it works and whole when it fails: the build's output
# goes to a log that is printed in full on a failure, never filtered.
# buildx (Docker Desktop, recent engines) adds provenance attestations that turn an image
# into an index Lambda rejects: they are switched off. Without buildx, the classic builder
# makes none.
set -eu
if docker buildx version >/dev/null 2>&1; then
  set -- buildx build --load --provenance=false --sbom=false "$@"
else
  export DOCKER_BUILDKIT=0
  set -- build "$@"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! docker "$@" >"$log" 2>&1; then
  cat "$log" >&2
  echo "docker-build: 'docker $*' failed; its whole output is above" >&2
  exit 1
fi
