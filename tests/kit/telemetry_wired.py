"""What the wiring tests share: an external extension installed in a folder of its own (the scripted
ones: tests/local_server/scripted/), and what it saw, read back from its log."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kit.paths import SCRIPTED

TELEMETRY_EXTENSION = SCRIPTED / "telemetry_extension.py"


def install(folder: Path, name: str, source: Path = TELEMETRY_EXTENSION, python: str = sys.executable) -> Path:
    """`source` as the executable `folder`/`name`, started by `python`: an external extension."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!{python}\n" + source.read_text())
    path.chmod(0o755)
    return path


def entries(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def parse_stdout(text: str) -> list[dict]:
    """The entries a telemetry extension without a log file printed (a container's log)."""
    prefix = "telemetry-extension: "
    return [json.loads(line[len(prefix):]) for line in text.splitlines() if line.startswith(prefix)]


def batches(seen: list[dict], listener: int = 1) -> list[list[dict]]:
    return [entry["batch"] for entry in seen if "batch" in entry and entry["listener"] == listener]


def events(seen: list[dict], listener: int = 1) -> list[dict]:
    return [event for batch in batches(seen, listener) for event in batch]


def invokes(seen: list[dict]) -> list[dict]:
    return [entry for entry in seen if "invoke" in entry]
