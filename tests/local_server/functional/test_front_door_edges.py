"""The front door's edges: ambiguous framing, a request line without a version, an address in use."""

import socket

import pytest
from kit.server_harness import INVOKE, invoke

from local_server import cli


def _exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Sends `data` and keeps the connection open for writing (as a waiting client does);
    returns everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):  # a server that waits instead of answering: a timeout here
            received += chunk
        return received


@pytest.mark.parametrize("transfer_encoding", ["chunked", "gzip, chunked"])
def test_content_length_and_transfer_encoding_together_is_400_and_close(serve, transfer_encoding):
    server = serve("cases.echo")
    # Read as chunked, this is an empty body and then a second request; read by its length,
    # one body. RFC 9112 6.3: such a request is refused and the connection closed.
    smuggled = b"GET /_local/health HTTP/1.1\r\nHost: x\r\n\r\n"
    body = b"0\r\n\r\n" + smuggled
    answer = _exchange(server.port, (
        f"POST {INVOKE} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
        f"Transfer-Encoding: {transfer_encoding}\r\n\r\n").encode() + body)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"Connection: close\r\n" in answer
    assert answer.endswith(b"both Content-Length and Transfer-Encoding: the body's length is ambiguous\n")
    assert answer.count(b"HTTP/1.1 ") == 1  # nothing was served from the body
    assert server.pool.started == 0  # nor invoked
    assert invoke(server.port, b'"alive"').body == b'"alive"'


@pytest.mark.parametrize("line", [b"GET /", b"GET /_local/health", b"POST /x HTTP/2.0", b"GET"])
def test_a_request_line_without_a_version_is_400_and_close(serve, line):
    server = serve("cases.echo")
    # The client sends its line and waits: the answer must come without a blank line.
    answer = _exchange(server.port, line + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"Connection: close\r\n" in answer
    assert b"malformed request line: " + repr(line.decode())[:100].encode() in answer
    assert invoke(server.port, b'"alive"').body == b'"alive"'


def test_cannot_listen_names_the_host_and_port_of_the_options(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        # The environment says otherwise: the options win, and the message says what was used.
        code = cli.main(["--host", "127.0.0.1", "--port", str(port)],
                        {"LAMBDA_LOCAL_HOST": "0.0.0.0", "LAMBDA_LOCAL_PORT": "8080"})
    assert code == 1
    assert capsys.readouterr().err == f"local-server: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_cannot_listen_names_the_address_from_the_environment_when_no_option_is_given(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code = cli.main([], {"LAMBDA_LOCAL_HOST": "127.0.0.1", "LAMBDA_LOCAL_PORT": str(port)})
    assert code == 1
    assert capsys.readouterr().err == f"local-server: cannot listen on 127.0.0.1:{port}: Address already in use\n"
