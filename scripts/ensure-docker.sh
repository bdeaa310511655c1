#!/bin/sh
# Makes sure a Docker engine answers. An engine already running (Docker Desktop, a
# system service) is left alone. With none, as root on Debian, installs Debian's
# docker.io and starts dockerd in the background; anywhere else, says what is missing.
set -eu
problem=$(docker info 2>&1 >/dev/null) && exit 0

if ! command -v docker >/dev/null 2>&1 && { [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; }; then
  echo "ensure-docker: no docker command: install Docker Desktop (macOS, Windows) or Docker Engine (Linux)" >&2
  exit 1
fi
case $problem in
  *"permission denied"*)
    echo "ensure-docker: the Docker engine refuses $(id -un): add yourself to the docker group" \
      "('sudo usermod -aG docker $(id -un)', then log in again), or run as root" >&2
    exit 1 ;;
esac
if [ -n "${DOCKER_HOST:-}" ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-docker: no Docker engine answers 'docker info'${DOCKER_HOST:+ at $DOCKER_HOST}:" \
    "start Docker Desktop (or 'sudo systemctl start docker'), then run make again" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing Debian's docker.io" >&2
  "$(dirname "$0")/apt-install.sh" docker.io
fi
log=${TMPDIR:-/tmp}/dockerd.log
echo "ensure-docker: starting dockerd (log: $log)" >&2
# The daemon outlives this make: it gets none of the caller's other open files (a lock held
# with flock(1), a pipe a CI runner waits on to close), or it would hold them as long as it runs.
nohup dockerd </dev/null >"$log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
tries=0
until docker info >/dev/null 2>&1; do  # poll readiness, up to 60 s
  tries=$((tries + 1))
  if [ "$tries" -gt 300 ]; then
    echo "ensure-docker: dockerd did not answer within 60 s; its log:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  sleep 0.2
done
