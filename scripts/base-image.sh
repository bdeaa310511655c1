#!/bin/sh
# Prints the Python base image to build FROM for ARCH and a Python LINE, making it if needed:
# 1. BASE_IMAGE, when set, as given;
# 2. the official slim image of that line (image/python-lines.tsv) when it is here or can be pulled;
# 3. else a stand-in built from the Debian suite that ships that line (mmdebstrap), for
#    machines that reach no container registry.
# Usage: scripts/base-image.sh ARCH [LINE]   (LINE defaults to versions.env's PYTHON_VERSION)
#
# The stand-in is what python:3.X-slim is, as far as Debian's packages allow: debian:X-slim
# (debootstrap's minbase variant, docs and locales left out, as debuerreotype-slimify does:
# so apt, and libstdc++6 with it, are there), plus what the official Dockerfile adds
# (ca-certificates, netbase, tzdata) and the libraries its Python links (Debian's python3
# depends on the same ones: libssl, libsqlite3, libffi, libbz2, liblzma, zlib, ncurses,
# readline, gdbm, libdb, libuuid), plus pip and venv (`pip install` installs into
# /usr/local as in the official image: Debian's "externally managed" marker is removed).
# What still differs: Debian's CPython build (python3 in /usr/bin, not /usr/local/bin).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=SCRIPTDIR/../versions.env
. "$root/versions.env"
arch=$1
line=${2:-$PYTHON_VERSION}
table="$root/scripts/table.sh"
platform=$("$table" architectures "$arch" platform)
debarch=$("$table" architectures "$arch" debian)
official=$("$table" python-lines "$line" official)
suite=$("$table" python-lines "$line" debian)
if [ -n "${BASE_IMAGE:-}" ]; then echo "$BASE_IMAGE"; exit 0; fi

image_arch() { docker image inspect --format '{{.Architecture}}' "$1" 2>/dev/null; }
if [ "$(image_arch "$official")" = "$debarch" ] ||
   docker pull --platform "$platform" "$official" >/dev/null 2>&1; then
  echo "$official"; exit 0
fi
if [ "$suite" = "-" ]; then
  echo "base-image: $official cannot be pulled, and no Debian suite ships Python $line to build a stand-in from" >&2
  exit 1
fi

# A stand-in is reused only if it was built by this very recipe.
recipe=$(cksum <"$0" | cut -d' ' -f1)
standin="lambda-python-base:$line-$suite-$arch"
if [ "$(image_arch "$standin")" = "$debarch" ] && [ "$(docker image inspect --format \
     '{{index .Config.Labels "lambda-python.recipe"}}' "$standin" 2>/dev/null)" = "$recipe" ]; then
  echo "$standin"; exit 0
fi

echo "base-image: $official cannot be pulled; building $standin from Debian $suite packages" >&2
if ! command -v mmdebstrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    "$root/scripts/apt-install.sh" mmdebstrap
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
# The hooks run on this machine, with $1 the root file system being built (not expanded here).
# shellcheck disable=SC2016
hooks='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED "$1"/var/lib/apt/lists/*_Packages'
set --
native=$(uname -m)
if [ "$("$table" architectures "$arch" machine)" != "$native" ]; then
  # Another architecture runs emulated, where Debian's packages compiling the standard library's
  # bytecode take minutes. Python's bytecode is the same on every architecture: py_compile is
  # a no-op while the packages install, and afterwards the Python of this machine's stand-in
  # (the same Python line) compiles the very same files, for the paths they have in the image.
  native_arch=$(awk -v m="$native" '!/^#/ && $4 == m {print $1}' "$root/image/architectures.tsv")
  [ -n "$native_arch" ] || { echo "base-image: no row of image/architectures.tsv runs natively on $native" >&2; exit 1; }
  compiler=$("$0" "$native_arch" "$line")
  lib=/usr/lib/python$line
  cat >"$work/py_compile.py" <<'PY'
"""py_compile while a root file system for another architecture is built: compiles nothing."""
import sys


class PyCompileError(Exception):
    pass


def compile(*args, **kwargs):
    return None


if __name__ == "__main__":
    if "-" in sys.argv[1:]:
        sys.stdin.read()  # the file names py3compile writes
    sys.exit(0)
PY
  set -- --essential-hook="chroot \"\$1\" dpkg-divert --quiet --local --rename --divert $lib/py_compile.py.real --add $lib/py_compile.py && mkdir -p \"\$1\"$lib && cp $work/py_compile.py \"\$1\"$lib/py_compile.py" \
    --customize-hook="rm \"\$1\"$lib/py_compile.py && chroot \"\$1\" dpkg-divert --quiet --local --rename --remove $lib/py_compile.py" \
    --customize-hook="docker run --rm --platform $("$table" architectures "$native_arch" platform) -v \"\$1\":/target $compiler python3 -m compileall -q -j0 -s /target -p / /target$lib /target/usr/lib/python3/dist-packages"
fi
# Testing suites (forky) carry a Valid-Until date that a mirror's copy can outlive; the
# signatures are still checked, only the freshness check is off.
mmdebstrap --quiet --arch="$debarch" --variant=minbase --aptopt='Acquire::Check-Valid-Until "false"' \
  --include=python3,python3-pip,python3-venv,python-is-python3,ca-certificates,netbase,tzdata,openssl \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="$hooks" "$@" \
  "$suite" "$work/rootfs.tar" "deb $mirror $suite main" >&2
printf 'FROM scratch\nADD rootfs.tar /\nLABEL lambda-python.recipe="%s"\nCMD ["python3"]\n' "$recipe" >"$work/Dockerfile"
"$root/scripts/docker-build.sh" --platform "$platform" -t "$standin" "$work"
echo "$standin"
