"""An environment's processes: the runtime and the external extensions, their pipes, exits and memory.

Each is started in a session of its own (so that a kill reaches what it started) with the
environment's variables, in the task root. Their stdout and stderr go to the environment's
output; their exits are noticed by the supervisor through a pidfd each (a thread waits where
Linux has none), and reported to `on_exit`.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable

from .output import ProcessOutput
from .process_tree import PeakMemory
from .shutdown import group_kill
from .supervisor import Supervisor


def external_extensions(folder: str) -> list[tuple[str, str]]:
    """(name, path) of each executable in the extensions folder, by name."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found = []
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            found.append((name, path))
    return found


class Processes:
    def __init__(self, command: list[str], extensions: list[tuple[str, str]], environ: dict[str, str],
                 cwd: str, supervisor: Supervisor, output: ProcessOutput,
                 on_exit: Callable[[subprocess.Popen[bytes]], None]) -> None:
        self.command = command
        self.extension_paths = extensions
        self.environ = environ
        self.cwd = cwd
        self.supervisor = supervisor
        self.output = output
        self.on_exit = on_exit
        self.runtime: subprocess.Popen[bytes] | None = None
        self.extensions: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.memory = PeakMemory()
        self._lock = threading.Lock()
        self._pidfds: set[int] = set()  # registered with the supervisor until the process exits

    def _spawn(self, command: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, env=self.environ, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def start(self) -> None:
        """Starts the extensions, then the runtime; OSError if one cannot be started (the others are killed)."""
        try:
            for name, path in self.extension_paths:
                self.extensions.append((name, self._spawn([path])))
            self.runtime = self._spawn(self.command)
        except OSError:
            for _, proc in self.extensions:
                group_kill(proc)
            raise
        self.memory.watch(self.runtime.pid)
        self._watch(self.runtime, "runtime", False)
        for name, proc in self.extensions:
            self._watch(proc, name, True)

    def all(self) -> list[subprocess.Popen[bytes]]:
        return ([self.runtime] if self.runtime is not None else []) + [proc for _, proc in self.extensions]

    def _watch(self, proc: subprocess.Popen[bytes], name: str, extension: bool) -> None:
        self.output.add(proc, name, extension)
        try:
            pidfd = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):  # no pidfd (kernel < 5.3, not Linux): a thread waits
            threading.Thread(target=self._wait_exit, args=(proc,), daemon=True).start()
        else:
            with self._lock:
                self._pidfds.add(pidfd)
            self.supervisor.add(pidfd, lambda: self._exited(proc, pidfd))

    def _exited(self, proc: subprocess.Popen[bytes], pidfd: int) -> None:
        with self._lock:
            if pidfd not in self._pidfds:
                return
            self._pidfds.discard(pidfd)
            self.supervisor.remove(pidfd)
            os.close(pidfd)
        proc.wait()
        self.on_exit(proc)

    def _wait_exit(self, proc: subprocess.Popen[bytes]) -> None:
        proc.wait()
        self.on_exit(proc)

    def pids(self) -> set[int]:
        return {proc.pid for proc in self.all()}

    def sample_memory(self) -> None:
        """The whole process tree (the supervisor's samples while an invocation runs)."""
        self.memory.sample([proc.pid for proc in self.all() if proc.returncode is None])

    def has_open_files(self) -> bool:
        return self.output.open or bool(self._pidfds)

    def close_files(self) -> None:
        """When the server stops: the output still in the pipes is passed on, and every descriptor closed."""
        self.output.close()
        with self._lock:
            for pidfd in self._pidfds:
                self.supervisor.remove(pidfd)
                os.close(pidfd)
            self._pidfds.clear()
