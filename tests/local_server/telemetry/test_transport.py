"""The HTTP sender against listeners that answer in every way HTTP allows: sized, chunked, until
close, closing kept connections, never answering."""

import socket
import struct
import threading

import pytest
from kit.polling import wait_until

from local_server.telemetry.subscription import HTTP, Destination
from local_server.telemetry.transport import HttpTransport, SendError


class ScriptedListener:
    """Reads each request whole and writes the next canned answer; None closes the connection
    without one, "reset" resets it; (answer,) closes it after the answer; "hang" never answers."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.bodies = []
        self.connections = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.answers:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with conn, conn.makefile("rb") as reader:
                while self.answers:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        line = reader.readline()
                        if not line:
                            break
                        head += line
                    if not head:
                        break
                    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                    self.bodies.append(reader.read(length))
                    answer = self.answers.pop(0)
                    if answer == "hang":
                        self.done.wait(30)
                        return
                    if answer is None:
                        break
                    if answer == "reset":  # an RST, not a FIN
                        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        break
                    close = isinstance(answer, tuple)
                    conn.sendall(answer[0] if close else answer)
                    if close:
                        break

    def close(self):
        self.done.set()
        self.server.close()


@pytest.fixture
def scripted():
    made = []

    def _scripted(*answers):
        made.append(ScriptedListener(answers))
        return made[-1], HttpTransport(Destination(HTTP, made[-1].port, host="sandbox", path="/p"), "127.0.0.1", 5.0)

    yield _scripted
    for listener in made:
        listener.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"


def test_sized_and_chunked_answers_keep_the_connection(scripted):
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nOK\r\n0\r\nT: 1\r\n\r\n"
    listener, transport = scripted(OK, chunked, b"HTTP/1.1 204 No Content\r\n\r\n", OK)
    for i in range(4):
        transport.send([b'{"n":%d}' % i])
    transport.close()
    assert listener.bodies == [b'[{"n":0}]', b'[{"n":1}]', b'[{"n":2}]', b'[{"n":3}]']
    assert listener.connections == 1


def test_answers_that_end_the_connection(scripted):
    # A body that ends with the connection (the listener closes it), then "Connection: close".
    listener, transport = scripted((b"HTTP/1.0 200 OK\r\n\r\nuntil the end",),
                                   b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", OK)
    for i in range(3):
        transport.send([b"%d" % i])
    transport.close()
    assert (listener.bodies, listener.connections) == ([b"[0]", b"[1]", b"[2]"], 3)


def test_a_kept_connection_the_listener_closed_is_opened_again_at_once(scripted):
    listener, transport = scripted((OK,), OK)  # answers, then closes the connection
    transport.send([b"1"])
    transport.send([b"2"])  # finds the kept connection closed: sent again on a new one, not lost
    transport.close()
    assert (listener.bodies, listener.connections) == ([b"[1]", b"[2]"], 2)


def test_a_fresh_connection_closed_without_an_answer_can_be_retried(scripted):
    _, transport = scripted(None)
    with pytest.raises(SendError) as error:
        transport.send([b"1"])
    assert (str(error.value), error.value.retry) == (
        "could not send events: the listener closed the connection without an answer", True)


def test_a_connection_closed_again_after_a_second_try_can_be_retried(scripted):
    listener, transport = scripted((OK,), None)
    transport.send([b"1"])
    with pytest.raises(SendError) as error:
        transport.send([b"2"])  # the kept connection is closed; the new one closes without an answer
    assert (error.value.retry, listener.bodies, listener.connections) == (True, [b"[1]", b"[2]"], 2)


def test_a_reset_connection_can_be_retried(scripted):
    _, transport = scripted("reset")
    with pytest.raises(SendError) as error:
        transport.send([b"1"])
    assert (str(error.value), error.value.retry) == (
        "could not send events: [Errno 104] Connection reset by peer", True)


@pytest.mark.parametrize("answer,message", [
    ((b"HTTP/1.1 200 OK\r\nContent-",),
     "could not send events: the listener closed the connection in its answer's head"),
    ((b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab",),
     "could not send events: the listener closed the connection in its answer's body"),
])
def test_an_answer_cut_short_is_not_retried(scripted, answer, message):
    _, transport = scripted(answer)
    with pytest.raises(SendError) as error:
        transport.send([b"1"])
    assert (str(error.value), error.value.retry) == (message, False)


def test_an_error_status_is_not_retried(scripted):
    _, transport = scripted(b"HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(SendError) as error:
        transport.send([b"1"])
    assert (str(error.value), error.value.retry) == ("could not send events: the listener answered 503", False)
    transport.close()


def test_a_garbled_answer_is_not_retried(scripted):
    _, transport = scripted(b"SSH-2.0-OpenSSH\r\n\r\n")
    with pytest.raises(SendError) as error:
        transport.send([b"1"])
    assert error.value.retry is False and "not an HTTP/1.x status line" in str(error.value)


def test_no_answer_within_the_timeout_is_not_retried(scripted):
    listener, _ = scripted("hang")
    transport = HttpTransport(Destination(HTTP, listener.port), "127.0.0.1", 0.2)
    with pytest.raises(SendError) as error:
        transport.send([b"1"])
    assert (str(error.value), error.value.retry) == ("could not send events: no answer within 0.2 s", False)


def test_nobody_listening_is_retried():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    transport = HttpTransport(Destination(HTTP, port), "127.0.0.1", 1.0)
    with pytest.raises(SendError) as error:
        transport.send([b"1"])
    assert error.value.retry is True and str(error.value).startswith(f"could not connect to 127.0.0.1:{port}: ")


def test_abort_ends_a_send_in_progress(scripted):
    listener, transport = scripted("hang")
    failed = []

    def send():
        try:
            transport.send([b"1"])
        except SendError as error:
            failed.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    wait_until(lambda: listener.bodies, "the request read")
    transport.abort()
    sender.join(5)
    assert not sender.is_alive() and len(failed) == 1
    transport.close()
