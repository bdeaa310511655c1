"""The build's data tables (image/*.tsv, versions.env), read as the Makefile and scripts/ read them."""

from __future__ import annotations

from kit.paths import ROOT
from ship.tables import read_table


def pins() -> dict:
    """versions.env as a dict."""
    return dict(line.split("=", 1) for line in (ROOT / "versions.env").read_text().splitlines()
                if line and not line.startswith("#"))


ARCHITECTURES = read_table("architectures")
PYTHON_LINES = read_table("python-lines")
