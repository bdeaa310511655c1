"""The build's data tables (image/*.tsv, versions.env), read as the Makefile and scripts/ read them."""

from __future__ import annotations

from paths import ROOT


def read_table(name: str) -> dict:
    """image/<name>.tsv as {first column: {column: value}}."""
    rows = [line.split() for line in (ROOT / "image" / f"{name}.tsv").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    header = rows[0]
    return {row[0]: dict(zip(header, row)) for row in rows[1:]}


def pins() -> dict:
    """versions.env as a dict."""
    return dict(line.split("=", 1) for line in (ROOT / "versions.env").read_text().splitlines()
                if line and not line.startswith("#"))


ARCHITECTURES = read_table("architectures")
PYTHON_LINES = read_table("python-lines")
