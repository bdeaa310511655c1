"""The Runtime API (2018-06-01) of one execution environment, one connection at a time.

Each connection the runtime (or a worker of it, or an extension) opens is served by a thread
of its own, which drives it from start to end: `/next` waits in the environment's mailbox
until an invocation comes, its event is written, and the runtime's answer read as it arrives
(buffered, or chunked and streamed, with the error trailers) and handed to the invocation.
The caller's thread only waits for the answer. Extensions API calls on the same address go to
the environment's ExtensionsApi. What the replies say is `wire.runtime_api`'s.

(One model for every environment: the caller's thread driving the connection itself was
measured against it (bench/bench_server.py); warm latency stays below the RIE's with this one.)
"""

from __future__ import annotations

import queue
import socket
from typing import Protocol

from lambda_runtime_api import MAX_BUFFERED_RESPONSE, MAX_STREAMED_RESPONSE, STREAMING_CONTENT_TYPE, STREAMING_MODE

from ..http_io import Reader
from ..wire import lambda_errors
from ..wire import runtime_api as api
from ..wire.http import BodyTooLarge, HttpError, PeerClosed, Request, content_length, parse_request_head, response_head
from ..wire.platform_log import ERROR
from .extensions_api import ExtensionsApi
from .invocation import Invocation
from .mailbox import Answered, Delivery

_PIECE = 64 * 1024
MAX_ERROR_BODY = MAX_BUFFERED_RESPONSE


class Host(Protocol):
    """What a connection needs of its environment (`environment.Environment`)."""

    function_arn_bytes: bytes
    extensions: ExtensionsApi

    def collect(self, connection: RuntimeApiConnection) -> Delivery | None: ...

    def begin(self, inv: Invocation, connection: RuntimeApiConnection) -> bool: ...

    def find(self, request_id: str) -> Invocation | Answered | None: ...

    def post_init_error(self, error_type: str, body: bytes) -> bool: ...

    def connection_closed(self, connection: RuntimeApiConnection) -> None: ...


