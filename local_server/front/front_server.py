"""The front server: what callers reach on port 8080.

Routes: the Invoke API (`/2015-03-31/functions/{name}/invocations`), InvokeWithResponseStream
(`/2021-11-15/functions/{name}/response-streaming-invocations`), the health path, and every
other path as a function URL request. One thread per connection, keep-alive. Whatever a
client sends, it gets an answer or a closed connection, never a dead server.
"""

from __future__ import annotations

import json
import socket
import struct
import threading

from ..config import HEALTH_PATH, Config
from ..console import Console
from ..environment import admission, runner
from ..environment.functions import Function, Functions
from ..environment.invocation import Invocation
from ..http_io import Reader
from ..wire import function_url, invoke_api, lambda_errors
from ..wire.http import BodyTooLarge, HttpError, PeerClosed, Request, content_length, parse_request_head, response_head
from ..wire.runtime_api import new_request_id
from . import waiting
from .responders import DiscardResponder, EventStreamResponder, FunctionUrlResponder, InvokeResponder, Responder

TYPE_CHECKING = False
if TYPE_CHECKING:  # the durable engine and SQLite are imported only for a durable function (server.py)
    from .durable_front import DurableFront

# A body past the limit is still read off the connection (so that the client reads our 413,
# not a reset) up to this much; beyond, the connection is closed after the answer.
_DRAIN_LIMIT = 64 * 1024 * 1024
# A client that takes no data for this long is gone: its answer is dropped, the function goes on.
SEND_TIMEOUT = 30
DURABLE_PREFIX = "/2025-12-01/"  # the durable execution API (botocore's Lambda model, 2025-12-01)


