#!/bin/sh
# Prints the Python base image to build FROM for ARCH (x86_64 or arm64), making it if needed:
# 1. BASE_IMAGE, when set, as given;
# 2. the official image (versions.env: PYTHON_BASE_IMAGE) when it is here or can be pulled;
# 3. else a stand-in built from Debian's packages of the same Python line (mmdebstrap),
#    for machines that reach no container registry.
# Usage: scripts/base-image.sh ARCH
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/versions.env"
arch=$1
case $arch in
  x86_64) platform=linux/amd64 debarch=amd64 ;;
  arm64) platform=linux/arm64 debarch=arm64 ;;
  *) echo "base-image: ARCH must be x86_64 or arm64, not '$arch'" >&2; exit 2 ;;
esac
if [ -n "${BASE_IMAGE:-}" ]; then echo "$BASE_IMAGE"; exit 0; fi

image_arch() { docker image inspect --format '{{.Architecture}}' "$1" 2>/dev/null; }
official=$PYTHON_BASE_IMAGE
if [ "$(image_arch "$official")" = "$debarch" ] ||
   docker pull --platform "$platform" "$official" >/dev/null 2>&1; then
  echo "$official"; exit 0
fi

standin="lambda-python-base:$DEBIAN_SUITE-$arch"
if [ "$(image_arch "$standin")" = "$debarch" ]; then echo "$standin"; exit 0; fi

echo "base-image: $official cannot be pulled; building $standin from Debian $DEBIAN_SUITE packages" >&2
if ! command -v mmdebstrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
  else
    echo "base-image: no registry and no mmdebstrap: install mmdebstrap (Debian) or set BASE_IMAGE" >&2
    exit 1
  fi
fi
[ "$arch" = x86_64 ] || "$root/scripts/ensure-arm64.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
mmdebstrap --quiet --arch="$debarch" --variant=essential \
  --include=python3-minimal,libpython3-stdlib,ca-certificates \
  "$DEBIAN_SUITE" "$work/rootfs.tar" "deb $mirror $DEBIAN_SUITE main" >&2
printf 'FROM scratch\nADD rootfs.tar /\nCMD ["/bin/sh"]\n' >"$work/Dockerfile"
DOCKER_BUILDKIT=0 docker build --quiet --platform "$platform" -t "$standin" "$work" >/dev/null
echo "$standin"
