"""The Runtime API client against a scripted server: exact request bytes, every framing the
client reads, the retry-once path, refusals, and the failures that end the runtime.

Each test scripts the server's side byte for byte (tests/kit/scripted_server.py); replies
split across reads wait for the client's reads (tests/kit/client_watch.py), never for time.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

import lambda_runtime
import pytest
from kit.client_watch import TIMEOUT, ConnectAttempts, ObservedClient, ReadLog
from kit.scripted_server import Exchange, Hangup, ScriptedServer
from lambda_runtime.api_client import InvocationRejected, RuntimeApiClient, RuntimeApiError
from lambda_runtime.api_protocol import Invocation

UA = "lambda-python-image/{} python/{}.{}.{}".format(lambda_runtime.__version__, *sys.version_info[:3])
NEXT_PATH = "/2018-06-01/runtime/invocation/next"
REFUSED = f"[Errno {errno.ECONNREFUSED}] {os.strerror(errno.ECONNREFUSED)}"


def next_request(address: str) -> bytes:
    return f"GET {NEXT_PATH} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: {UA}\r\n\r\n".encode()


def response_request(address: str, request_id: str, body: bytes) -> bytes:
    return (f"POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\nHost: {address}\r\n"
            f"User-Agent: {UA}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body


def event_head(request_id: str = "r-1", length: int | None = 8, extra: str = "") -> bytes:
    return (f"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: {request_id}\r\n"
            f"Lambda-Runtime-Deadline-Ms: 1700000000000\r\nContent-Type: application/json\r\n{extra}"
            + ("" if length is None else f"Content-Length: {length}\r\n") + "\r\n").encode()


def event(request_id: str = "r-1", body: bytes = b'{"a": 1}', extra: str = "") -> bytes:
    return event_head(request_id, len(body), extra) + body


ACCEPTED = b'HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{"status":"OK"}\n'


def reply(status: str, body: bytes) -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


def fields(inv: Invocation) -> tuple:
    return (inv.request_id, inv.deadline_ms, inv.content_type, inv.body)


@pytest.fixture
def serve():
    """serve(*script, **kwargs) -> a ScriptedServer, stopped at the end (with every client made for it)."""
    servers, clients = [], []

    def _serve(*script, **kwargs):
        server = ScriptedServer(list(script), **kwargs)
        servers.append(server)
        return server

    _serve.clients = clients
    yield _serve
    for client in clients:
        client.close()
    for server in servers:
        server.stop()


@pytest.fixture
def client_for(serve):
    def _client(address: str, reads: ReadLog | None = None, **kwargs) -> RuntimeApiClient:
        client = ObservedClient(address, reads, **kwargs) if reads else RuntimeApiClient(address, **kwargs)
        serve.clients.append(client)
        return client

    return _client


# --- requests and replies, byte for byte ---------------------------------------------------


def test_next_is_one_exact_request_and_its_reply_one_invocation(serve, client_for):
    server = serve(Exchange(event(extra="Lambda-Runtime-Trace-Id: Root=1-a\r\nLambda-Runtime-Invocation-Id: i-1\r\n")))
    inv = client_for(server.address).next_invocation()
    server.finish()
    assert server.requests == [(1, next_request(server.address))]
    assert fields(inv) == ("r-1", 1700000000000, "application/json", b'{"a": 1}')
    assert (inv.trace_id, inv.invocation_id) == ("Root=1-a", "i-1")


def test_the_four_calls_share_one_keep_alive_connection(serve, client_for):
    server = serve(Exchange(event()), Exchange(ACCEPTED), Exchange(ACCEPTED), Exchange(ACCEPTED))
    client = client_for(server.address)
    inv = client.next_invocation()
    client.post_response(inv.request_id, b'"ok"', "application/json", inv.invocation_id)
    client.post_error("r-2", b'{"errorType": "E"}', "ValueError", '{"c": "é"}', "inv-9")
    client.post_init_error(b'{"errorType": "I"}', "Runtime.ImportModuleError")
    server.finish()
    a = server.address
    assert server.requests == [
        (1, next_request(a)),
        (1, response_request(a, "r-1", b'"ok"')),
        (1, (f"POST /2018-06-01/runtime/invocation/r-2/error HTTP/1.1\r\nHost: {a}\r\nUser-Agent: {UA}\r\n"
             "Content-Type: application/json\r\nLambda-Runtime-Function-Error-Type: ValueError\r\n"
             'Lambda-Runtime-Function-XRay-Error-Cause: {"c": "é"}\r\nLambda-Runtime-Invocation-Id: inv-9\r\n'
             'Content-Length: 18\r\n\r\n{"errorType": "E"}').encode()),
        (1, (f"POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {a}\r\nUser-Agent: {UA}\r\n"
             "Content-Type: application/json\r\nLambda-Runtime-Function-Error-Type: Runtime.ImportModuleError\r\n"
             'Content-Length: 18\r\n\r\n{"errorType": "I"}').encode()),
    ]
    assert (server.connections, server.unexpected) == (1, [])


def test_a_large_request_body_follows_its_head_byte_for_byte(serve, client_for):
    body = b'"' + b"y" * 100_000 + b'"'  # over 64 KiB: head and body leave in two sends
    server = serve(Exchange(ACCEPTED))
    client_for(server.address).post_response("r-1", body, "application/json")
    server.finish()
    assert server.requests == [(1, response_request(server.address, "r-1", body))]


def test_chunked_reply_with_extensions_and_trailers_keeps_the_connection_in_step(serve, client_for):
    chunked = (event_head(length=None, extra="Transfer-Encoding: chunked\r\n")
               + b'5;name=value\r\n{"a":\r\n'
               + b'3 ; quoted="x;y"\r\n 1}\r\n'
               + b"0;last\r\nX-Trailer: t\r\nAnother-Trailer: 2\r\n\r\n")
    server = serve(Exchange(chunked), Exchange(event("r-2", b"[]")))
    client = client_for(server.address)
    first, second = client.next_invocation(), client.next_invocation()
    server.finish()
    assert fields(first) == ("r-1", 1700000000000, "application/json", b'{"a": 1}')
    assert fields(second) == ("r-2", 1700000000000, "application/json", b"[]")
    assert [n for n, _ in server.requests] == [1, 1]  # every byte of the chunked reply consumed, no more


def test_chunked_reply_split_across_reads_at_every_awkward_place(serve, client_for):
    head = event_head(length=None, extra="Transfer-Encoding: chunked\r\n")
    parts = [head + b"1", b"0\r", b'\n{"a": 1, "b"', b': 2}\r', b"\n0\r\nX-T", b"railer: t\r\n\r", b"\n"]
    reads = ReadLog()
    server = serve(Exchange(parts), reads=reads)
    inv = client_for(server.address, reads).next_invocation()
    server.finish()
    assert inv.body == b'{"a": 1, "b": 2}'
    sizes = [n for _, n in reads.connections[0]]
    assert len(sizes) >= len(parts)  # no read spanned two parts
    assert sum(sizes) == sum(map(len, parts))


def test_interim_1xx_replies_come_before_the_final_one(serve, client_for):
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-Progress: 1\r\n\r\n"
    server = serve(Exchange(interim + ACCEPTED), Exchange(event()))
    client = client_for(server.address)
    client.post_response("r-1", b"{}", "application/json")  # no error: the 202 was found
    assert client.next_invocation().request_id == "r-1"  # and nothing was left unread
    server.finish()
    assert [n for n, _ in server.requests] == [1, 1]


def test_a_body_ended_by_the_connection_closing_then_a_new_connection(serve, client_for):
    reads = ReadLog()
    server = serve(Exchange([event_head(length=None) + b'{"a"', b": 1}"], close=True),
                   Exchange(event("r-2")), reads=reads)
    client = client_for(server.address, reads)
    first, second = client.next_invocation(), client.next_invocation()
    server.finish()
    assert (fields(first), second.request_id) == (("r-1", 1700000000000, "application/json", b'{"a": 1}'), "r-2")
    assert server.requests == [(1, next_request(server.address)), (2, next_request(server.address))]
    assert reads.connections[0][-1] == ("recv", 0)  # read up to the end of the connection


def test_connection_close_from_the_server_makes_the_client_reconnect(serve, client_for):
    server = serve(Exchange(event(extra="Connection: close\r\n")), Exchange(event("r-2"), new_connection=True))
    client = client_for(server.address)
    assert [client.next_invocation().request_id for _ in range(2)] == ["r-1", "r-2"]
    server.finish()  # the server left connection 1 open: the client closed it before the second call
    assert server.closed_by_client == [1]
    assert server.requests == [(1, next_request(server.address)), (2, next_request(server.address))]


@pytest.mark.filterwarnings("always:IPv6 loopback:UserWarning")  # a skip that shows in the summary
def test_an_ipv6_address(serve, client_for):
    try:
        server = serve(Exchange(event()), family=socket.AF_INET6)
    except OSError as exc:
        reason = f"IPv6 loopback [::1] cannot be bound on this machine ({exc}): the IPv6 path is not tested here"
        warnings.warn(reason, UserWarning, stacklevel=1)
        pytest.skip(reason)
    assert server.address == f"[::1]:{server.port}"
    assert client_for(server.address).next_invocation().request_id == "r-1"
    server.finish()
    assert server.requests == [(1, next_request(f"[::1]:{server.port}"))]


# --- a reply split across reads ---------------------------------------------------------------


def test_a_reply_head_arriving_byte_by_byte(serve, client_for):
    head, body = event_head(), b'{"a": 1}'
    reads = ReadLog()
    server = serve(Exchange([bytes([b]) for b in head] + [body]), reads=reads)
    inv = client_for(server.address, reads).next_invocation()
    server.finish()
    assert fields(inv) == ("r-1", 1700000000000, "application/json", body)
    assert [n for _, n in reads.connections[0]] == [1] * len(head) + [len(body)]


def test_a_large_body_is_received_in_place(serve, client_for):
    body = b'"' + os.urandom(3_000_000).hex().encode() + b'"'  # 6 MB, the largest event Lambda sends
    head = event_head(length=len(body))
    reads = ReadLog()
    server = serve(Exchange([head + body[:1000], body[1000:]]), reads=reads)
    inv = client_for(server.address, reads).next_invocation()
    server.finish()
    assert inv.body == body
    first, *rest = reads.connections[0]
    assert first == ("recv", len(head) + 1000)
    assert {call for call, _ in rest} == {"recv_into"}  # straight into the body's own buffer
    assert sum(n for _, n in rest) == len(body) - 1000


# --- the retry-once path ------------------------------------------------------------------------


@pytest.mark.parametrize("call", ["next", "response"])
def test_a_keep_alive_connection_closed_while_idle_is_retried_once_on_a_new_one(serve, client_for, call):
    hangup = Hangup()
    server = serve(Exchange(event()), hangup, Exchange(event("r-2") if call == "next" else ACCEPTED))
    client = client_for(server.address)
    client.next_invocation()
    assert hangup.done.wait(TIMEOUT)
    if call == "next":
        assert client.next_invocation().request_id == "r-2"
        retried = next_request(server.address)
    else:
        client.post_response("r-1", b'"done"', "application/json")
        retried = response_request(server.address, "r-1", b'"done"')
    server.finish()
    assert server.requests == [(1, next_request(server.address)), (2, retried)]
    assert server.unexpected == []


def test_the_retry_is_sent_once_never_twice(serve, client_for):
    hangup = Hangup()
    server = serve(Exchange(event()), hangup, Exchange(b"", close=True, new_connection=True))
    client = client_for(server.address)
    client.next_invocation()
    assert hangup.done.wait(TIMEOUT)
    with pytest.raises(RuntimeApiError) as err:
        client.next_invocation()
    server.finish()
    assert str(err.value) == (
        f"lost the Runtime API at {server.address} during {NEXT_PATH}: the connection closed before a reply")
    assert server.requests == [(1, next_request(server.address)), (2, next_request(server.address))]
    assert server.unexpected == []  # no third attempt


BROKEN_REPLIES = [  # (what the server sends before it closes, how the client says it)
    (b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r-2\r\n", "the connection closed inside a reply"),
    (event_head("r-2", length=10) + b'{"a', "reply ended after 3 of 10 bytes"),
]


@pytest.mark.parametrize("broken,message", BROKEN_REPLIES, ids=["in-the-head", "in-the-body"])
def test_a_connection_lost_inside_the_first_reply_is_an_error(serve, client_for, broken, message):
    server = serve(Exchange(broken, close=True))
    with pytest.raises(RuntimeApiError) as err:
        client_for(server.address).next_invocation()
    server.finish()
    assert str(err.value) == f"lost the Runtime API at {server.address} during {NEXT_PATH}: {message}"
    assert (server.connections, server.unexpected) == (1, [])


# --- replies the runtime cannot use ----------------------------------------------------------


@pytest.mark.parametrize("raw,message", [
    (b"HTTP/1.1 OK\r\n\r\n", "malformed status line from the Runtime API: 'HTTP/1.1 OK'"),
    (b"ICY 200 OK\r\n\r\n", "malformed status line from the Runtime API: 'ICY 200 OK'"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nno colon here\r\n\r\n{}",
     "malformed header line from the Runtime API: 'no colon here'"),
    (b"x" * (1024 * 1024 + 1), "no b'\\r\\n\\r\\n' in the first 1048576 bytes of a reply"),
    (reply("200 OK", b"{}"), "the Runtime API sent an event without Lambda-Runtime-Aws-Request-Id"),
    (event(extra="Lambda-Runtime-Deadline-Ms: soon\r\n"), "Lambda-Runtime-Deadline-Ms is not a number: 'soon'"),
], ids=["no-status-code", "not-http", "header-without-colon", "head-over-1-MiB", "no-request-id", "bad-deadline"])
def test_a_malformed_reply_is_one_clear_error(serve, client_for, raw, message):
    server = serve(Exchange(raw))
    with pytest.raises(RuntimeApiError) as err:
        client_for(server.address).next_invocation()
    server.finish()
    assert str(err.value) == message


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["400 Bad Request", "403 Forbidden", "410 Gone", "413 Request Entity Too Large"])
@pytest.mark.parametrize("call,path", [
    ("response", "/2018-06-01/runtime/invocation/r-1/response"),
    ("error", "/2018-06-01/runtime/invocation/r-1/error"),
    ("init_error", "/2018-06-01/runtime/init/error"),
])
def test_a_refused_post_is_invocation_rejected_and_the_connection_goes_on(serve, client_for, status, call, path):
    refusal = b'{"errorMessage": "' + b"m" * 400 + b'", "errorType": "X"}'
    server = serve(Exchange(reply(status, refusal)), Exchange(event()))
    client = client_for(server.address)
    post = {"response": lambda: client.post_response("r-1", b"{}", "application/json"),
            "error": lambda: client.post_error("r-1", b"{}", "E", None),
            "init_error": lambda: client.post_init_error(b"{}", "E")}[call]
    with pytest.raises(InvocationRejected) as err:
        post()
    assert client.next_invocation().request_id == "r-1"
    server.finish()
    code = int(status[:3])
    assert err.value.status == code
    assert str(err.value) == f"POST {path} was refused with HTTP {code}: " + '{"errorMessage": "' + "m" * 282
    assert [n for n, _ in server.requests] == [1, 1]


@pytest.mark.parametrize("call,raw,message", [
    ("response", reply("500 Internal Server Error", b' {"errorType": "Boom"}\n'),
     'the Runtime API answered POST /2018-06-01/runtime/invocation/r-1/response with HTTP 500: {"errorType": "Boom"}'),
    ("response", reply("500 Internal Server Error", b""),
     "the Runtime API answered POST /2018-06-01/runtime/invocation/r-1/response with HTTP 500"),
    ("next", reply("500 Internal Server Error", b"down"),
     f"the Runtime API answered GET {NEXT_PATH} with HTTP 500: down"),
    ("next", reply("404 Not Found", b""), f"the Runtime API answered GET {NEXT_PATH} with HTTP 404"),
], ids=["response-500", "response-500-empty", "next-500", "next-404"])
def test_any_other_status_is_fatal(serve, client_for, call, raw, message):
    server = serve(Exchange(raw))
    client = client_for(server.address)
    with pytest.raises(RuntimeApiError) as err:
        if call == "next":
            client.next_invocation()
        else:
            client.post_response("r-1", b"{}", "application/json")
    server.finish()
    assert str(err.value) == message


@pytest.mark.parametrize("budget", [0, 0.2])
def test_a_refused_connection_at_start_is_retried_within_the_budget(budget):
    with socket.socket() as holder:  # the port is taken but nothing listens: every connect is refused
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        client = RuntimeApiClient(f"127.0.0.1:{port}", startup_retry_seconds=budget)
        with ConnectAttempts(port) as attempts, pytest.raises(RuntimeApiError) as err:
            client.next_invocation()
    assert str(err.value) == (
        f"cannot reach the Runtime API at 127.0.0.1:{port}: {REFUSED} (retried for {budget:g} s)")
    assert attempts.count == 1 if budget == 0 else attempts.count >= 2


def test_an_api_that_starts_listening_late_is_waited_for(serve, client_for):
    server = serve(Exchange(event()), listen=False)  # bound, not listening: refused until start()
    client = client_for(server.address, startup_retry_seconds=TIMEOUT)  # a bound, not a wait
    with ConnectAttempts(server.port) as attempts, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.next_invocation)
        attempts.wait_for(2)  # refused once and tried again
        server.start()
        inv = pending.result(TIMEOUT)
    server.finish()
    assert inv.request_id == "r-1"
    assert server.requests == [(1, next_request(server.address))]


def test_refusal_after_the_api_was_reached_is_fatal_at_once(serve, client_for):
    server = serve(Exchange(event(extra="Connection: close\r\n"), close=True))
    client = client_for(server.address)  # the default 3 s start budget no longer applies
    client.next_invocation()
    server.finish()  # nothing listens any more
    with ConnectAttempts(server.port) as attempts, pytest.raises(RuntimeApiError) as err:
        client.next_invocation()
    assert str(err.value) == f"lost the Runtime API at {server.address}: cannot reconnect: {REFUSED}"
    assert attempts.count == 1


@pytest.mark.parametrize("address", ["no-port", "host:http", ":9001", "hôst:9001", "host:"])
def test_a_malformed_address_is_refused_before_any_connection(address):
    with pytest.raises(RuntimeApiError) as err:
        RuntimeApiClient(address)
    assert str(err.value) == f"AWS_LAMBDA_RUNTIME_API must be HOST:PORT, got {address!r}"


# --- FAILING on fe3f8b4: runtime bugs, reported to the lead, to be fixed in runtime/ -----------
# Not marked xfail on purpose: each test states the behaviour the runtime should have.

# Bug 1: the client raises its own "closed inside a reply" / "reply ended after" as
# ConnectionResetError, a ConnectionError, which `_call` retries on a kept-alive connection:
# a request whose reply had begun is sent again. A /next sent again loses the event already
# handed out; a /response sent again is answered 403.
@pytest.mark.parametrize("broken,message", BROKEN_REPLIES, ids=["in-the-head", "in-the-body"])
def test_a_kept_alive_connection_lost_after_the_reply_began_is_an_error_not_retried(
        serve, client_for, broken, message):
    server = serve(Exchange(event()), Exchange(broken, close=True))
    client = client_for(server.address)
    client.next_invocation()
    with pytest.raises(RuntimeApiError) as err:
        client.next_invocation()
    server.finish()
    assert server.unexpected == []  # the request was not sent again on a new connection
    assert str(err.value) == f"lost the Runtime API at {server.address} during {NEXT_PATH}: {message}"


# Bug 2: int() of a chunk size or a Content-Length raises ValueError, which escapes the
# client: the runtime dies with a traceback instead of one line. The messages are a
# proposal, in the style of the status-line one.
@pytest.mark.parametrize("raw,message", [
    (event_head(length=None, extra="Transfer-Encoding: chunked\r\n") + b"zz\r\n",
     "malformed chunk size from the Runtime API: 'zz'"),
    (event_head(length=None, extra="Content-Length: many\r\n") + b"{}",
     "malformed Content-Length from the Runtime API: 'many'"),
], ids=["chunk-size", "content-length"])
def test_a_malformed_length_is_one_clear_error(serve, client_for, raw, message):
    server = serve(Exchange(raw))
    with pytest.raises(RuntimeApiError) as err:
        client_for(server.address).next_invocation()
    server.finish()
    assert str(err.value) == message


# Bug 3: the CRLF after a chunk's data is looked for anywhere in what was already received
# (the 2-byte limit applies only while more must be read): the same bad framing is an error
# when the client has only its first bytes, and silently skipped when more has arrived.
@pytest.mark.parametrize("rest", [b"", b"\r\n0\r\n\r\n"], ids=["cut-short", "whole"])
def test_a_chunk_not_followed_by_crlf_is_an_error_however_much_has_arrived(serve, client_for, rest):
    raw = event_head(length=None, extra="Transfer-Encoding: chunked\r\n") + b"2\r\n{}XXX" + rest
    server = serve(Exchange(raw))
    with pytest.raises(RuntimeApiError) as err:
        client_for(server.address).next_invocation()
    server.finish()
    assert str(err.value) == "no b'\\r\\n' in the first 2 bytes of a reply"
