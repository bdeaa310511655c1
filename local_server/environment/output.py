"""What an environment's processes write: passed on to the log line by line, and kept for Tail.

Each process's stdout and stderr are pipes the supervisor watches. Their bytes go to the
server's stdout and stderr unchanged, whole lines at a time: a line another environment (or
function) writes meanwhile never lands inside one of this one's, as each Lambda environment has
a log stream of its own in which every line is an event. A line still unfinished is passed on
(ended) when the pipes are drained: at an invocation's END, a failed init, the process's end.
Every byte also goes, as it comes, into the log of each invocation running then (for
X-Amz-Log-Result) and to the environment's telemetry ("function" lines from the runtime,
"extension" lines from an extension, cut into lines per pipe). A runtime writes its output
before it posts the response, so draining the pipes before END puts every line of an
invocation between its START and its END.
"""

from __future__ import annotations

import os
import select
import subprocess
import threading
from collections.abc import Callable
from typing import IO, Protocol

from ..console import Console
from .invocation import Invocation
from .supervisor import Supervisor

# The longest unfinished line kept back (a CloudWatch Logs event takes 256 KB).
MAX_UNFINISHED = 256 * 1024


class Telemetry(Protocol):
    """Where the lines go besides the log (`telemetry.hub.TelemetryHub`); `source` names the pipe."""

    def function_output(self, source: str, data: bytes) -> None: ...

    def extension_output(self, source: str, data: bytes) -> None: ...

    def output_ended(self, source: str) -> None: ...


class _Pipe:
    __slots__ = ("source", "stream", "tell", "write")

    def __init__(self, stream: IO[bytes], write: Callable[[bytes], None], source: str,
                 tell: Callable[[str, bytes], None]) -> None:
        self.stream, self.write, self.source, self.tell = stream, write, source, tell


class ProcessOutput:
    def __init__(self, console: Console, supervisor: Supervisor, running: Callable[[], list[Invocation]],
                 telemetry: Telemetry) -> None:
        self.console = console
        self.supervisor = supervisor
        self.running = running  # () -> the invocations running now
        self.telemetry = telemetry
        self.lock = threading.Lock()
        self._pipes: dict[int, _Pipe] = {}
        self._unfinished: dict[int, bytes] = {}  # fd -> the start of a line whose end has not come yet
        self._poll = select.poll()  # the same pipes, for a drain that costs one call

    def add(self, proc: subprocess.Popen[bytes], name: str = "runtime", extension: bool = False) -> None:
        """Watches a process's stdout and stderr: the runtime's, or the extension `name`'s."""
        tell = self.telemetry.extension_output if extension else self.telemetry.function_output
        for stream, write, kind in ((proc.stdout, self.console.out, "stdout"),
                                    (proc.stderr, self.console.err, "stderr")):
            assert stream is not None  # started with both piped
            fd = stream.fileno()
            os.set_blocking(fd, False)
            with self.lock:
                self._pipes[fd] = _Pipe(stream, write, f"{name}:{kind}", tell)
                self._poll.register(fd, select.POLLIN)
            self.supervisor.add(fd, self._reader_of(fd))

    def _reader_of(self, fd: int) -> Callable[[], None]:
        return lambda: self._readable(fd)

    def _readable(self, fd: int) -> None:
        with self.lock:
            if fd not in self._pipes or self._read(fd):
                return
            self._forget(fd)

    def _forget(self, fd: int) -> None:
        self._finish(fd)
        self.supervisor.remove(fd)
        self._poll.unregister(fd)
        pipe = self._pipes.pop(fd)
        pipe.stream.close()
        self.telemetry.output_ended(pipe.source)

    def _read(self, fd: int) -> bool:
        """Passes on what is in one pipe (lock held); False at its end."""
        pipe = self._pipes[fd]
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return True
            except OSError:
                data = b""
            if not data:
                return False
            running = self.running()
            pending = self._unfinished.pop(fd, b"") + data
            cut = pending.rfind(b"\n") + 1
            if len(pending) - cut > MAX_UNFINISHED:  # no line end in sight: passed on as it is
                cut = len(pending)
            if cut < len(pending):
                self._unfinished[fd] = pending[cut:]
            if cut:
                for inv in running:  # START goes out before the first line of its invocation
                    self.console.out(inv.take_start_line())
                pipe.write(pending[:cut])
            for inv in running:
                inv.add_log(data)
            pipe.tell(pipe.source, data)

    def _finish(self, fd: int) -> None:
        """Passes on the unfinished line of one pipe, ended (lock held)."""
        rest = self._unfinished.pop(fd, b"")
        if rest and fd in self._pipes:
            for inv in self.running():
                self.console.out(inv.take_start_line())
            self._pipes[fd].write(rest + b"\n")

    def _drain(self) -> None:
        if self._pipes:
            for fd, _ in self._poll.poll(0):  # one system call when nothing is waiting
                if fd in self._pipes:
                    self._read(fd)
        for fd in list(self._unfinished):
            self._finish(fd)

    def drain(self) -> None:
        """Passes on what the processes wrote so far."""
        with self.lock:
            self._drain()

    def drain_for_end(self, inv: Invocation) -> bytes:
        """Passes on what the processes wrote so far; returns `inv`'s START if it is still unwritten."""
        with self.lock:
            self._drain()
            return inv.take_start_line()

    @property
    def open(self) -> bool:
        return bool(self._pipes)

    def close(self) -> None:
        """When the server stops: what is left in the pipes is passed on, and they are closed."""
        with self.lock:
            self._drain()
            for fd in list(self._pipes):
                self._forget(fd)
