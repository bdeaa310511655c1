"""The front server: what callers reach on port 8080.

Routes: the Invoke API (`/2015-03-31/functions/{name}/invocations`), InvokeWithResponseStream
(`/2021-11-15/functions/{name}/response-streaming-invocations`), the health path, and every
other path as a function URL request. One thread per connection, keep-alive. Whatever a
client sends, it gets an answer or a closed connection, never a dead server.
"""

from __future__ import annotations

import base64
import binascii
import json
import socket
import struct
import threading

from . import function_url, invoking, lambda_errors
from .config import HEALTH_PATH
from .http_wire import (
    BodyTooLarge,
    HttpError,
    PeerClosed,
    Reader,
    content_length,
    parse_request_head,
    response_head,
)
from .invocation import Invocation, new_request_id
from .responders import DiscardResponder, EventStreamResponder, FunctionUrlResponder, InvokeResponder

INVOKE_PREFIX = "/2015-03-31/"
STREAM_PREFIX = "/2021-11-15/"
# Lambda's payload limit for an Event invocation (service-2.json Payload: "1 MB for asynchronous").
MAX_EVENT_PAYLOAD = 1_048_576
# X-Amz-Client-Context: "Up to 3,583 bytes of base64-encoded data" (service-2.json).
MAX_CLIENT_CONTEXT = 3583
# A body past the limit is still read off the connection (so that the client reads our 413,
# not a reset) up to this much; beyond, the connection is closed after the answer.
_DRAIN_LIMIT = 64 * 1024 * 1024
# A client that takes no data for this long is gone: its answer is dropped, the function goes on.
SEND_TIMEOUT = 30


def _function_name(path: str, prefix: str, suffix: str) -> str | None:
    """The {name} of /<version>/functions/{name}/<suffix>, or None if the path is not that."""
    rest = path[len(prefix):]
    if not rest.startswith("functions/") or not rest.endswith("/" + suffix):
        return None
    name = rest[len("functions/"):-len(suffix) - 1]
    return name if name and "/" not in name else None


