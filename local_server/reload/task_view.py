"""The task root runtimes see when a code folder is served: the image's /var/task, overlaid.

`make run-local` mounts the function's code folder read-only somewhere else than /var/task,
so that what the image installed there (dependencies, compiled bytecode) stays visible.
The view is a folder of symbolic links in /tmp: one per entry of the task root, replaced
by the code folder's entry of the same name. Each rebuild is a new generation folder, and
the path runtimes are given (`LAMBDA_TASK_ROOT`) is a link that moves to the newest one, so
the path, and with it the bytecode cache under PYTHONPYCACHEPREFIX, stays the same.
"""

from __future__ import annotations

import os


class TaskView:
    def __init__(self, task_root: str, code_dir: str | None) -> None:
        self.task_root = task_root
        self.code_dir = code_dir
        self.generation = 0
        self.base: str | None = None
        self.pycache: str | None = None
        if not code_dir or os.path.realpath(code_dir) == os.path.realpath(task_root):
            # No code folder, or one mounted over the task root itself: nothing to overlay.
            self.path = task_root
            return
        self.base = os.path.join(os.environ.get("TMPDIR") or "/tmp", "lambda-local-" + os.urandom(6).hex())
        os.mkdir(self.base, 0o700)
        self.path = os.path.join(self.base, "task")
        self.pycache = os.path.join(self.base, "pycache")
        os.mkdir(self.pycache)
        self.rebuild()

    @property
    def overlaid(self) -> bool:
        return self.base is not None

    def _entries(self) -> dict[str, str]:
        entries = {}
        for folder in (self.task_root, self.code_dir):
            if folder is None:
                continue
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                entries[name] = os.path.join(folder, name)
        return entries

    def rebuild(self) -> int:
        """A new generation of the view; returns its number."""
        self.generation += 1
        if self.base is None:
            return self.generation
        folder = os.path.join(self.base, f"gen-{self.generation}")
        os.mkdir(folder)
        for name, target in sorted(self._entries().items()):
            os.symlink(target, os.path.join(folder, name))
        link = os.path.join(self.base, f".task-{self.generation}")
        os.symlink(folder, link)
        os.replace(link, self.path)  # atomic: a runtime starting now sees one generation or the next
        return self.generation

    def remove(self) -> None:
        if self.base:
            import shutil  # only at the end: not worth its memory for the server's whole life

            shutil.rmtree(self.base, ignore_errors=True)
