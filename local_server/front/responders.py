"""Responders: each turns an invocation's result into one kind of HTTP answer, written as it comes.

The Runtime API connection calls them as the runtime posts (under the invocation's lock),
so a streamed response reaches the caller chunk by chunk, and a buffered one leaves as soon
as it arrives, without waking another thread. A client that goes away is noted and the rest
of its answer dropped: the function runs on, as on Lambda.
"""

from __future__ import annotations

import base64
import json
import socket

from lambda_runtime_api import HTTP_INTEGRATION_CONTENT_TYPE, MAX_BUFFERED_RESPONSE

from ..environment.invocation import Invocation
from ..wire import eventstream, function_url, lambda_errors
from ..wire.http import LAST_CHUNK, chunk, response_head
from ..wire.invoke_api import EXECUTED_VERSION

_SEPARATE_BODY = 64 * 1024  # a larger body is sent after its head, not copied onto it
# Headers that describe the connection, not the content: a function's own are not passed on.
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade"})


def _error_body(error_type: str, body: bytes | None) -> bytes:
    if body:
        return body
    return json.dumps({"errorType": error_type, "errorMessage": ""}, separators=(",", ":")).encode()


class Responder:
    """Writes to one client connection; remembers whether the client is gone."""

    def __init__(self, sock: socket.socket | None, head_only: bool = False) -> None:
        self.sock = sock
        self.head_only = head_only  # a HEAD request: the head, never a body
        self.gone = False  # the client went away: the rest of the answer is dropped
        self.close = False  # the connection cannot carry another request after this answer
        self.extra: list[tuple[str, str]] = []  # headers of the API's answer beyond the usual (a durable ARN)

    def send(self, data: bytes) -> None:
        if self.gone or self.sock is None:
            return
        try:
            self.sock.sendall(data)
        except OSError:
            self.gone = self.close = True

    def send_whole(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        head = response_head(status, [*headers, ("Content-Length", str(len(body)))])
        if self.head_only or not body:
            self.send(head)
        elif len(body) < _SEPARATE_BODY:
            self.send(head + body)
        else:
            self.send(head)
            self.send(body)

    # What an invocation ends with; each responder answers all five.
    def response(self, inv: Invocation, body: bytes, content_type: str) -> None:
        raise NotImplementedError

    def error(self, inv: Invocation, body: bytes, error_type: str) -> None:
        raise NotImplementedError

    def stream_start(self, inv: Invocation, content_type: str) -> None:
        raise NotImplementedError

    def stream_data(self, inv: Invocation, data: bytes) -> None:
        raise NotImplementedError

    def stream_end(self, inv: Invocation, error_type: str | None, error_body: bytes | None) -> None:
        raise NotImplementedError


class InvokeResponder(Responder):
    """Invoke (POST /2015-03-31/functions/{name}/invocations): the whole result in one answer.

    Adds what the real API adds (AWS API reference, Invoke): X-Amz-Executed-Version,
    X-Amz-Function-Error on function errors, X-Amz-Log-Result when the log was asked for.
    A streamed response is gathered up to the buffered limit, as Lambda's Invoke does.
    """

    def __init__(self, sock: socket.socket, head_only: bool = False) -> None:
        super().__init__(sock, head_only)
        self._content_type = "application/json"
        self._parts: list[bytes] = []
        self._size = 0

    def _headers(self, inv: Invocation, content_type: str) -> list[tuple[str, str]]:
        headers = [("Content-Type", content_type), ("X-Amz-Executed-Version", EXECUTED_VERSION),
                   ("x-amzn-RequestId", inv.request_id), *self.extra]
        if inv.log is not None:
            headers.append(("X-Amz-Log-Result", base64.b64encode(inv.report()).decode("ascii")))
        return headers

    def response(self, inv: Invocation, body: bytes, content_type: str) -> None:
        self.send_whole(200, self._headers(inv, content_type or "application/json"), body)

    def error(self, inv: Invocation, body: bytes, error_type: str) -> None:
        # "FunctionError: If present, indicates that an error occurred during function
        # execution"; Lambda reports "Unhandled" for every function error today (docs/facts.md I1).
        headers = self._headers(inv, "application/json")
        headers.append(("X-Amz-Function-Error", "Unhandled"))
        self.send_whole(200, headers, body)

    def stream_start(self, inv: Invocation, content_type: str) -> None:
        self._content_type = content_type

    def stream_data(self, inv: Invocation, data: bytes) -> None:
        self._size += len(data)
        if self._size <= MAX_BUFFERED_RESPONSE:
            self._parts.append(data)

    def stream_end(self, inv: Invocation, error_type: str | None, error_body: bytes | None) -> None:
        if error_type:
            self.error(inv, _error_body(error_type, error_body), error_type)
        elif self._size > MAX_BUFFERED_RESPONSE:
            self.error(inv, lambda_errors.response_too_large(self._size), lambda_errors.RESPONSE_TOO_LARGE)
        else:
            self.response(inv, b"".join(self._parts), self._content_type)


class EventStreamResponder(Responder):
    """InvokeWithResponseStream: PayloadChunk events as the function writes, then InvokeComplete.

    Each event is one HTTP chunk, so a client reading chunk by chunk (botocore through
    urllib3) gets each payload chunk as soon as the runtime sent it.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock)
        self._started = False

    def _begin(self, inv: Invocation) -> None:
        if not self._started:
            self._started = True
            self.send(response_head(200, [
                ("Content-Type", "application/vnd.amazon.eventstream"),
                ("X-Amz-Executed-Version", EXECUTED_VERSION),
                ("x-amzn-RequestId", inv.request_id), *self.extra,
                ("Transfer-Encoding", "chunked")]))

    def _complete(self, inv: Invocation, error_code: str | None = None, error_details: str | None = None) -> None:
        log = base64.b64encode(inv.report()).decode("ascii") if inv.log is not None else None
        self.send(chunk(eventstream.invoke_complete(error_code, error_details, log)) + LAST_CHUNK)

    def response(self, inv: Invocation, body: bytes, content_type: str) -> None:
        self._begin(inv)
        if body:
            self.send(chunk(eventstream.payload_chunk(body)))
        self._complete(inv)

    def error(self, inv: Invocation, body: bytes, error_type: str) -> None:
        self._begin(inv)
        self._complete(inv, error_type, body.decode("utf-8", "replace"))

    def stream_start(self, inv: Invocation, content_type: str) -> None:
        self._begin(inv)

    def stream_data(self, inv: Invocation, data: bytes) -> None:
        self.send(chunk(eventstream.payload_chunk(data)))

    def stream_end(self, inv: Invocation, error_type: str | None, error_body: bytes | None) -> None:
        self._begin(inv)
        if error_type:
            self._complete(inv, error_type, _error_body(error_type, error_body).decode("utf-8", "replace"))
        else:
            self._complete(inv)


class FunctionUrlResponder(Responder):
    """Plain HTTP: the result by the function URL rules (or API Gateway REST's, with v1 events).

    A streamed response is passed on chunk by chunk; with the http-integration-response
    content type its prelude (JSON, then 8 NUL bytes) sets the status and headers first.
    """

    def __init__(self, sock: socket.socket, v1: bool = False, head_only: bool = False) -> None:
        super().__init__(sock, head_only)
        self.v1 = v1
        self._begun = False
        self._prelude: bytearray | None = None
        self._discard = False

    def response(self, inv: Invocation, body: bytes, content_type: str) -> None:
        if self.v1:
            status, headers, out = function_url.v1_response(body)
        else:
            status, headers, out = function_url.v2_response(body, content_type)
        self.send_whole(status, [h for h in headers if h[0].lower() not in _HOP_BY_HOP], out)

    def error(self, inv: Invocation, body: bytes, error_type: str) -> None:
        self.send_whole(*function_url.INTERNAL_ERROR)

    def _begin(self, status: int, headers: list[tuple[str, str]]) -> None:
        self._begun = True
        headers = [h for h in headers if h[0].lower() not in _HOP_BY_HOP]
        self.send(response_head(status, [*headers, ("Transfer-Encoding", "chunked")]))

    def _data(self, data: bytes) -> None:
        if data and not self.head_only:
            self.send(chunk(data))

    def stream_start(self, inv: Invocation, content_type: str) -> None:
        if content_type.split(";", 1)[0].strip().lower() == HTTP_INTEGRATION_CONTENT_TYPE:
            self._prelude = bytearray()
        else:
            self._begin(200, [("Content-Type", content_type)])

    def stream_data(self, inv: Invocation, data: bytes) -> None:
        if self._discard:
            return
        if self._prelude is None:
            self._data(data)
            return
        self._prelude += data
        try:
            parsed = function_url.parse_prelude(bytes(self._prelude))
        except (ValueError, TypeError):
            self._discard = True
            self.error(inv, b"", "Runtime.InvalidPrelude")
            return
        if parsed is not None:
            status, headers, rest = parsed
            self._prelude = None
            self._begin(status, headers)
            self._data(rest)

    def stream_end(self, inv: Invocation, error_type: str | None, error_body: bytes | None) -> None:
        if self._discard:
            return
        if not self._begun:
            # An error before the first byte, or a prelude that never ended.
            self.error(inv, b"", error_type or "Runtime.InvalidPrelude")
        elif error_type:
            # Mid-stream: the status is gone already; end the connection without the last
            # chunk, so the client sees an incomplete response rather than a complete one.
            self.close = True
        elif not self.head_only:
            self.send(LAST_CHUNK)


class DiscardResponder(Responder):
    """For asynchronous (Event) invocations: nobody waits for the result."""

    def __init__(self) -> None:
        super().__init__(None)
        self.gone = True

    def response(self, inv: Invocation, body: bytes, content_type: str) -> None:
        pass

    def error(self, inv: Invocation, body: bytes, error_type: str) -> None:
        pass

    def stream_start(self, inv: Invocation, content_type: str) -> None:
        pass

    def stream_data(self, inv: Invocation, data: bytes) -> None:
        pass

    def stream_end(self, inv: Invocation, error_type: str | None, error_body: bytes | None) -> None:
        pass
