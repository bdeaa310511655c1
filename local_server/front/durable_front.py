"""A durable function at the front door: its Invoke API, the durable execution API, and the
engine's way into an execution environment.

With `--durable-config` the function is durable, as one created with `aws lambda create-function
--durable-config` ("Invoking durable Lambda functions",
https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html):
- an invoke must be qualified (`name:$LATEST`, or `?Qualifier=$LATEST`); unqualified, it gets
  Lambda's InvalidParameterValueException (local_server/durable/engine/engine.py quotes it);
- `X-Amz-Durable-Execution-Name` starts idempotently ("Idempotency",
  https://docs.aws.amazon.com/lambda/latest/dg/durable-execution-idempotency.html); every answer
  carries `X-Amz-Durable-Execution-Arn`;
- `Event` answers 202 and the execution runs on up to its execution timeout;
- a synchronous invoke waits for the execution's end, "limited to 15 minutes, or less if the
  function timeout or execution timeout is lower" (the same page), and answers its result.
What Lambda answers a synchronous invoke whose execution fails, times out or is stopped is not
published (docs/durable.md): here it is a function error, as for any function (HTTP 200,
`X-Amz-Function-Error: Unhandled`, `{"errorType", "errorMessage"}` from the execution's Error),
so that a client sees it as it sees any failed invoke; one that outlives the wait gets Lambda's
timeout answer (Sandbox.Timedout) while the execution goes on.
InvokeWithResponseStream and function URL requests start an execution the same way and get its
result through their own responders.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote

from lambda_runtime_api import SANDBOX_TIMEDOUT

from ..config import ACCOUNT_ID, Config
from ..durable.api import DurableApi
from ..durable.engine.config import EngineConfig, FunctionConfig
from ..durable.engine.engine import DurableEngine
from ..durable.engine.invocations import InvocationOutcome, InvocationRequest
from ..durable.store.sqlite_store import SqliteStore
from ..durable.wire.arns import parse_function_name
from ..durable.wire.errors import DurableError, error_answer
from ..environment import admission, runner
from ..environment.functions import Functions
from ..environment.invocation import Invocation
from ..wire import lambda_errors
from ..wire.lambda_errors import Answer
from ..wire.runtime_api import new_request_id
from .responders import Responder

ARN_HEADER = "X-Amz-Durable-Execution-Arn"
NAME_HEADER = "x-amz-durable-execution-name"
MAX_SYNC_WAIT = 900.0  # "limited to 15 minutes"


class DurableFront:
    """The durable engine of this server's functions (all durable, with the same DurableConfig),
    and what the front server asks of it."""

    def __init__(self, config: Config, functions: Functions) -> None:
        durable = config.durable
        assert durable is not None
        self.config = config
        self.functions = functions
        engine_config = EngineConfig(tuple(FunctionConfig(function.name, durable.execution_timeout,
                                                          durable.retention_days) for function in functions),
                                     region=config.region, account=ACCOUNT_ID, time_scale=config.durable_time_scale)
        store = SqliteStore(config.state_dir)  # StateFileError: a file we must not touch
        self.engine = DurableEngine(engine_config, self._run, store).start()
        self.api = DurableApi(self.engine)
        # The longest a synchronous invoke waits (the page above).
        self.sync_wait = min(MAX_SYNC_WAIT, config.timeout, float(durable.execution_timeout))

    def close(self) -> None:
        self.engine.close()

    def answer_api(self, method: str, target: str, body: bytes) -> Answer:
        """The durable execution API (paths under /2025-12-01/)."""
        return self.api.answer(method, target, body)

    # --- Invoke ------------------------------------------------------------------------------

    def start(self, name_in_path: str, query: str, headers: dict[str, str], payload: bytes) -> str | Answer:
        """Starts (or re-attaches to) the execution an invoke asks for: its ARN, or the error answer."""
        try:
            # A name the server does not serve is its main function's (as the RIE serves any
            # name); the qualifier counts, within the name (`name:$LATEST`, an ARN) or beside it.
            qualifiers = parse_qs(query).get("Qualifier")
            target = parse_function_name(unquote(name_in_path), qualifiers[0] if qualifiers else None)
            function = self.functions.route(name_in_path)
            started = self.engine.start_execution(function.name, target.qualifier,
                                                  payload.decode("utf-8"), name=headers.get(NAME_HEADER),
                                                  trace_id=headers.get("x-amzn-trace-id"))
        except DurableError as problem:
            return error_answer(problem)
        except UnicodeDecodeError:
            return lambda_errors.invalid_request("A durable execution's input must be UTF-8 JSON text")
        return started.arn

    @staticmethod
    def started_answer(arn: str) -> Answer:
        """An Event invoke's answer: 202, and the execution it started (or re-attached to)."""
        return 202, [("x-amzn-RequestId", new_request_id()), (ARN_HEADER, arn)], b""

    def answer_when_done(self, arn: str, responder: Responder) -> None:
        """A synchronous invoke: waits for the execution's end (at most `sync_wait`), then answers
        through `responder` as the function's result or error."""
        responder.extra = [(ARN_HEADER, arn)]
        inv = Invocation(b"", responder, request_id=new_request_id())
        ended = self.engine.wait_for_end(arn, self.sync_wait)
        if ended is None:
            responder.error(inv, lambda_errors.timed_out(inv.request_id, self.sync_wait), SANDBOX_TIMEDOUT)
        elif ended["Status"] == "SUCCEEDED":
            result = ended.get("Result")
            responder.response(inv, b"null" if result is None else str(result).encode("utf-8"), "application/json")
        else:
            error = ended.get("Error") or {}
            body = {"errorType": error.get("ErrorType") or f"DurableExecution.{ended['Status'].title()}",
                    "errorMessage": error.get("ErrorMessage") or f"The durable execution ended {ended['Status']}"}
            if error.get("StackTrace"):
                body["stackTrace"] = error["StackTrace"]
            responder.error(inv, json.dumps(body).encode("utf-8"), body["errorType"])

    # --- the engine's way into an environment ---------------------------------------------------

    def _run(self, request: InvocationRequest) -> InvocationOutcome:
        """One invocation of a durable function, as any other: an environment of its pool runs it."""
        function = self.functions.named(request.function_name) or self.functions.main
        capture = _Capture()
        inv = Invocation(json.dumps(request.event).encode("utf-8"), capture, request_id=request.request_id)
        # It waits for an environment as an Event invocation does (the engine invokes asynchronously).
        refused = runner.run(function.pool, inv, function.config.timeout, patience=admission.MAX_EVENT_AGE)
        if refused == admission.CLOSED:
            return InvocationOutcome.failed("Local.ServerStopping", "the local server is stopping")
        if refused is not None:  # past --reserved-concurrency: Lambda's throttle (docs/facts.md I4)
            return InvocationOutcome.failed("TooManyRequestsException", "Rate Exceeded.")
        return capture.outcome or InvocationOutcome.failed("Local.NoAnswer", "the invocation ended without an answer")


class _Capture(Responder):
    """The invocation's answer, kept for the engine instead of sent to a client."""

    def __init__(self) -> None:
        super().__init__(None)
        self.outcome: InvocationOutcome | None = None
        self._parts: list[bytes] = []

    def response(self, inv: Invocation, body: bytes, content_type: str) -> None:
        self.outcome = InvocationOutcome.returned(body)

    def error(self, inv: Invocation, body: bytes, error_type: str) -> None:
        try:
            message = json.loads(body).get("errorMessage", "")
        except (ValueError, AttributeError):
            message = body.decode("utf-8", "replace")
        self.outcome = InvocationOutcome.failed(error_type, str(message))

    def stream_start(self, inv: Invocation, content_type: str) -> None:
        pass

    def stream_data(self, inv: Invocation, data: bytes) -> None:
        self._parts.append(data)

    def stream_end(self, inv: Invocation, error_type: str | None, error_body: bytes | None) -> None:
        if error_type:
            self.error(inv, error_body or b"{}", error_type)
        else:
            self.response(inv, b"".join(self._parts), "application/json")
