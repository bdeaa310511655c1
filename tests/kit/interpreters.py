"""Every CPython from 3.9 on this machine (the one running the tests is always among them)."""

from __future__ import annotations

import glob
import os
import subprocess
import sys


def interpreters() -> dict[str, str]:
    """{"3.13": path, ...}, ordered by version: the running one, /usr/bin's and pyenv's."""
    found = {f"{sys.version_info[0]}.{sys.version_info[1]}": sys.executable}
    candidates = [f"/usr/bin/python3.{minor}" for minor in range(9, 16)]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
    for path in candidates:
        try:
            out = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=10, check=False).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out and tuple(map(int, out.split("."))) >= (3, 9):
            found.setdefault(out, path)
    return dict(sorted(found.items(), key=lambda item: tuple(map(int, item[0].split(".")))))
