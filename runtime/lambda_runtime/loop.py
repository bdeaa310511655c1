"""The runtime loop: init once, then next -> invoke -> respond, for ever.

What the loop uses is passed in (the config, the Runtime API client, the environment),
and `serve(n)` answers exactly n events, so a test or a benchmark can drive one loop.
Per-invocation state lives in locals and a context variable, never in module globals.
"""

from __future__ import annotations

import os
import sys

from . import errors
from .api_client import InvocationRejected, RuntimeApiClient, RuntimeApiError
from .api_protocol import MAX_BUFFERED_RESPONSE
from .config import Config
from .context import LambdaContext
from .error_reports import UNHANDLED_EXCEPTION_WARNING, ErrorReporter
from .handler import load_handler, prepare_sys_path
from .import_hook import after_import
from .log_sinks import open_sink
from .marshal import Encoder, decode_event
from .request_context import current_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping

    from .api_protocol import Invocation
    from .log_sinks import Sink

RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"


class Runtime:
    """One process's runtime: the handler and what it needs to answer invocations."""

    def __init__(self, config: Config, client: RuntimeApiClient,
                 environ: MutableMapping[str, str] | None = None) -> None:
        self.config = config
        self.client = client
        self.environ = os.environ if environ is None else environ
        self.sink = open_sink(config, self.environ)
        self.encoder = Encoder(config.ensure_ascii)
        self.report = ErrorReporter(config, self.sink, self.encoder)
        self.handler: Callable[..., object] | None = None

    def init(self) -> bool:
        """Imports the handler; on failure reports the init error and returns False."""
        self.environ.setdefault("AWS_EXECUTION_ENV", self.config.execution_env)
        install_root_handler(self.config, self.sink)
        prepare_sys_path(self.config.task_root)
        try:
            self.handler = load_handler(self.config.handler)
            return True
        except Exception as exc:
            error, _ = errors.from_exception(exc)
        self.report.warning(UNHANDLED_EXCEPTION_WARNING)
        self.report.error(error)
        try:
            self.client.post_init_error(self.encoder.encode(error).encode("utf-8"), error["errorType"])
        except InvocationRejected as exc:
            _say(f"the init error was not accepted: {exc}")
        return False

    def serve(self, invocations: int | None = None) -> None:
        """Answers `invocations` events (all of them when None)."""
        next_invocation = self.client.next_invocation
        count = 0
        while invocations is None or count < invocations:
            self.invoke(next_invocation())
            count += 1

    def invoke(self, inv: Invocation) -> None:
        current_request.set((inv.request_id, inv.tenant_id))
        environ = self.environ
        # The trace id of this invocation, and none left over from the previous one.
        if inv.trace_id is not None:
            environ["_X_AMZN_TRACE_ID"] = inv.trace_id
        elif "_X_AMZN_TRACE_ID" in environ:
            del environ["_X_AMZN_TRACE_ID"]
        try:
            context = LambdaContext(inv, self.config, self.sink)
            result = self.handler(decode_event(inv.body, inv.content_type), context)  # type: ignore[misc]
            body, content_type = self.encoder.result(result)
        except Exception as exc:
            self.fail(inv, exc)
            return
        if len(body) > MAX_BUFFERED_RESPONSE:
            self.fail(inv, errors.FaultError(
                RESPONSE_TOO_LARGE,
                f"Response payload size ({len(body)} bytes) exceeded maximum allowed payload "
                f"size ({MAX_BUFFERED_RESPONSE} bytes)."))
            return
        try:
            self.client.post_response(inv, body, content_type)
        except InvocationRejected as exc:
            _say(str(exc))

    def fail(self, inv: Invocation, exc: BaseException) -> None:
        """Reports an invocation error: logged as one record, then posted to /error."""
        error, cause = errors.from_exception(exc, inv.request_id)
        self.report.error(error)
        encode = self.encoder.encode
        try:
            self.client.post_error(inv, encode(error).encode("utf-8"), error["errorType"], encode(cause))
        except InvocationRejected as rejected:
            _say(str(rejected))


def _say(message: str) -> None:
    """One line from the runtime itself, on stderr, for what the platform cannot be told."""
    sys.stderr.write(f"lambda-runtime: {message}\n")


def install_root_handler(config: Config, sink: Sink) -> None:
    """Gives the root logger awslambdaric's handler the moment the user's code imports `logging`."""

    def configure(_logging: object) -> None:
        from .root_logger import configure

        configure(config, sink)

    after_import("logging", configure)


def main(argv: list[str] | None = None, environ: MutableMapping[str, str] | None = None) -> int:
    """Starts the runtime from the environment: returns the process's exit status."""
    environ = os.environ if environ is None else environ
    config = Config(environ, sys.argv if argv is None else argv)
    if not config.runtime_api:
        _say("AWS_LAMBDA_RUNTIME_API is not set: start this under Lambda or the Runtime "
             "Interface Emulator (/lambda-entrypoint.sh does that)")
        return 1
    try:
        runtime = Runtime(config, RuntimeApiClient(config.runtime_api), environ)
        if not runtime.init():
            return 1
        runtime.serve()
    except RuntimeApiError as exc:
        _say(str(exc))
        return 1
    return 0
