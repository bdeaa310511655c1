"""awslambdaric's hook surface: the names that code hooking the runtime finds and replaces.

Error trackers wrap AWS's Python runtime from inside the function's process. sentry-sdk's
and honeybadger's AWS Lambda integrations look for the runtime's `bootstrap` module
(`sys.modules["bootstrap"]`, then `__main__.awslambdaricmain.bootstrap`, then
`__main__.bootstrap`: awslambdaric's container entry point imports its `bootstrap` module
there), then replace, in place:

- `handle_event_request`, the module-level function awslambdaric calls for each event,
  to wrap `request_handler` (report the handler's exceptions, start a transaction);
- `LambdaRuntimeClient.post_invocation_result` and `.post_invocation_error`, to flush
  what they buffered before the answer leaves (the environment may be frozen after it);
- `LambdaRuntimeClient.post_init_error`, to report an init error.

Our entry scripts (runtime/bootstrap, lambda_runtime/__main__.py) bind this module as
`__main__.bootstrap`; the loop calls `handle_event_request` through this module for every
event, and every answer leaves through `LambdaRuntimeClient`'s methods, looked up at the
moment of the call, so a replacement takes effect. Names, signatures and the moment each
is called are awslambdaric 4.2.2's (bootstrap.py, lambda_runtime_client.py): a partial
surface would be worse than none (sentry-sdk raises when it finds `handle_event_request`
but no `LambdaRuntimeClient`). No module named `bootstrap` is added to sys.modules: a
function's own bootstrap.py must still import.
"""

from __future__ import annotations

import json

from .api_protocol import Invocation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from .api_client import RuntimeApiClient
    from .invoke import Invoker
    from .log_sinks import Sink
    from .marshal import Encoder


class LambdaRuntimeClient:
    """awslambdaric's `LambdaRuntimeClient` by its method names and signatures, over our
    Runtime API connection (`api`).

    As awslambdaric's client carries the marshaller that `handle_event_request` uses, this
    one carries the encoder and the runtime's `Invoker`.
    """

    def __init__(self, api: RuntimeApiClient, encoder: Encoder) -> None:
        self.api = api
        self.encoder = encoder
        self.invoker: Invoker | None = None  # set once the handler is loaded (loop.Runtime.init)

    def post_init_error(self, error_response_data: dict[str, object],
                        error_type_override: str | None = None) -> None:
        """POST /runtime/init/error with the error object (awslambdaric sends it as JSON)."""
        error_type = error_type_override or str(error_response_data["errorType"])
        self.api.post_init_error(self.encoder.encode(error_response_data).encode("utf-8"), error_type)

    def post_invocation_result(self, invoke_id: str, result_data: bytes | str,
                               content_type: str = "application/json", invocation_id: str | None = None) -> None:
        """POST /runtime/invocation/{id}/response."""
        body = result_data if isinstance(result_data, bytes) else result_data.encode("utf-8")
        self.api.post_response(invoke_id, body, content_type, invocation_id)

    def post_invocation_error(self, invoke_id: str, error_response_data: str, xray_fault: str,
                              invocation_id: str | None = None) -> None:
        """POST /runtime/invocation/{id}/error, with the body's `errorType` in the error type
        header, which awslambdaric leaves out (docs/runtime.md, "Differences from awslambdaric")."""
        self.api.post_error(invoke_id, error_response_data.encode("utf-8"), _error_type(error_response_data),
                            xray_fault, invocation_id)


def handle_event_request(lambda_runtime_client: LambdaRuntimeClient, request_handler: Callable[..., object],
                         invoke_id: str, event_body: bytes, content_type: str | None,
                         client_context_json: str | None, cognito_identity_json: str | None,
                         invoked_function_arn: str | None, epoch_deadline_time_in_ms: int,
                         tenant_id: str | None, log_sink: Sink, invocation_id: str | None = None) -> None:
    """One event: `request_handler` is called with it, and its result or error is posted
    through `lambda_runtime_client`. The trace id is in `_X_AMZN_TRACE_ID` already (the loop
    sets it before this call, as awslambdaric does)."""
    invoker = lambda_runtime_client.invoker
    if invoker is None:
        raise RuntimeError("handle_event_request() before the runtime loaded its handler")
    invoker(Invocation(invoke_id, int(epoch_deadline_time_in_ms), invoked_function_arn, None, client_context_json,
                       cognito_identity_json, tenant_id, invocation_id, content_type, event_body),
            request_handler)


def _error_type(error_response_data: str) -> str:
    try:
        error = json.loads(error_response_data)
    except ValueError:
        return ""
    error_type = error.get("errorType") if isinstance(error, dict) else None
    return error_type if isinstance(error_type, str) else ""
