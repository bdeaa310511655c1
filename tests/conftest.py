"""Puts the runtime package and the test helpers on sys.path."""

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS.parent / "runtime"))
sys.path.insert(0, str(TESTS.parent))  # the ship package
sys.path.insert(0, str(TESTS))


def pytest_collection_modifyitems(items) -> None:
    """The Python lines' tests go last: their images are built in the background meanwhile
    (tests/integration/conftest.py), an emulated arm64 build taking minutes."""
    items.sort(key=lambda item: "test_python_lines.py" in item.nodeid)  # stable: the rest keep their order
