"""The images the container tests run: built by `make function` once a session, the other Python
lines' base images built in the background meanwhile, arm64 where this machine can emulate it.
The root conftest.py makes `images` and `line_builds` fixtures of every test package."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import warnings

import pytest

from kit.containers import engine_or_skip
from kit.paths import ROOT
from kit.tables import PYTHON_LINES, pins


@functools.cache
def arm64_emulation() -> str | None:
    """None when arm64 containers run here, else why not (scripts/ensure-arm64.sh says)."""
    result = subprocess.run([str(ROOT / "scripts" / "ensure-arm64.sh")], capture_output=True, text=True, check=False)
    return None if result.returncode == 0 else result.stderr.strip()


def pytest_runtest_setup(item) -> None:
    if item.get_closest_marker("arm64") and arm64_emulation() is not None:
        message = f"NO ARM64 EMULATION: this arm64 test is SKIPPED. {arm64_emulation()}"
        warnings.warn(message, pytest.PytestWarning, stacklevel=1)
        pytest.skip(message)


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    """The base and example images for each architecture this machine can run (cheap when built).

    The other Python lines' base images are then built in the background, while the other
    tests run (test_python_lines.py runs last and waits for them): an emulated arm64 build
    takes minutes.
    """
    engine_or_skip()
    for arch in arches():
        subprocess.run(["make", "-s", "-C", str(ROOT), "function", f"ARCH={arch}"], check=True)
    logs = tmp_path_factory.mktemp("line-builds")
    for version in OTHER_LINES:
        targets = [f"build-{arch}" for arch in arches()]
        with open(logs / f"{version}.log", "w") as log:
            LINE_BUILDS[version] = (subprocess.Popen(
                ["make", "-s", "-C", str(ROOT), f"PYTHON_VERSION={version}", *targets],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True), logs / f"{version}.log")
    yield
    for process, _ in LINE_BUILDS.values():  # a session cut short: no build outlives it
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()


def arches() -> list:
    return ["x86_64"] + (["arm64"] if arm64_emulation() is None else [])


# Lines a Debian suite ships (buildable anywhere) other than the default one: image/python-lines.tsv.
OTHER_LINES = [version for version, row in PYTHON_LINES.items()
               if row["debian"] != "-" and version != pins()["PYTHON_VERSION"]]
LINE_BUILDS: dict = {}  # version -> (the background `make build`, its log)


@pytest.fixture(scope="session")
def line_builds(images):
    """wait(version): the base images of that Python line, built in the background, are ready."""
    def wait(version: str) -> None:
        if version in LINE_BUILDS:
            process, log = LINE_BUILDS[version]
            assert process.wait(timeout=1800) == 0, log.read_text()
    return wait
