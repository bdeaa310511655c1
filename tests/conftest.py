"""What every test shares. The packages the tests import (lambda_runtime, ship, local_server,
and the helpers in kit/) are on sys.path by pytest's `pythonpath` (pyproject.toml)."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit.images import images, line_builds, pytest_runtest_setup  # noqa: F401  (fixtures and a hook for every package)
from kit.paths import XRAY_SDK_FOLDER


def pytest_collection_modifyitems(items) -> None:
    """The Python lines' tests go last: their images are built in the background meanwhile
    (tests/image/conftest.py), an emulated arm64 build taking minutes."""
    items.sort(key=lambda item: "test_python_lines.py" in item.nodeid)  # stable: the rest keep their order


@pytest.fixture
def xray_sdk_folder() -> Iterator[Path]:
    """Removed after the test: left behind, this user's folder keeps another user's SDK from
    writing in it (the CI runs the tests as root, then as a user)."""
    yield XRAY_SDK_FOLDER
    shutil.rmtree(XRAY_SDK_FOLDER, ignore_errors=True)
