"""A folder of pinned wheels for function images built in the tests (no index inside a build)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from kit.paths import ROOT

WHEELS = ROOT / "tests" / "wheels.txt"
SDK = ROOT / "build" / "sdk"  # the image's own SDK wheels: the user's boto3 needs the same dependencies
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}


def wheelhouse(python_line: str, arches=tuple(PLATFORMS)) -> Path:
    """build/wheels/<line>: tests/wheels.txt for each architecture, plus the SDK's wheels."""
    folder = ROOT / "build" / "wheels" / python_line
    stamp = folder / ".complete"
    want = WHEELS.read_text() + " ".join(arches)
    if stamp.exists() and stamp.read_text() == want:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    subprocess.run([str(ROOT / "scripts" / "fetch-sdk.sh"), str(SDK)], check=True)
    for wheel in SDK.glob("*.whl"):
        shutil.copy(wheel, folder)
    for arch in arches:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--only-binary=:all:", "--require-hashes", "--python-version", python_line,
                        "--platform", PLATFORMS[arch], "--platform", "any", "-d", str(folder), "-r", str(WHEELS)],
                       check=True)
    stamp.write_text(want)
    return folder
