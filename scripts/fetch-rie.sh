#!/bin/sh
# Puts AWS's RIE binaries (one per row of image/architectures.tsv) in DIR, verified by
# sha256 (versions.env). They come from the aws-sam-cli wheel on PyPI, which ships them at
# samcli/local/rapid/. Hashes are checked with Python's hashlib: every platform has it,
# not every platform has sha256sum.
# Usage: scripts/fetch-rie.sh [DIR]   (default build/rie; nothing is fetched when all are there)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/rie}
mkdir -p "$out"

python3 - "$root" "$out" <<'PY'
import hashlib, os, subprocess, sys, tempfile, zipfile

root, out = sys.argv[1:]
pins = dict(line.strip().split("=", 1) for line in open(os.path.join(root, "versions.env"))
            if "=" in line and not line.startswith("#"))
rows = [line.split() for line in open(os.path.join(root, "image", "architectures.tsv"))
        if line.strip() and not line.startswith("#")]
column = rows[0].index("rie")
wanted = {row[column]: pins[f"RIE_SHA256_{row[0]}"] for row in rows[1:]}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def verified():
    return all(os.path.isfile(os.path.join(out, name)) and sha256(os.path.join(out, name)) == digest
               for name, digest in wanted.items())


if verified():
    sys.exit(0)
version = pins["SAM_CLI_VERSION"]
with tempfile.TemporaryDirectory() as tmp:
    result = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                             "--no-deps", "--no-cache-dir", "--only-binary=:all:", "-d", tmp,
                             f"aws-sam-cli=={version}"], capture_output=True, text=True)
    wheel = os.path.join(tmp, f"aws_sam_cli-{version}-py3-none-any.whl")
    if not os.path.isfile(wheel):
        sys.exit(f"fetch-rie: could not download aws-sam-cli=={version} from PyPI: {result.stderr.strip()}")
    if sha256(wheel) != pins["SAM_CLI_WHEEL_SHA256"]:
        sys.exit("fetch-rie: the aws-sam-cli wheel does not match its pinned sha256 (versions.env)")
    with zipfile.ZipFile(wheel) as zf:
        for name in wanted:
            target = os.path.join(out, name)
            with zf.open(f"samcli/local/rapid/{name}") as src, open(target, "wb") as dst:
                dst.write(src.read())
            os.chmod(target, 0o755)
if not verified():
    sys.exit("fetch-rie: the RIE binaries do not match their pinned sha256 (versions.env)")
print(f"fetch-rie: RIE {version} (aws-sam-cli) in {out}", file=sys.stderr)
PY
