"""Where the function's log goes: the server's stdout and stderr (the container's log), unbuffered.

Runtimes write to pipes the server reads; their bytes are passed on as they are, with the
platform's own lines between them. One write per piece, straight to the file descriptor:
no buffer can hold a line back or reorder it against another thread's.
"""

from __future__ import annotations

import os
import select
import threading


class Console:
    def __init__(self, out_fd: int = 1, err_fd: int = 2) -> None:
        self.out_fd = out_fd
        self.err_fd = err_fd
        self._lock = threading.Lock()  # one piece at a time: pieces of two threads never interleave

    def _write(self, fd: int, data: bytes) -> None:
        with self._lock:
            self._write_all(fd, data)

    def _write_all(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(fd, view)
            except BlockingIOError:  # a non-blocking descriptor from our parent: wait until it drains
                select.select([], [fd], [])
                continue
            except OSError:
                return  # nobody reads the log any more: the server goes on
            view = view[written:]

    def out(self, data: bytes) -> None:
        if data:
            self._write(self.out_fd, data)

    def err(self, data: bytes) -> None:
        if data:
            self._write(self.err_fd, data)

    def say(self, message: str) -> None:
        """One line from the server itself (not the function, not the platform's records)."""
        self._write(self.err_fd, f"local-server: {message}\n".encode("utf-8", "replace"))


class MemoryConsole(Console):
    """Keeps what would be written (tests, and a server run inside another program)."""

    def __init__(self) -> None:
        super().__init__()
        self.stdout = bytearray()
        self.stderr = bytearray()

    def out(self, data: bytes) -> None:
        self.stdout += data

    def err(self, data: bytes) -> None:
        self.stderr += data

    def say(self, message: str) -> None:
        self.stderr += f"local-server: {message}\n".encode()
