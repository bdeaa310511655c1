"""One thread that watches every environment's processes: their output, their exit, their connections.

Environments register file descriptors with a callback: a listening socket (a runtime
connects), a pipe (a process wrote to stdout or stderr), a pidfd (a process exited).
While invocations run, it also wakes every SAMPLE_INTERVAL to sample the memory of the
environments that are busy. One thread for all of them, rather than one each, keeps the
server's memory flat as environments are added.
"""

from __future__ import annotations

import os
import selectors
import socket
import threading
import time
from collections.abc import Callable
from typing import Protocol, Union

FileLike = Union[int, socket.socket]

# Seconds between memory samples while an invocation runs: short enough to see a child
# process that lives a moment (a Python child takes longer than this just to start).
SAMPLE_INTERVAL = 0.01


class Sampled(Protocol):
    """An environment whose processes are sampled while its invocations run."""

    def sample_memory(self, now: float, interval: float) -> bool: ...


class Supervisor:
    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._lock = threading.Lock()
        self._busy: set[Sampled] = set()  # environments to sample while they run invocations
        self._sleeping = False  # waiting without a timeout: a newly busy environment wakes it
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self._thread.start()

    def add(self, fd: FileLike, callback: Callable[[], None]) -> None:
        """Calls `callback()` from the supervisor's thread whenever `fd` is readable."""
        self._selector.register(fd, selectors.EVENT_READ, callback)
        self._wake()  # (epoll sees a new descriptor at once; this keeps other selectors right)

    def remove(self, fd: FileLike) -> None:
        try:
            self._selector.unregister(fd)
        except (KeyError, ValueError):
            pass

    def busy(self, env: Sampled) -> None:
        """An invocation started in `env`: sample it until it is idle again."""
        with self._lock:
            self._busy.add(env)
            wake, self._sleeping = self._sleeping, False
        if wake:
            self._wake()

    def stop(self) -> None:
        self._stopped = True
        self._wake()

    def _wake(self) -> None:
        with self._lock:
            if self._wake_w >= 0:
                try:
                    os.write(self._wake_w, b"x")
                except OSError:
                    pass  # the pipe is full: a wake-up is pending already

    def _run(self) -> None:
        selector = self._selector
        while not self._stopped:
            with self._lock:
                sampling = bool(self._busy)
                self._sleeping = not sampling
            events = selector.select(SAMPLE_INTERVAL if sampling else None)
            if not events and sampling:
                self._sample()
            for key, _ in events:
                callback: Callable[[], None] | None = key.data
                if callback is None:
                    try:
                        os.read(self._wake_r, 4096)
                    except BlockingIOError:
                        pass
                else:
                    callback()
        selector.close()
        with self._lock:
            os.close(self._wake_r)
            os.close(self._wake_w)
            self._wake_w = -1

    def _sample(self) -> None:
        with self._lock:
            envs = list(self._busy)
        now = time.monotonic()
        for env in envs:
            if not env.sample_memory(now, SAMPLE_INTERVAL):
                with self._lock:
                    self._busy.discard(env)
