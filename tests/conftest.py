"""Puts the runtime package and the test helpers on sys.path."""

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS.parent / "runtime"))
sys.path.insert(0, str(TESTS.parent))  # the ship package
sys.path.insert(0, str(TESTS))

from paths import XRAY_SDK_FOLDER  # noqa: E402  (found through the path above)


def pytest_collection_modifyitems(items) -> None:
    """The Python lines' tests go last: their images are built in the background meanwhile
    (tests/integration/conftest.py), an emulated arm64 build taking minutes."""
    items.sort(key=lambda item: "test_python_lines.py" in item.nodeid)  # stable: the rest keep their order


@pytest.fixture
def xray_sdk_folder() -> Iterator[Path]:
    """Removed after the test: left behind, this user's folder keeps another user's SDK from
    writing in it (the CI runs the tests as root, then as a user)."""
    yield XRAY_SDK_FOLDER
    shutil.rmtree(XRAY_SDK_FOLDER, ignore_errors=True)
