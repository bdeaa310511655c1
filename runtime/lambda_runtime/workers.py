"""Lambda Managed Instances: AWS_LAMBDA_MAX_CONCURRENCY=N invocations at once.

As AWS's Python runtime does it (awslambdaric 4.x, lambda_multi_concurrent_utils): N
worker processes forked from this one, each doing the whole init and serving one
invocation at a time over its own Runtime API connection, so no state is shared across
requests (what Powertools and most code assume). With the telemetry log socket
(`_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET`), each worker connects its own stdout and
stderr to it.

Beyond awslambdaric:
- a worker that dies after init is replaced (awslambdaric leaves its slot empty);
- `LAMBDA_FORK_WORKERS_AFTER_INIT=true` imports the handler once here and forks the
  workers after it, sharing the imported code copy-on-write: one init instead of N, and
  less memory. Safe only when the module creates no threads, sockets, event loops or
  open connections at import (a fork copies them broken), hence opt-in.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys

from .log_sinks import say
from .shutdown import exit_on_sigterm

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import NoReturn

# A worker writes this to its parent once its init succeeded.
_READY = b"r"


class Workers:
    """Keeps `count` worker processes running `serve()` (which returns an exit status)."""

    def __init__(self, count: int, serve: Callable[[Callable[[], None]], int]) -> None:
        self.count = count
        self._serve = serve
        self._workers: dict[int, int] = {}  # pid -> read end of its readiness pipe
        self._stopping = False

    def run(self) -> int:
        """Starts the workers and replaces those that die after init; returns when none is left."""
        signal.signal(signal.SIGTERM, self._stop)
        for _ in range(self.count):
            self._start()
        status = 0
        while self._workers:
            try:
                pid, wait_status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:  # pragma: no cover  (PEP 475 retries os.wait)
                continue
            status = _exit_status(wait_status)
            ready = self._forget(pid)
            if ready and not self._stopping:
                say(f"worker {pid} exited with status {status} after init; starting another")
                self._start()
        return 0 if self._stopping else status

    def _start(self) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover  (coverage.py cannot see the line a fork returns to)
            self._run_worker(read_end, write_end)
        os.close(write_end)
        self._workers[pid] = read_end

    def _run_worker(self, read_end: int, write_end: int) -> NoReturn:
        """The worker process: serves, then exits without returning into its parent's code."""
        os.close(read_end)
        for other in self._workers.values():
            os.close(other)
        exit_on_sigterm()  # this worker's own: the parent's forwards SIGTERM to the workers
        status = 1
        try:
            status = self._serve(lambda: _tell_ready(write_end))
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        finally:
            atexit._run_exitfuncs()  # the worker's atexit hooks, which os._exit would skip
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)

    def _forget(self, pid: int) -> bool:
        """Whether the worker got through its init (it said so on its pipe)."""
        read_end = self._workers.pop(pid, None)
        if read_end is None:
            return False
        try:
            return os.read(read_end, 1) == _READY
        finally:
            os.close(read_end)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        # Shutdown: every worker gets the signal (each exits cleanly, see shutdown.py).
        self._stopping = True
        for pid in list(self._workers):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def _tell_ready(write_end: int) -> None:
    os.write(write_end, _READY)
    os.close(write_end)


def _exit_status(wait_status: int) -> int:
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status)
    return os.WEXITSTATUS(wait_status)


def redirect_output(socket_path: str) -> None:
    """Connects this process's stdout and stderr to Lambda's telemetry log socket, one
    connection each (what awslambdaric's workers do)."""
    import socket

    for fd in (1, 2):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(socket_path)
            os.dup2(connection.fileno(), fd)
