"""`make durable-conformance` on one requirement of each suite (catalog.SUBSET): the machinery of
the full run (the 3.14 image, its local server, the conformance package's own validation), quick
enough for every `make test`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from catalog import SUBSET  # noqa: E402
from containers import engine_or_skip  # noqa: E402
from paths import ROOT  # noqa: E402

pytestmark = pytest.mark.docker


def test_one_requirement_of_each_suite_passes():
    engine_or_skip()
    run = subprocess.run(["make", "-s", "-C", str(ROOT), "durable-conformance",
                          f"CONFORMANCE_ARGS=--only {','.join(SUBSET)}"],
                         capture_output=True, text=True, timeout=900, check=False)
    assert f"{len(SUBSET)} of {len(SUBSET)} requirements pass" in run.stdout, run.stdout + run.stderr
    assert run.returncode == 0
