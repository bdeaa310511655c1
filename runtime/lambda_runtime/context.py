"""The context object handed to the handler: awslambdaric's LambdaContext, attribute for attribute."""

from __future__ import annotations

import json
import time

from .errors import FaultError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .api_protocol import Invocation
    from .config import Config
    from .log_sinks import Sink

CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"
# The W3C trace-context fields awslambdaric surfaces through `context.w3c()`.
_W3C_FIELDS = ("traceparent", "tracestate", "baggage")


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity: dict[str, str | None]) -> None:
        self.cognito_identity_id = identity.get("cognitoIdentityId")
        self.cognito_identity_pool_id = identity.get("cognitoIdentityPoolId")

    def __repr__(self) -> str:
        return (f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
                f"cognito_identity_pool_id={self.cognito_identity_pool_id}])")


class Client:
    __slots__ = (
        "app_package_name",
        "app_title",
        "app_version_code",
        "app_version_name",
        "installation_id",
    )

    def __init__(self, client: dict[str, str | None]) -> None:
        self.installation_id = client.get("installation_id")
        self.app_title = client.get("app_title")
        self.app_version_name = client.get("app_version_name")
        self.app_version_code = client.get("app_version_code")
        self.app_package_name = client.get("app_package_name")

    def __repr__(self) -> str:
        return (f"Client([installation_id={self.installation_id},app_title={self.app_title},"
                f"app_version_name={self.app_version_name},"
                f"app_version_code={self.app_version_code},"
                f"app_package_name={self.app_package_name}])")


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, context: dict[str, Any]) -> None:
        self.custom = context.get("custom")
        self.env = context.get("env")
        client = context.get("client")
        self.client = Client(client) if client is not None else None

    def __repr__(self) -> str:
        return f"ClientContext([custom={self.custom},env={self.env},client={self.client}])"


class LambdaContext:
    """Per-invocation facts. `memory_limit_in_mb` is a string, as in awslambdaric."""

    def __init__(self, invocation: Invocation, config: Config, log_sink: Sink | None = None) -> None:
        self.aws_request_id: str = invocation.request_id
        self.log_group_name: str | None = config.log_group_name
        self.log_stream_name: str | None = config.log_stream_name
        self.function_name: str | None = config.function_name
        self.memory_limit_in_mb: str | None = config.memory_size
        self.function_version: str | None = config.function_version
        self.invoked_function_arn: str | None = invocation.invoked_function_arn
        self.tenant_id: str | None = invocation.tenant_id
        self._epoch_deadline_time_in_ms: int = invocation.deadline_ms
        self._log_sink = log_sink

        self._w3c_fields: dict[str, str] = {}
        client_context = None
        if invocation.client_context:
            raw = _parse_json_header(invocation.client_context, "Client Context")
            if isinstance(raw, dict):
                w3c = raw.pop("w3c", None)
                if isinstance(w3c, dict):
                    self._w3c_fields = {k: w3c[k] for k in _W3C_FIELDS if isinstance(w3c.get(k), str)}
            if raw is not None:
                client_context = ClientContext(raw)
        self.client_context: ClientContext | None = client_context

        identity: dict[str, str | None] = {}
        if invocation.cognito_identity:
            identity = _parse_json_header(invocation.cognito_identity, "Cognito Identity") or {}
        self.identity: CognitoIdentity = CognitoIdentity(identity)

    def get_remaining_time_in_millis(self) -> int:
        remaining = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def w3c(self) -> dict[str, str]:
        """The W3C trace context (traceparent, tracestate, baggage) sent with the invoke."""
        return dict(self._w3c_fields)

    def log(self, msg: object) -> None:
        """Writes `msg` as one log record, to the telemetry fd when Lambda gives one."""
        if self._log_sink is not None:
            self._log_sink.write(str(msg))
        else:
            import sys

            sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


def _parse_json_header(value: str, name: str) -> Any:  # JSON: whatever the caller sent
    try:
        return json.loads(value)
    except Exception as exc:
        raise FaultError(CONTEXT_UNMARSHAL_ERROR, f"Unable to parse {name} JSON: {exc}") from None
