"""A durable API on 127.0.0.1 port 0 in this process: the engine behind a stdlib HTTP server,
the function's handler called in-process by the engine's invoke callable."""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
from botocore.config import Config

from kit.polling import wait_until
from local_server.durable.api import DurableApi
from local_server.durable.engine.config import EngineConfig, FunctionConfig
from local_server.durable.engine.engine import DurableEngine
from local_server.durable.engine.invocations import InvocationOutcome, InvocationRequest
from local_server.durable.store.sqlite_store import SqliteStore

REGION = "us-east-1"
FUNCTION = "durable-fn"


class FakeContext:
    """What the SDK reads of a Lambda context."""

    def __init__(self, request_id: str) -> None:
        self.aws_request_id = request_id
        self.function_name = FUNCTION
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:012345678912:function:{FUNCTION}:$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


class InProcessFunction:
    """The invoke callable: the handler of the moment, called with the event; every request kept."""

    def __init__(self) -> None:
        self.handler: Callable[[Any, Any], Any] | None = None
        self.requests: list[InvocationRequest] = []
        self.crash_next = 0  # the next N invocations "crash" (Runtime.ExitError) before the handler runs

    def __call__(self, request: InvocationRequest) -> InvocationOutcome:
        self.requests.append(request)
        if self.crash_next:
            self.crash_next -= 1
            return InvocationOutcome.failed("Runtime.ExitError",
                                            "RequestId: x Error: Runtime exited with error: exit status 1")
        assert self.handler is not None
        try:
            result = self.handler(json.loads(json.dumps(request.event)), FakeContext(request.request_id))
        except Exception as problem:  # an unhandled error: the runtime posts /error
            traceback.print_exc()
            return InvocationOutcome.failed(type(problem).__name__, str(problem))
        return InvocationOutcome.returned(json.dumps(result).encode())


class Served:
    def __init__(self, state_dir: str, time_scale: float = 0.0, before_start: Callable[[str], None] | None = None,
                 handler: Callable[[Any, Any], Any] | None = None, **config: Any) -> None:
        self.function = InProcessFunction()
        self.function.handler = handler
        self.stopped = False
        self.state_dir = state_dir
        self.engine = DurableEngine(EngineConfig((FunctionConfig(FUNCTION, config.pop("timeout", 300)),),
                                                 region=REGION, time_scale=time_scale, **config),
                                    self.function, SqliteStore(state_dir))
        api = DurableApi(self.engine)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, payload = api.answer(self.command, self.path, body)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self._thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self._thread.start()
        if before_start is not None:
            before_start(self.url)  # e.g. point the SDK at this server before executions resume
        self.engine.start()

    def client(self) -> Any:
        return boto3.client("lambda", endpoint_url=self.url, region_name=REGION, aws_access_key_id="x",
                            aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.http.shutdown()
        self.http.server_close()
        self.engine.close()


# --- what the tests ask of a served engine ---------------------------------------------------


def ended(server: Served, arn: str, timeout: float = 30) -> Any:
    """The GetDurableExecution body once `arn` has ended (fails if it has not within `timeout`)."""
    body = server.engine.wait_for_end(arn, timeout)
    assert body is not None, f"{arn} still running"
    return body


def history(server: Served, arn: str) -> Any:
    return server.client().get_durable_execution_history(DurableExecutionArn=arn, MaxItems=1000)["Events"]


def callback_started(server: Served, arn: str) -> Any:
    """The CallbackStarted event of `arn`'s history, once there is one."""
    return wait_until(lambda: [e for e in history(server, arn) if e["EventType"] == "CallbackStarted"],
                      "CallbackStarted")[0]
