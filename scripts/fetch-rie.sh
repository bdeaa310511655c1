#!/bin/sh
# Puts AWS's RIE binaries (x86_64 and arm64) in DIR, verified by sha256 (versions.env).
# They come from the aws-sam-cli wheel on PyPI, which ships them at samcli/local/rapid/.
# Usage: scripts/fetch-rie.sh [DIR]   (default build/rie; nothing is fetched when both are there)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/versions.env"
out=${1:-$root/build/rie}
mkdir -p "$out"

verified() {
  [ -f "$out/aws-lambda-rie-x86_64" ] && [ -f "$out/aws-lambda-rie-arm64" ] &&
    printf '%s  %s\n%s  %s\n' "$RIE_X86_64_SHA256" "$out/aws-lambda-rie-x86_64" \
      "$RIE_ARM64_SHA256" "$out/aws-lambda-rie-arm64" | sha256sum -c --quiet - >/dev/null 2>&1
}
verified && exit 0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-cache-dir --only-binary=:all: \
  -d "$tmp" "aws-sam-cli==$SAM_CLI_VERSION" 2>&1 | grep -v "^WARNING: Location" >&2 || true
wheel="$tmp/aws_sam_cli-$SAM_CLI_VERSION-py3-none-any.whl"
[ -f "$wheel" ] || { echo "fetch-rie: could not download aws-sam-cli==$SAM_CLI_VERSION from PyPI" >&2; exit 1; }
echo "$SAM_CLI_WHEEL_SHA256  $wheel" | sha256sum -c --quiet - ||
  { echo "fetch-rie: the aws-sam-cli wheel does not match its pinned sha256" >&2; exit 1; }
python3 - "$wheel" "$out" <<'PY'
import os, sys, zipfile
wheel, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as zf:
    for arch in ("x86_64", "arm64"):
        target = os.path.join(out, f"aws-lambda-rie-{arch}")
        with zf.open(f"samcli/local/rapid/aws-lambda-rie-{arch}") as src, open(target, "wb") as dst:
            dst.write(src.read())
        os.chmod(target, 0o755)
PY
verified || { echo "fetch-rie: the RIE binaries do not match their pinned sha256" >&2; exit 1; }
echo "fetch-rie: RIE $SAM_CLI_VERSION (aws-sam-cli) in $out"