class FrontServer:
    def __init__(self, config, pool, console, sock: socket.socket | None = None) -> None:
        self.config = config
        self.pool = pool
        self.console = console
        if sock is None:
            family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((config.host, config.port))
                sock.listen(128)
            except OSError:
                sock.close()  # the caller says why, once; the socket is not left to the collector
                raise
        self.sock = sock
        self.port = sock.getsockname()[1]
        self.closing = False
        self.v1 = config.http_events == "v1"

    def serve_forever(self) -> None:
        while not self.closing:
            try:
                client, address = self.sock.accept()
            except OSError:
                if self.closing:
                    return
                continue  # e.g. EMFILE: the next accept may work
            threading.Thread(target=self._serve_client, args=(client, address), daemon=True).start()

    def close(self) -> None:
        self.closing = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    # --- one connection ------------------------------------------------------------------------

    def _serve_client(self, sock: socket.socket, address) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", SEND_TIMEOUT, 0))
        except OSError:
            pass
        reader = Reader(sock)
        source_ip = address[0] if isinstance(address, tuple) else "127.0.0.1"
        try:
            while True:
                head = reader.read_head()
                if head is None:
                    break
                req = parse_request_head(head)
                if not self._handle(req, reader, sock, source_ip) or not req.keep_alive:
                    break
        except HttpError as error:
            self._answer(sock, error.status, [("Content-Type", "text/plain"), ("Connection", "close")],
                         f"{error.message}\n".encode())
        except (OSError, PeerClosed):
            pass
        except Exception as problem:  # a bug of ours: this connection ends, the server goes on
            self.console.say(f"internal error on a request: {type(problem).__name__}: {problem}")
            self._answer(sock, 500, [("Content-Type", "text/plain"), ("Connection", "close")],
                         b"internal error of the local server\n")
        finally:
            try:
                sock.close()
            except OSError:
                pass

    @staticmethod
    def _answer(sock: socket.socket, status: int, headers: list, body: bytes) -> bool:
        try:
            sock.sendall(response_head(status, [*headers, ("Content-Length", str(len(body)))]) + body)
            return True
        except OSError:
            return False

    def _read_body(self, req, reader: Reader, sock: socket.socket, limit: int) -> tuple:
        """(the body, True), or (None, whether the connection goes on) after answering 413."""
        headers = req.headers
        length = content_length(headers)
        if "100-continue" in headers.get("expect", "").lower():
            if length is not None and length > limit:
                # The client waits for our word before sending: refuse and close, it never sends.
                self._answer(sock, *self._too_large(req, length, close=True))
                return None, False
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            return reader.read_body(headers, limit)[0], True
        except BodyTooLarge as too_large:
            close = False
            if not too_large.consumed:
                if too_large.size <= _DRAIN_LIMIT:
                    reader.discard(too_large.size)
                else:
                    close = True
            return None, self._answer(sock, *self._too_large(req, too_large.size, close)) and not close

    def _too_large(self, req, size: int, close: bool) -> tuple:
        if req.headers.get("x-amz-invocation-type") == "Event" and size <= lambda_errors.MAX_REQUEST:
            status, headers, body = lambda_errors.api_error(413, "RequestEntityTooLargeException", {
                "Type": "User", "message": f"{size} byte payload is too large for the Event invocation type "
                                           f"(limit {MAX_EVENT_PAYLOAD} bytes)"})
        else:
            status, headers, body = lambda_errors.request_too_large(size)
        return status, [*headers, ("Connection", "close")] if close else headers, body

    def _handle(self, req, reader: Reader, sock: socket.socket, source_ip: str) -> bool:
        """Serves one request; False when the connection must end."""
        path = req.path
        if path.startswith(INVOKE_PREFIX):
            return self._invoke(req, reader, sock, streaming=False)
        if path.startswith(STREAM_PREFIX):
            return self._invoke(req, reader, sock, streaming=True)
        if path == HEALTH_PATH:
            drained, alive = self._read_body(req, reader, sock, lambda_errors.MAX_REQUEST)
            if drained is None:
                return alive
            body = json.dumps({"status": "ok", **self.pool.stats()}).encode()
            return self._answer(sock, 200, [("Content-Type", "application/json")], body)
        return self._function_url(req, reader, sock, source_ip)

    @staticmethod
    def _client_context(req) -> tuple:
        """(the decoded client context or None, None), or (None, an error answer)."""
        encoded = req.headers.get("x-amz-client-context")
        if not encoded:
            return None, None
        if len(encoded) > MAX_CLIENT_CONTEXT:
            return None, lambda_errors.invalid_client_context(f"longer than {MAX_CLIENT_CONTEXT} bytes")
        try:
            # The runtime gets the decoded JSON text (the RIE's handlers.go does the same).
            client_context = base64.b64decode(encoded, validate=True)
            json.loads(client_context)
        except (binascii.Error, ValueError) as problem:
            return None, lambda_errors.invalid_client_context(str(problem))
        return client_context, None

    def _invoke(self, req, reader: Reader, sock: socket.socket, streaming: bool) -> bool:
        """Invoke, or InvokeWithResponseStream when `streaming`."""
        if streaming:
            name = _function_name(req.path, STREAM_PREFIX, "response-streaming-invocations")
            kinds = ("RequestResponse", "DryRun")
        else:
            name = _function_name(req.path, INVOKE_PREFIX, "invocations")
            kinds = ("RequestResponse", "Event", "DryRun")
        kind = req.headers.get("x-amz-invocation-type", "RequestResponse")
        payload, alive = self._read_body(req, reader, sock, MAX_EVENT_PAYLOAD if kind == "Event" and not streaming
                                         else lambda_errors.MAX_REQUEST)
        if payload is None:
            return alive
        client_context, refusal = self._client_context(req)
        if name is None:
            refusal = lambda_errors.unknown_operation(req.method, req.path)
        elif req.method != "POST":
            refusal = lambda_errors.method_not_allowed(req.method, req.path)
        elif refusal is None and kind not in kinds:
            refusal = lambda_errors.invalid_request(f"X-Amz-Invocation-Type must be one of {', '.join(kinds)}, "
                                                    f"not {kind!r}")
        elif refusal is None and kind == "DryRun":
            refusal = 204, [("X-Amz-Executed-Version", "$LATEST")], b""
        if refusal is not None:
            return self._answer(sock, *refusal)
        trace_id = req.headers.get("x-amzn-trace-id")
        if kind == "Event":
            inv = Invocation(payload, DiscardResponder(), trace_id=trace_id, client_context=client_context)
            threading.Thread(target=invoking.run, args=(self.pool, inv, self.config.timeout, True),
                             daemon=True).start()
            return self._answer(sock, 202, [("x-amzn-RequestId", inv.request_id)], b"")
        responder = EventStreamResponder(sock) if streaming else InvokeResponder(sock)
        inv = Invocation(payload, responder, trace_id=trace_id, client_context=client_context,
                         tail=req.headers.get("x-amz-log-type") == "Tail")
        return self._run(inv, responder, sock)

    def _function_url(self, req, reader: Reader, sock: socket.socket, source_ip: str) -> bool:
        body, alive = self._read_body(req, reader, sock, lambda_errors.MAX_REQUEST)
        if body is None:
            return alive
        request_id = new_request_id()
        http = function_url.HttpRequest(req.method, req.path, req.query, req.headers, req.raw_headers, body,
                                        source_ip, request_id)
        if self.v1:
            event = function_url.v1_event(http, "012345678912")
        else:
            event = function_url.v2_event(http)
        payload = json.dumps(event).encode()
        if len(payload) > lambda_errors.MAX_REQUEST:  # a base64 body grows by a third
            return self._answer(sock, *lambda_errors.request_too_large(len(payload)))
        responder = FunctionUrlResponder(sock, v1=self.v1, head_only=req.method == "HEAD")
        inv = Invocation(payload, responder, request_id=request_id, trace_id=req.headers.get("x-amzn-trace-id"))
        return self._run(inv, responder, sock)

    def _run(self, inv, responder, sock: socket.socket) -> bool:
        if not invoking.run(self.pool, inv, self.config.timeout):
            return self._answer(sock, *lambda_errors.too_many_requests())
        return not responder.close
