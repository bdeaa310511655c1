#!/bin/sh
# Puts the AWS SDK's wheels (image/sdk-requirements.txt, pinned with sha256) in DIR with the
# requirements file beside them: the image build installs them with no package index.
# Usage: scripts/fetch-sdk.sh [DIR]   (default build/sdk; nothing is fetched when they are there)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/sdk}
requirements=$root/image/sdk-requirements.txt
mkdir -p "$out"
cmp -s "$requirements" "$out/requirements.txt" && exit 0
rm -f "$out"/*.whl "$out/requirements.txt" "$out/.unmarked.txt"
# Every wheel, whatever Python runs this: the environment markers (the durable SDK's
# `; python_version >= "3.13"`) are for the image's pip, which installs what its line gets.
# Here pip would test them against the host's Python, so they are left out of its copy.
sed 's/ ;[^-]*--hash=/ --hash=/' "$requirements" >"$out/.unmarked.txt"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --ignore-requires-python --require-hashes -r "$out/.unmarked.txt" -d "$out" 2>&1 |
  grep -v "^WARNING: Location" >&2 || true
rm -f "$out/.unmarked.txt"
# pip checked every hash; the requirements file goes last, so its presence means "complete".
set -- "$out"/*.whl
[ -e "$1" ] && [ "$#" -eq "$(grep -c -- '--hash=' "$requirements")" ] ||
  { echo "fetch-sdk: could not download the AWS SDK's wheels from PyPI (see above)" >&2; exit 1; }
cp "$requirements" "$out/requirements.txt"
echo "fetch-sdk: $(sed -n 's/^\([^# ][^ ]*\).*/\1/p' "$requirements" | tr '\n' ' ')in $out"
