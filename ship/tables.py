"""The build's data tables, image/<name>.tsv, read as the Makefile and scripts/table.sh read
them: blank-separated columns, '#' comments, a header row. One reader for ship/ and tests/."""

from __future__ import annotations

from pathlib import Path

IMAGE_DIR = Path(__file__).resolve().parent.parent / "image"


def read_table(name: str) -> dict[str, dict[str, str]]:
    """image/<name>.tsv as {first column: {column: value}}, in the table's order."""
    rows = [line.split() for line in (IMAGE_DIR / f"{name}.tsv").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    header = rows[0]
    return {row[0]: dict(zip(header, row)) for row in rows[1:]}
