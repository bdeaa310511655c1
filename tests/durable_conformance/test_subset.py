"""`make durable-conformance` on one requirement of each suite (catalog.SUBSET): the machinery of
the full run (the 3.14 image, its local server, the conformance package's own validation), quick
enough for every `make test`."""

from __future__ import annotations

import subprocess

import pytest
from durable_conformance.catalog import SUBSET
from kit.containers import engine_or_skip
from kit.paths import ROOT

pytestmark = pytest.mark.docker


def test_one_requirement_of_each_suite_passes():
    engine_or_skip()
    run = subprocess.run(["make", "-s", "-C", str(ROOT), "durable-conformance",
                          f"CONFORMANCE_ARGS=--only {','.join(SUBSET)}"],
                         capture_output=True, text=True, timeout=900, check=False)
    assert f"{len(SUBSET)} of {len(SUBSET)} requirements pass" in run.stdout, run.stdout + run.stderr
    assert run.returncode == 0