class FrontServer:
    def __init__(self, config: Config, functions: Functions, console: Console, sock: socket.socket | None = None,
                 durable: DurableFront | None = None) -> None:
        self.config = config
        self.functions = functions
        self.pool = functions.main.pool  # function URLs and the health path are the main function's
        self.console = console
        self.durable = durable  # the function is durable (--durable-config)
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

    def _serve_client(self, sock: socket.socket, address: object) -> None:
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
    def _answer(sock: socket.socket, status: int, headers: list[tuple[str, str]], body: bytes) -> bool:
        try:
            sock.sendall(response_head(status, [*headers, ("Content-Length", str(len(body)))]) + body)
            return True
        except OSError:
            return False

    def _read_body(self, req: Request, reader: Reader, sock: socket.socket, limit: int) -> tuple[bytes | None, bool]:
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

    @staticmethod
    def _too_large(req: Request, size: int, close: bool) -> lambda_errors.Answer:
        return invoke_api.too_large(req.headers.get("x-amz-invocation-type", ""), size, close)

    def _handle(self, req: Request, reader: Reader, sock: socket.socket, source_ip: str) -> bool:
        """Serves one request; False when the connection must end."""
        path = req.path
        if path.startswith(invoke_api.INVOKE_PREFIX):
            return self._invoke(req, reader, sock, streaming=False)
        if path.startswith(invoke_api.STREAM_PREFIX):
            return self._invoke(req, reader, sock, streaming=True)
        if path.startswith(DURABLE_PREFIX):
            return self._durable_api(req, reader, sock)
        if path == HEALTH_PATH:
            drained, alive = self._read_body(req, reader, sock, lambda_errors.MAX_REQUEST)
            if drained is None:
                return alive
            body = json.dumps({"status": "ok", **self.pool.stats()}).encode()
            return self._answer(sock, 200, [("Content-Type", "application/json")], body)
        return self._function_url(req, reader, sock, source_ip)

    def _invoke(self, req: Request, reader: Reader, sock: socket.socket, streaming: bool) -> bool:
        """Invoke, or InvokeWithResponseStream when `streaming`."""
        headers = req.headers
        kind = headers.get("x-amz-invocation-type", "RequestResponse")
        payload, alive = self._read_body(req, reader, sock, invoke_api.body_limit(kind, streaming))
        if payload is None:
            return alive
        client_context, bad_context = invoke_api.client_context(headers.get("x-amz-client-context"))
        tenant, bad_tenant = invoke_api.tenant(headers.get(invoke_api.TENANT_HEADER), self.config.tenant_isolation)
        refusal = invoke_api.refusal(req.method, req.path, invoke_api.function_name(req.path, streaming), kind,
                                     streaming, bad_context or bad_tenant)
        if refusal is not None:
            return self._answer(sock, *refusal)
        payload, not_json = invoke_api.event_payload(payload)
        if not_json is not None:
            return self._answer(sock, *not_json)
        trace_id = headers.get("x-amzn-trace-id")
        if self.durable is not None:
            return self._invoke_durable(req, payload, sock, kind, streaming)
        function = self.functions.route(invoke_api.function_name(req.path, streaming) or "")
        if kind == "Event":
            inv = Invocation(payload, DiscardResponder(), trace_id=trace_id, client_context=client_context,
                             tenant_id=tenant)
            # Queued until an environment is free for it, as Lambda queues Event invocations.
            pool, timeout = function.pool, function.config.timeout
            pool.enqueue(tenant, inv.request_id, lambda env: runner.run_on(pool, env, inv, timeout))
            return self._answer(sock, 202, [("x-amzn-RequestId", inv.request_id)], b"")
        responder: Responder = EventStreamResponder(sock) if streaming else InvokeResponder(sock)
        inv = Invocation(payload, responder, trace_id=trace_id, client_context=client_context,
                         tail=headers.get("x-amz-log-type") == "Tail", tenant_id=tenant)
        return self._run(inv, responder, sock, function)

    def _durable_api(self, req: Request, reader: Reader, sock: socket.socket) -> bool:
        body, alive = self._read_body(req, reader, sock, lambda_errors.MAX_REQUEST)
        if body is None:
            return alive
        if self.durable is None:
            return self._answer(sock, *lambda_errors.api_error(404, "ResourceNotFoundException", {
                "Type": "User", "Message": f"The function {self.config.function_name} is not durable: start "
                                           "the server with --durable-config to serve the durable execution API"}))
        return self._answer(sock, *self.durable.answer_api(req.method, req.target, body))

    def _invoke_durable(self, req: Request, payload: bytes, sock: socket.socket, kind: str, streaming: bool) -> bool:
        assert self.durable is not None
        name = invoke_api.function_name(req.path, streaming) or ""
        started = self.durable.start(name, req.query, req.headers, payload)
        if not isinstance(started, str):
            return self._answer(sock, *started)
        if kind == "Event":
            return self._answer(sock, *self.durable.started_answer(started))
        responder: Responder = EventStreamResponder(sock) if streaming else InvokeResponder(sock)
        self.durable.answer_when_done(started, responder)
        return not responder.close

    def _function_url(self, req: Request, reader: Reader, sock: socket.socket, source_ip: str) -> bool:
        body, alive = self._read_body(req, reader, sock, lambda_errors.MAX_REQUEST)
        if body is None:
            return alive
        tenant, refused = self._url_tenant(req)
        if refused is not None:
            return self._answer(sock, *refused)
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
        if self.durable is not None:  # a function URL invokes $LATEST: it starts an execution
            started = self.durable.start(f"{self.config.function_name}:$LATEST", "", {}, payload)
            if not isinstance(started, str):
                return self._answer(sock, *started)
            self.durable.answer_when_done(started, responder)
            return not responder.close
        inv = Invocation(payload, responder, request_id=request_id, trace_id=req.headers.get("x-amzn-trace-id"),
                         tenant_id=tenant)
        return self._run(inv, responder, sock, self.functions.main)

    def _url_tenant(self, req: Request) -> tuple[str | None, lambda_errors.Answer | None]:
        """The tenant of a plain HTTP request (see function_url.NO_TENANT_URL), or the answer refusing it."""
        if not self.config.tenant_isolation:
            return None, None
        if not self.v1:
            return None, function_url.NO_TENANT_URL
        tenant, refused = invoke_api.tenant(req.headers.get(invoke_api.TENANT_HEADER), True)
        if refused is None:
            return tenant, None
        self.console.say(f"API Gateway's invoke refused: {refused[2].decode('utf-8', 'replace')}")
        return None, function_url.GATEWAY_ERROR

    def _run(self, inv: Invocation, responder: Responder, sock: socket.socket, function: Function) -> bool:
        pool, config = function.pool, function.config
        refused = runner.run(pool, inv, config.timeout, waiting.watch_client(pool.supervisor, sock))
        if refused == admission.GONE:
            return False  # nobody to answer
        if refused is not None:
            return self._answer(sock, *waiting.refused(refused, config.timeout, config.max_environments, self.console))
        return not responder.close
