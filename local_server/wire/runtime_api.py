"""The Runtime API (2018-06-01) as the server speaks it: routes, the `/next` reply, refusals. Pure functions.

Paths, headers, limits and error types come from `lambda_runtime_api`, which the runtime
uses too. Status codes as Lambda's (the runtime contract): 400 InvalidRequestID, 403
InvalidStateTransition, 413 for a buffered response over 6 MB; 410 InvokeTimeout for a post
after a managed instance's timeout (the RIE's lambda-managed-instances rapi).
"""

from __future__ import annotations

import base64
import binascii
import json
import os

from lambda_runtime_api import (
    CLIENT_CONTEXT_HEADER,
    DEADLINE_HEADER,
    ERROR,
    ERROR_BODY_TRAILER,
    ERROR_TYPE_HEADER,
    EXTENSION_PREFIX,
    FUNCTION_ARN_HEADER,
    INIT_ERROR_PATH,
    INVALID_REQUEST_ID,
    INVALID_STATE_TRANSITION,
    INVOCATION_PREFIX,
    INVOKE_TIMEOUT,
    MAX_BUFFERED_RESPONSE,
    NEXT_PATH,
    REQUEST_ID_HEADER,
    REQUEST_TOO_LARGE,
    RESPONSE,
    RESPONSE_MODE_HEADER,
    TENANT_ID_HEADER,
    TRACE_ID_HEADER,
)

from .http import response_head

# What a request of the runtime asks for (see `route`).
NEXT, RESPOND, FAIL, INIT_ERROR, EXTENSIONS, UNKNOWN = "next", "respond", "fail", "init-error", "extensions", "?"
# The request headers the server reads, keyed in lower case as `wire.http` keys them.
MODE = RESPONSE_MODE_HEADER.lower()
ERROR_TYPE = ERROR_TYPE_HEADER.lower()
ERROR_BODY = ERROR_BODY_TRAILER.lower()

ACCEPTED = (b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
            b'{"status":"OK"}')
REFUSALS = {
    400: (INVALID_REQUEST_ID, "Invalid request ID"),
    403: (INVALID_STATE_TRANSITION, "The invocation has already been answered"),
    410: (INVOKE_TIMEOUT, "Invoke timeout"),
    413: (REQUEST_TOO_LARGE, f"A buffered response is limited to {MAX_BUFFERED_RESPONSE} bytes"),
}
_NEXT_HEAD = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{REQUEST_ID_HEADER}: ".encode()
_DEADLINE = f"\r\n{DEADLINE_HEADER}: ".encode()
_FUNCTION_ARN = f"\r\n{FUNCTION_ARN_HEADER}: ".encode()
_TRACE_ID = f"\r\n{TRACE_ID_HEADER}: ".encode()
_CLIENT_CONTEXT = f"\r\n{CLIENT_CONTEXT_HEADER}: ".encode()
_TENANT_ID = f"\r\n{TENANT_ID_HEADER}: ".encode()


def new_request_id() -> str:
    """A random (version 4) UUID, without the uuid module's import cost."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def route(method: str, path: str) -> tuple[str, str]:
    """(what the request asks for, the request id it names or "")."""
    if path == NEXT_PATH:
        return (NEXT if method == "GET" else UNKNOWN), ""
    if path.startswith(INVOCATION_PREFIX) and method == "POST":
        request_id, _, kind = path[len(INVOCATION_PREFIX):].partition("/")
        if kind == RESPONSE:
            return RESPOND, request_id
        if kind == ERROR:
            return FAIL, request_id
    elif path == INIT_ERROR_PATH and method == "POST":
        return INIT_ERROR, ""
    elif path.startswith(EXTENSION_PREFIX):
        return EXTENSIONS, ""
    return UNKNOWN, ""


def reply(status: int, error_type: str, message: str) -> bytes:
    """An error reply of the API: its JSON body as the RIE's rapi writes it."""
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return response_head(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]) + body


def answer(status: int) -> bytes:
    """The reply to a post for an invocation: 202, or the refusal of that status."""
    return ACCEPTED if status == 202 else reply(status, *REFUSALS[status])


def not_found(method: str, path: str) -> bytes:
    return reply(404, "NotFound", f"no Runtime API call at {method} {path}")


def _clean(value: bytes) -> bytes:
    # A header value is one line: JSON may hold raw line breaks, which are whitespace to it.
    return value.replace(b"\r", b" ").replace(b"\n", b" ")


def next_reply(request_id: str, deadline_ms: int, function_arn: bytes, trace_id: str | None,
               client_context: bytes | None, payload: bytes, tenant_id: str | None = None) -> bytes:
    """The `GET /next` answer for an invocation: the event and its headers (the runtime contract; the
    tenant id of a tenant-isolated function as Lambda-Runtime-Aws-Tenant-Id, docs/facts.md Q2)."""
    head = [_NEXT_HEAD, request_id.encode(), _DEADLINE, str(deadline_ms).encode(), _FUNCTION_ARN, function_arn]
    if trace_id:
        head += [_TRACE_ID, _clean(trace_id.encode("latin-1", "replace"))]
    if client_context:
        head += [_CLIENT_CONTEXT, _clean(client_context)]
    if tenant_id:
        head += [_TENANT_ID, tenant_id.encode()]  # checked against TenantId's pattern: one ASCII line
    head += [b"\r\nContent-Length: ", str(len(payload)).encode(), b"\r\n\r\n", payload]
    return b"".join(head)


def trailer_error(trailers: dict[str, str]) -> tuple[str | None, bytes | None]:
    """(error type, error body) from a streamed response's trailers; (None, None) when it ended well."""
    error_type = trailers.get(ERROR_TYPE)
    if not error_type:
        return None, None
    try:
        # The body trailer is base64 of a JSON error object (Node's ResponseStream.js).
        body = base64.b64decode(trailers.get(ERROR_BODY, ""), validate=True)
    except (binascii.Error, ValueError):
        body = b""
    return error_type, body
