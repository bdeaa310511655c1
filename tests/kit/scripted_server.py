"""A scripted HTTP/1.1 peer on a real socket, for the Runtime API client's edge cases.

`ScriptedServer` listens on 127.0.0.1 (or ::1), port 0, and plays a script in a daemon
thread: for each `Exchange` it reads one request (kept byte for byte in `requests`), then
sends the reply bytes exactly as given, and may close the connection; `Hangup` closes an
idle connection. A reply given as a list of parts is sent one part at a time, each only
once the client has read everything before it (an event, not a sleep), so the client
meets the reply split across its reads at exactly those places. That needs an
`ObservedClient`: a real `RuntimeApiClient` whose socket logs what each read returned.

After the script the server goes on accepting: a connection the script did not expect
is answered by a hang-up and kept in `unexpected`, so a client that tries once too often
gets an error instead of waiting for ever. The client's side is watched with
tests/kit/client_watch.py.
"""

from __future__ import annotations

import select
import socket
import threading

from kit.client_watch import TIMEOUT, ReadLog


class Exchange:
    """Read one request, then send `reply`: bytes, or a list of parts sent one client read apart.

    `close`: the server closes the connection after the reply (b"" and close: read the
    request and hang up without a reply). `new_connection`: the request is expected on a
    new connection; if the server left the old one open, the client must have closed it.
    """

    def __init__(self, reply: bytes | list = b"", *, close: bool = False, new_connection: bool = False) -> None:
        self.parts = [reply] if isinstance(reply, bytes) else list(reply)
        self.close = close
        self.new_connection = new_connection


class Hangup:
    """The server closes the current connection while it is idle (between two requests).

    `done` is set once it is closed: wait for it before the client's next call.
    """

    def __init__(self) -> None:
        self.done = threading.Event()


class ScriptedServer:
    def __init__(self, script: list, *, family: int = socket.AF_INET, reads: ReadLog | None = None,
                 listen: bool = True) -> None:
        self.script = script
        self.reads = reads
        self.requests: list = []  # (connection number, the exact bytes of one request)
        self.connections = 0  # connections the script accepted
        self.closed_by_client: list = []  # connection numbers the client closed itself
        self.unexpected: list = []  # (bytes received) for each connection after the script ended
        self.error: BaseException | None = None
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        try:
            self._listener.bind((host, 0))
        except OSError:
            self._listener.close()
            raise
        port = self._listener.getsockname()[1]
        self.port = port
        self.address = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        self._conn: socket.socket | None = None
        self._done = threading.Event()
        self._stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()  # stop() wakes the thread's select()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if listen:
            self.start()

    def start(self) -> ScriptedServer:
        """Listens and plays the script (at once, unless made with listen=False)."""
        self._listener.listen(8)
        self._thread.start()
        return self

    def finish(self) -> None:
        """Waits for the script to end, stops, and raises what went wrong in the server thread."""
        if not self._done.wait(TIMEOUT):
            self.stop()
            raise AssertionError(f"the script did not end within {TIMEOUT} s: {self.requests}")
        self.stop()
        if self.error is not None:
            raise AssertionError(f"the scripted server failed: {self.error!r}") from self.error

    def stop(self) -> None:
        if self._stop.is_set():
            return  # stopped already (finish(), then the fixture)
        self._stop.set()
        self._wake_w.send(b"x")
        if self._thread.is_alive() and not self._done.is_set():
            # The script is stuck (a test failed early): wake its blocking accept or recv.
            for sock in (self._listener, self._conn):
                try:
                    if sock is not None:
                        sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self._thread.is_alive():
            self._thread.join(TIMEOUT)
        self._drain_backlog()
        for sock in (self._listener, self._wake_r, self._wake_w):
            sock.close()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- the server thread -------------------------------------------------------------

    def _run(self) -> None:
        try:
            for step in self.script:
                if isinstance(step, Hangup):
                    self._conn.close()
                    self._conn = None
                    step.done.set()
                else:
                    self._exchange(step)
        except BaseException as exc:  # kept for finish(): an assert in this thread would go unseen
            self.error = exc
            if self._conn is not None:
                self._conn.close()  # the client must not wait for a reply that will never come
                self._conn = None
        finally:
            self._done.set()
        while not self._stop.is_set():
            ready, _, _ = select.select([self._listener, self._wake_r], [], [], TIMEOUT)
            if self._listener in ready and not self._stop.is_set():
                self._listener.settimeout(TIMEOUT)
                try:
                    conn, _ = self._listener.accept()
                except OSError:
                    return  # the listener was shut down: stop() is under way
                self._refuse(conn)

    def _exchange(self, step: Exchange) -> None:
        if self._conn is None or step.new_connection:
            old = self._conn
            self._listener.settimeout(TIMEOUT)
            self._conn, _ = self._listener.accept()
            self._conn.settimeout(TIMEOUT)
            self._conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connections += 1
            if old is not None:
                with old:
                    left = old.recv(1)
                if left:
                    raise AssertionError(f"connection {self.connections - 1} was to be closed by the client, "
                                         f"but it sent {left!r}")
                self.closed_by_client.append(self.connections - 1)
        request = _read_request(self._conn)
        self.requests.append((self.connections, request))
        sent = 0
        for i, part in enumerate(step.parts):
            if i:
                if self.reads is None:
                    raise AssertionError("a reply in parts needs a ReadLog (ScriptedServer(reads=...))")
                self.reads.wait_for(sent)
            self._conn.sendall(part)
            sent += len(part)
        if step.close:
            self._conn.close()
            self._conn = None

    def _refuse(self, conn: socket.socket) -> None:
        """A connection the script did not expect: whatever it sends is kept, then it is closed."""
        with conn:
            conn.settimeout(1.0)
            try:
                data = _read_request(conn)
            except (OSError, AssertionError) as exc:
                data = repr(exc).encode()
        self.unexpected.append(data)

    def _drain_backlog(self) -> None:
        """Connections made but not yet accepted count as unexpected too."""
        self._listener.setblocking(False)
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.setblocking(True)
            self._refuse(conn)


def _read_request(conn: socket.socket) -> bytes:
    """One request, head and Content-Length body, exactly as it arrived."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise AssertionError(f"the client closed the connection after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise AssertionError(f"the client closed the connection after {len(body)} of {length} body bytes")
        body += chunk
    if len(body) > length:
        raise AssertionError(f"the client sent {len(body) - length} bytes after its request")
    return head + b"\r\n\r\n" + body
