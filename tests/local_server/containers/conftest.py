"""The local server in the image: images built by `make function` (IMAGE= and FUNCTION_IMAGE= from
the environment, default the Makefile's names), run with FunctionContainer."""

import os
import subprocess

import pytest
from kit.containers import engine_or_skip
from kit.paths import ROOT

IMAGE = os.environ.get("IMAGE", "lambda-python")
FUNCTION_IMAGE = os.environ.get("FUNCTION_IMAGE", "lambda-python-example")


def _build(arch: str) -> None:
    engine_or_skip()
    subprocess.run(["make", "-s", "-C", str(ROOT), "function", f"ARCH={arch}", f"IMAGE={IMAGE}",
                    f"FUNCTION_IMAGE={FUNCTION_IMAGE}"], check=True)


@pytest.fixture(scope="session")
def x86_images():
    _build("x86_64")
    return f"{IMAGE}:x86_64", f"{FUNCTION_IMAGE}:x86_64"


@pytest.fixture(scope="session")
def arm64_images():
    subprocess.run([str(ROOT / "scripts" / "ensure-arm64.sh")], check=True)
    _build("arm64")
    return f"{IMAGE}:arm64", f"{FUNCTION_IMAGE}:arm64"
