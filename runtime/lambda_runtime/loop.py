"""The runtime loop: init once, then next -> invoke -> respond, for ever.

What the loop uses is passed in (the config, the Runtime API client, the environment),
and `serve(n)` answers exactly n events, so a test or a benchmark can drive one loop.
Per-invocation state lives in locals and a context variable, never in module globals.

Each event goes through `bootstrap.handle_event_request` and each post through
`bootstrap.LambdaRuntimeClient`, awslambdaric's names, looked up at every call: code that
hooks AWS's runtime (Sentry, Honeybadger) replaces them, and its wrappers take effect here.
"""

from __future__ import annotations

import os
import sys

from . import bootstrap, errors
from .api_client import InvocationRejected, RuntimeApiClient, RuntimeApiClosed, RuntimeApiError
from .bootstrap import LambdaRuntimeClient
from .config import Config
from .error_reports import UNHANDLED_EXCEPTION_WARNING, ErrorReporter
from .handler import load_handler, prepare_sys_path
from .import_hook import after_import
from .invoke import Invoker
from .log_sinks import open_sink, say
from .marshal import Encoder

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping

    from .log_sinks import Sink

# Code flags of `async def` and async generator functions (inspect.CO_COROUTINE and
# CO_ASYNC_GENERATOR: `inspect` itself costs milliseconds to import).
_ASYNC_CODE_FLAGS = 0x80 | 0x200


class Runtime:
    """One process's runtime: the handler and what it needs to answer invocations."""

    def __init__(self, config: Config, api: RuntimeApiClient,
                 environ: MutableMapping[str, str] | None = None) -> None:
        self.config = config
        self.environ = os.environ if environ is None else environ
        self.sink = open_sink(config, self.environ)
        self.encoder = Encoder(config.ensure_ascii)
        self.client = LambdaRuntimeClient(api, self.encoder)
        self.report = ErrorReporter(config, self.sink, self.encoder)
        self.invoke: Invoker | None = None

    def init(self, prepare_event_loop: bool = True) -> bool:
        """Imports the handler; on failure reports the init error and returns False.

        An `async def` handler's event loop is made now, unless `prepare_event_loop` is
        False (a process about to fork workers must not hold one: see workers.py).
        """
        self.environ.setdefault("AWS_EXECUTION_ENV", self.config.execution_env)
        install_root_handler(self.config, self.sink)
        prepare_sys_path(self.config.task_root)
        try:
            handler = load_handler(self.config.handler)
        except Exception as exc:
            error, _ = errors.from_exception(exc)
            self.report.warning(UNHANDLED_EXCEPTION_WARNING)
            self.report.error(error, errors.chain_of(exc))
        else:
            self.invoke = Invoker(handler, self.client, self.config, self.encoder, self.report, self.sink)
            self.client.invoker = self.invoke  # what handle_event_request runs each event with
            if prepare_event_loop:
                self.prepare_event_loop()
            return True
        # After the except block, with the error object, as awslambdaric posts it: a hook
        # on post_init_error (Sentry's) then reports this error object, not a live exception.
        try:
            self.client.post_init_error(dict(error))
        except InvocationRejected as rejected:
            say(f"the init error was not accepted: {rejected}")
        return False
    def prepare_event_loop(self) -> None:
        """Makes the event loop of an `async def` handler: asyncio's import belongs to init."""
        invoke = self.invoke
        code = getattr(invoke.handler, "__code__", None) if invoke else None
        if invoke is not None and code is not None and code.co_flags & _ASYNC_CODE_FLAGS:
            from .event_loop import EventLoop

            invoke.event_loop = EventLoop()
            invoke.event_loop.prepare()

    def serve(self, invocations: int | None = None) -> None:
        """Answers `invocations` events (all of them when None); `init()` must have succeeded."""
        invoke = self.invoke
        if invoke is None:
            raise RuntimeError("Runtime.serve() before a successful init()")
        client, handler, sink, environ = self.client, invoke.handler, self.sink, self.environ
        next_invocation = client.api.next_invocation
        count = 0
        while invocations is None or count < invocations:
            inv = next_invocation()
            # The trace id of this invocation, and none left over from the previous one.
            if inv.trace_id is not None:
                environ["_X_AMZN_TRACE_ID"] = inv.trace_id
            elif "_X_AMZN_TRACE_ID" in environ:
                del environ["_X_AMZN_TRACE_ID"]
            bootstrap.handle_event_request(client, handler, inv.request_id, inv.body, inv.content_type,
                                           inv.client_context, inv.cognito_identity, inv.invoked_function_arn,
                                           inv.deadline_ms, inv.tenant_id, sink, inv.invocation_id)
            count += 1


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
        say("AWS_LAMBDA_RUNTIME_API is not set: start this under Lambda or the Runtime "
            "Interface Emulator (/lambda-entrypoint.sh does that)")
        return 1
    from .shutdown import enable_sigterm, exit_on_sigterm

    exit_on_sigterm()  # before the function's code, so a handler it installs replaces this one
    extension = None
    try:
        client = RuntimeApiClient(config.runtime_api)
        try:
            extension = enable_sigterm(client) if config.enable_sigterm else None  # kept open while serving
            return _serve(config, client, environ)
        finally:
            client.close()
            if extension is not None:
                extension.close()
    except RuntimeApiClosed:
        return 0  # the platform ended the environment between invocations: nothing to say
    except RuntimeApiError as exc:
        say(str(exc))
        return 1


def _serve(config: Config, client: RuntimeApiClient, environ: MutableMapping[str, str]) -> int:
    if config.max_concurrency:
        return _serve_concurrently(config, client, environ)
    runtime = Runtime(config, client, environ)
    if not runtime.init():
        return 1
    runtime.serve()
    return 0  # pragma: no cover  (serve() without a count returns only by raising)


def _serve_concurrently(config: Config, client: RuntimeApiClient, environ: MutableMapping[str, str]) -> int:
    """AWS_LAMBDA_MAX_CONCURRENCY: workers, each its own runtime (workers.py)."""
    from .workers import Workers, redirect_output

    shared: Runtime | None = None
    if config.fork_workers_after_init:
        shared = Runtime(config, client, environ)
        if not shared.init(prepare_event_loop=False):
            return 1
    client.close()  # each worker opens a connection of its own

    def serve(ready: Callable[[], None]) -> int:
        if config.telemetry_log_socket:
            redirect_output(config.telemetry_log_socket)
        runtime = shared or Runtime(config, client, environ)
        if shared is None and not runtime.init():
            return 1
        runtime.prepare_event_loop()
        ready()
        try:
            runtime.serve()
        except RuntimeApiClosed:
            return 0
        except RuntimeApiError as exc:
            say(str(exc))
            return 1
        return 0

    return Workers(config.max_concurrency or 1, serve).run()