class RuntimeApiConnection:
    """One connection from the runtime (or a worker, or an extension) to the environment's API."""

    def __init__(self, env: Host, sock: socket.socket) -> None:
        self.env = env
        self.sock = sock
        self.reader = Reader(sock)
        self._deliveries: queue.SimpleQueue[Delivery] = queue.SimpleQueue()  # what the mailbox hands over

    def deliver(self, item: Delivery) -> None:
        """The mailbox's hand-over to a connection parked at /next (an invocation, or the end)."""
        self._deliveries.put(item)

    def cut(self) -> None:
        """The environment is gone: the connection's thread sees its socket close."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def serve(self) -> None:
        """The connection's own thread."""
        reader = self.reader
        try:
            while (head := reader.read_head()) is not None:
                req = parse_request_head(head)
                action, request_id = api.route(req.method, req.path)
                if action == api.NEXT:
                    if not self._next():
                        break
                    continue
                reply = self._handle(action, request_id, req)
                if reply is None:
                    break
                self.sock.sendall(reply)
        except HttpError as error:
            self._send(api.reply(error.status, "InvalidRequest", error.message))
        except (OSError, PeerClosed):
            pass
        finally:
            try:
                self.sock.close()
            finally:
                self.env.connection_closed(self)

    def _next(self) -> bool:
        """GET /next: waits for an invocation and writes its event; False when the environment is gone."""
        while True:
            delivery = self.env.collect(self)
            if delivery is None:  # parked: the mailbox hands the next invocation over
                delivery = self._deliveries.get()
            if not isinstance(delivery, Invocation):
                return False
            inv = delivery
            if self.env.begin(inv, self):  # else it ended while queued: the runtime still waits
                self.sock.sendall(api.next_reply(inv.request_id, inv.deadline_ms, self.env.function_arn_bytes,
                                                 inv.trace_id, inv.client_context, inv.payload, inv.tenant_id))
                return True

    def _send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            pass

    def _handle(self, action: str, request_id: str, req: Request) -> bytes | None:
        """Serves one request but /next; the reply, or None when the connection must end."""
        if action == api.RESPOND:
            return self._response(request_id, req)
        if action == api.FAIL:
            return self._error(request_id, req)
        if action == api.INIT_ERROR:
            return self._init_error(req)
        if action == api.EXTENSIONS:
            return self._extensions(req)
        self._body(req)
        return api.not_found(req.method, req.path)

    def _init_error(self, req: Request) -> bytes:
        body = self._body(req)
        if body is None:
            return api.reply(413, *api.REFUSALS[413])
        error_type = req.headers.get(api.ERROR_TYPE) or lambda_errors.error_type_of(body, "Runtime.Unknown")
        if self.env.post_init_error(error_type, body):
            return api.ACCEPTED
        return api.reply(403, "InvalidStateTransition", "Init has ended: too late for /init/error")

    def _extensions(self, req: Request) -> bytes | None:
        body = self._body(req)
        answer = self.env.extensions.handle(req.method, req.path, req.headers, body or b"")
        if answer is None:
            return None
        status, headers, data = answer
        return response_head(status, [*headers, ("Content-Length", str(len(data)))]) + data

    def _body(self, req: Request) -> bytes | None:
        """The whole body; None (consumed and dropped) when it is over the limit."""
        try:
            return self.reader.read_body(req.headers, MAX_ERROR_BODY)[0]
        except BodyTooLarge as too_large:
            if not too_large.consumed:
                self.reader.discard(too_large.size)
            return None

    def _error(self, request_id: str, req: Request) -> bytes:
        body = self._body(req)
        inv = self.env.find(request_id)
        if inv is None:
            return api.reply(400, *api.REFUSALS[400])
        if body is None:
            return api.reply(413, *api.REFUSALS[413])
        return api.answer(inv.fail(body, req.headers.get(api.ERROR_TYPE) or lambda_errors.error_type_of(body)))

    def _response(self, request_id: str, req: Request) -> bytes:
        headers = req.headers
        inv = self.env.find(request_id)
        mode = headers.get(api.MODE, "")
        if inv is None or mode not in ("", STREAMING_MODE):
            self._body(req)
            if inv is None:
                return api.reply(400, *api.REFUSALS[400])
            return api.reply(400, "InvalidFunctionResponseMode", f"unknown response mode {mode!r}")
        if mode == STREAMING_MODE:
            return self._streamed(inv, req)
        length = content_length(headers)
        try:
            if length is not None and length > MAX_BUFFERED_RESPONSE:
                self.reader.discard(length)
                raise BodyTooLarge(length)
            body = self.reader.read_body(headers, MAX_BUFFERED_RESPONSE)[0]
        except BodyTooLarge as too_large:
            inv.abort(ERROR, lambda_errors.RESPONSE_TOO_LARGE, lambda_errors.response_too_large(too_large.size))
            return api.reply(413, *api.REFUSALS[413])
        return api.answer(inv.respond(body, headers.get("content-type") or "application/json"))

    def _streamed(self, inv: Invocation | Answered, req: Request) -> bytes:
        # Lambda-Runtime-Function-Response-Mode: streaming; the body arrives chunk by chunk and
        # each piece is passed on at once. Its default type is Node's DEFAULT_CONTENT_TYPE.
        status = inv.stream_start(req.headers.get("content-type") or STREAMING_CONTENT_TYPE)
        pieces = self.reader.pieces(req.headers, _PIECE)
        total = 0
        passing = status == 202
        while True:
            try:
                piece = next(pieces)
            except StopIteration as end:
                trailers: dict[str, str] = end.value or {}
                break
            total += len(piece)
            if passing and total <= MAX_STREAMED_RESPONSE:
                passing = inv.stream_data(piece)
        if status != 202:
            return api.answer(status)
        if total > MAX_STREAMED_RESPONSE:
            inv.stream_end(lambda_errors.RESPONSE_TOO_LARGE,
                           lambda_errors.response_too_large(total, MAX_STREAMED_RESPONSE))
            return api.reply(413, "RequestEntityTooLarge",
                             f"A streamed response is limited to {MAX_STREAMED_RESPONSE} bytes")
        return api.answer(inv.stream_end(*api.trailer_error(trailers)))
