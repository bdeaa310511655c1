"""The Runtime API client's side, watched: what its socket reads return, and its connect() calls.

`ObservedClient` is a real `RuntimeApiClient` whose sockets log what each read returned
(`ReadLog`), so a scripted server can send the next part of a reply only once the client
has read the last one. `ConnectAttempts` counts `connect()` calls through an audit hook
(real attempts, nothing patched), for the refused-connection paths where no server is
listening to count them.
"""

from __future__ import annotations

import socket
import sys
import threading

from lambda_runtime.api_client import RuntimeApiClient

# No scripted step or wait lasts longer than this: a broken test fails, it never hangs.
TIMEOUT = 10.0


class ReadLog:
    """What each read of an `ObservedClient`'s socket returned: [(call, bytes)] per connection."""

    def __init__(self) -> None:
        self.connections: list = []
        self._cond = threading.Condition()

    def _new_connection(self) -> None:
        with self._cond:
            self.connections.append([])

    def _add(self, call: str, n: int) -> None:
        with self._cond:
            self.connections[-1].append((call, n))
            self._cond.notify_all()

    def wait_for(self, total: int) -> None:
        """Waits until the client has read `total` bytes on its current connection."""
        def read_enough() -> bool:
            return bool(self.connections) and sum(n for _, n in self.connections[-1]) >= total

        with self._cond:
            if not self._cond.wait_for(read_enough, TIMEOUT):
                raise AssertionError(f"the client read {self.connections[-1:]}, not {total} bytes")


class _ObservedSocket(socket.socket):
    """The client's own connected socket (its descriptor, taken over), with its reads logged."""

    def __init__(self, sock: socket.socket, log: ReadLog) -> None:
        super().__init__(sock.family, sock.type, sock.proto, fileno=sock.detach())
        self._log = log

    def recv(self, bufsize: int, *flags) -> bytes:
        data = super().recv(bufsize, *flags)
        self._log._add("recv", len(data))
        return data

    def recv_into(self, buffer, nbytes: int = 0, *flags) -> int:
        n = super().recv_into(buffer, nbytes, *flags)
        self._log._add("recv_into", n)
        return n


class ObservedClient(RuntimeApiClient):
    """A real RuntimeApiClient; each socket it connects logs its reads in `reads`."""

    def __init__(self, address: str, reads: ReadLog, **kwargs) -> None:
        super().__init__(address, **kwargs)
        self.reads = reads

    def _open_connection(self) -> socket.socket:
        self.reads._new_connection()  # before the connect: the server may send at once
        return _ObservedSocket(super()._open_connection(), self.reads)


# --- connect() calls, counted where no server can count them -------------------------------

_watchers: list = []
_hooked = False


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect" and _watchers:
        address = args[1]
        if isinstance(address, tuple) and len(address) >= 2:
            for watcher in list(_watchers):
                if watcher.port == address[1]:
                    watcher._seen()


class ConnectAttempts:
    """Counts `connect()` calls to `port` while in use (`with ConnectAttempts(port) as attempts:`).

    Audit hooks cannot be removed: one hook is added on first use and does nothing
    while no counter is open.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.count = 0
        self._cond = threading.Condition()

    def __enter__(self) -> ConnectAttempts:
        global _hooked
        if not _hooked:
            sys.addaudithook(_audit)
            _hooked = True
        _watchers.append(self)
        return self

    def __exit__(self, *exc) -> None:
        _watchers.remove(self)

    def _seen(self) -> None:
        with self._cond:
            self.count += 1
            self._cond.notify_all()

    def wait_for(self, n: int) -> None:
        """Waits until `n` attempts were made (polled by the client's own backoff, not by a sleep here)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.count >= n, TIMEOUT):
                raise AssertionError(f"{self.count} connect() calls to port {self.port}, not {n}")
