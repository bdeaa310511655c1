"""Notices changes in a code folder by polling it: names, sizes and modification times.

Polling works everywhere a folder can be mounted from (Docker Desktop's file sharing does
not pass inotify events on); a folder of source code is small enough to walk twice a second.
Folders that hold no function code (caches, virtualenvs, VCS data) are not walked.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

SKIPPED = frozenset({"__pycache__", "node_modules", "venv"})


def snapshot(root: str) -> dict[str, tuple[int, int]]:
    """{relative path: (size, mtime in ns)} of every file under `root`."""
    found: dict[str, tuple[int, int]] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED and not d.startswith(".")]
        for name in files:
            if name.endswith((".pyc", ".swp", "~")) or name.startswith(".#"):
                continue
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue  # removed while we looked
            found[os.path.relpath(path, root)] = (stat.st_size, stat.st_mtime_ns)
    return found


def describe(old: dict[str, tuple[int, int]], new: dict[str, tuple[int, int]], limit: int = 5) -> str:
    """What changed, in a few words: "app.py changed, util.py added"; "" when nothing did."""
    changes = [f"{path} changed" for path in sorted(new) if path in old and old[path] != new[path]]
    changes += [f"{path} added" for path in sorted(new) if path not in old]
    changes += [f"{path} removed" for path in sorted(old) if path not in new]
    if len(changes) > limit:
        changes = [*changes[:limit], f"and {len(changes) - limit} more"]
    return ", ".join(changes)


class CodeWatcher:
    """Calls `on_change(description)` from its own thread after each change it sees."""

    def __init__(self, root: str, interval: float, on_change: Callable[[str], None]) -> None:
        self.root = root
        self.interval = interval
        self.on_change = on_change
        self._stop = threading.Event()
        self._last = snapshot(root)
        self._thread = threading.Thread(target=self._run, name="code-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            current = snapshot(self.root)
            if current != self._last:
                change = describe(self._last, current)
                self._last = current
                self.on_change(change)
