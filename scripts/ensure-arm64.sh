#!/bin/sh
# Makes sure arm64 containers run on this machine: natively, through Docker Desktop's
# emulation, or (as root on Debian) through qemu-user-static registered with binfmt_misc.
set -eu
case $(uname -m) in aarch64|arm64) exit 0 ;; esac
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && grep -q enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 && exit 0
# Docker Desktop and similar engines bring their own emulation.
if docker info --format '{{.OperatingSystem}}' 2>/dev/null | grep -qi "docker desktop"; then exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-arm64: this machine cannot run arm64 containers: no qemu-aarch64 in binfmt_misc." >&2
  echo "  On Debian/Ubuntu: sudo apt-get install qemu-user-static binfmt-support" >&2
  exit 1
fi
if ! command -v update-binfmts >/dev/null 2>&1 || [ ! -e /usr/bin/qemu-aarch64-static ]; then
  echo "ensure-arm64: installing qemu-user-static and binfmt-support" >&2
  "$(dirname "$0")/apt-install.sh" qemu-user-static binfmt-support
fi
[ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable qemu-aarch64 2>/dev/null || true
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] ||
  { echo "ensure-arm64: qemu-aarch64 could not be registered with binfmt_misc" >&2; exit 1; }
