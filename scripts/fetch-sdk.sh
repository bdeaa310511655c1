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
rm -f "$out"/*.whl "$out/requirements.txt"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --require-hashes -r "$requirements" -d "$out" 2>&1 | grep -v "^WARNING: Location" >&2 || true
# pip checked every hash; the requirements file goes last, so its presence means "complete".
set -- "$out"/*.whl
[ -e "$1" ] && [ "$#" -eq "$(grep -c -- '--hash=' "$requirements")" ] ||
  { echo "fetch-sdk: could not download the AWS SDK's wheels from PyPI (see above)" >&2; exit 1; }
cp "$requirements" "$out/requirements.txt"
echo "fetch-sdk: $(sed -n 's/^\(boto3==[^ ]*\).*/\1/p' "$requirements") and its dependencies in $out"
