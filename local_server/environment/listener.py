"""The address of one environment's Runtime API (and of the APIs beside it): 127.0.0.1 and a port
of its own, and the connections accepted there, each driven by a thread of its own (runtime_api).
Its own lock; the supervisor's thread accepts, the environment's end cuts what is still open."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from .runtime_api import Host, RuntimeApiConnection
from .supervisor import Supervisor


class ApiListener:
    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"  # AWS_LAMBDA_RUNTIME_API
        self.lock = threading.Lock()
        self.connections: list[RuntimeApiConnection] = []

    def open(self, host: Host) -> None:
        """Connections are accepted from now on, and served for `host`."""
        self.supervisor.add(self.sock, self._acceptor(host))

    def _acceptor(self, host: Host) -> Callable[[], None]:
        return lambda: self._accept(host)

    def _accept(self, host: Host) -> None:
        try:
            sock, _ = self.sock.accept()
        except OSError:
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = RuntimeApiConnection(host, sock)
        with self.lock:
            self.connections.append(connection)
        threading.Thread(target=connection.serve, daemon=True).start()

    def forget(self, connection: RuntimeApiConnection) -> None:
        """A connection closed."""
        with self.lock:
            if connection in self.connections:
                self.connections.remove(connection)

    def close(self) -> None:
        """No more connections; those open are cut (their threads see their sockets close)."""
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            connection.cut()
        self.supervisor.remove(self.sock)
        self.sock.close()
