"""Line numbers found by the text of the line: no test hard-codes where a line sits in a file."""

from __future__ import annotations

from pathlib import Path


def line_of(path, code: str) -> int:
    """The number (from 1) of the one line of `path` that reads exactly `code`."""
    lines = Path(path).read_text().splitlines()
    found = [number for number, line in enumerate(lines, 1) if line == code]
    if len(found) != 1:
        raise AssertionError(f"{code!r} is on lines {found} of {path}, not on exactly one")
    return found[0]
