"""Puts the runtime package and the test helpers on sys.path."""

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS.parent / "runtime"))
sys.path.insert(0, str(TESTS.parent))  # the ship package
sys.path.insert(0, str(TESTS))
