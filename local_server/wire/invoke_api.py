"""The Invoke API as the front server reads it: routes, invocation types, client contexts. Pure functions.

Invoke (`POST /2015-03-31/functions/{name}/invocations`) and InvokeWithResponseStream
(`POST /2021-11-15/functions/{name}/response-streaming-invocations`), with the limits of
botocore's lambda service-2.json.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import unquote

from . import lambda_errors
from .lambda_errors import Answer

INVOKE_PREFIX = "/2015-03-31/"
STREAM_PREFIX = "/2021-11-15/"
# Lambda's payload limit for an Event invocation (service-2.json Payload: "1 MB for asynchronous").
MAX_EVENT_PAYLOAD = 1_048_576
# X-Amz-Client-Context: "Up to 3,583 bytes of base64-encoded data" (service-2.json).
MAX_CLIENT_CONTEXT = 3583
EXECUTED_VERSION = "$LATEST"
# X-Amz-Tenant-Id (service-2.json, Invoke and InvokeWithResponseStream): shape TenantId, 1 to 256
# characters of this pattern.
TENANT_HEADER = "x-amz-tenant-id"
MAX_TENANT_ID = 256
TENANT_ID_PATTERN = r"[a-zA-Z0-9\._:\/=+\-@ ]+"
_TENANT_ID = re.compile(TENANT_ID_PATTERN)
# FunctionName (botocore's Lambda model): a name, `name:qualifier`, or a full or partial ARN.
_FUNCTION_NAME = re.compile(r"(?:arn:[a-z-]*:lambda:[a-z0-9-]*:\d{12}:function:|\d{12}:function:)?"
                            r"([a-zA-Z0-9_.-]+)(?::[^:]*)?")


def function_name(path: str, streaming: bool) -> str | None:
    """The {name} of /<version>/functions/{name}/<action>, or None if the path is not that."""
    prefix, suffix = (STREAM_PREFIX, "response-streaming-invocations") if streaming else (INVOKE_PREFIX,
                                                                                           "invocations")
    rest = path[len(prefix):]
    if not rest.startswith("functions/") or not rest.endswith("/" + suffix):
        return None
    name = rest[len("functions/"):-len(suffix) - 1]
    return name if name and "/" not in name else None


def bare_function_name(name: str) -> str:
    """The function's own name in the {name} of a path (percent-encoded, maybe qualified or an ARN)."""
    text = unquote(name)
    match = _FUNCTION_NAME.fullmatch(text)
    return match.group(1) if match else text


def body_limit(kind: str, streaming: bool) -> int:
    """The largest payload an invocation of this type takes."""
    return MAX_EVENT_PAYLOAD if kind == "Event" and not streaming else lambda_errors.MAX_REQUEST


def client_context(encoded: str | None) -> tuple[bytes | None, Answer | None]:
    """(the decoded client context or None, None), or (None, an error answer)."""
    if not encoded:
        return None, None
    if len(encoded) > MAX_CLIENT_CONTEXT:
        return None, lambda_errors.invalid_client_context(f"longer than {MAX_CLIENT_CONTEXT} bytes")
    try:
        # The runtime gets the decoded JSON text (the RIE's handlers.go does the same).
        decoded = base64.b64decode(encoded, validate=True)
        json.loads(decoded)
    except (binascii.Error, ValueError) as problem:
        return None, lambda_errors.invalid_client_context(str(problem))
    return decoded, None


def event_payload(body: bytes) -> tuple[bytes, Answer | None]:
    """(what the function gets, None), or (b"", Lambda's 400) for an Invoke body that is not JSON.
    No body at all reaches the function as `{}` (docs/facts.md I10)."""
    if not body:
        return b"{}", None
    try:
        json.loads(body)
    except ValueError as problem:  # UnicodeDecodeError included: Lambda reads the body as UTF-8 JSON
        return b"", lambda_errors.invalid_request(
            f"Could not parse request body into json: Could not parse payload into json: {problem}")
    return body, None


def refusal(method: str, path: str, name: str | None, kind: str, streaming: bool,
            bad_header: Answer | None) -> Answer | None:
    """Why an invoke request is not run (an answer), or None when it is (`bad_header`: the refusal of a
    header that was read already: X-Amz-Client-Context, X-Amz-Tenant-Id)."""
    kinds = ("RequestResponse", "DryRun") if streaming else ("RequestResponse", "Event", "DryRun")
    if name is None:
        return lambda_errors.unknown_operation(method, path)
    if method != "POST":
        return lambda_errors.method_not_allowed(method, path)
    if bad_header is not None:
        return bad_header
    if kind not in kinds:
        return lambda_errors.invalid_request(f"X-Amz-Invocation-Type must be one of {', '.join(kinds)}, "
                                             f"not {kind!r}")
    if kind == "DryRun":
        return 204, [("X-Amz-Executed-Version", EXECUTED_VERSION)], b""
    return None


def too_large(kind: str, size: int, close: bool) -> Answer:
    """413 for a request body over its limit (an Event invocation's own, or Invoke's)."""
    if kind == "Event" and size <= lambda_errors.MAX_REQUEST:
        status, headers, body = lambda_errors.api_error(413, "RequestEntityTooLargeException", {
            "Type": "User", "message": f"{size} byte payload is too large for the Event invocation type "
                                       f"(limit {MAX_EVENT_PAYLOAD} bytes)"})
    else:
        status, headers, body = lambda_errors.request_too_large(size)
    return status, [*headers, ("Connection", "close")] if close else headers, body


def tenant(header: str | None, isolated: bool) -> tuple[str | None, Answer | None]:
    """(the tenant id or None, None), or (None, Lambda's refusal) for X-Amz-Tenant-Id and a function that
    is (`isolated`) or is not configured for tenant isolation. An empty header is no tenant id."""
    if not header:
        return None, (lambda_errors.invalid_parameter(lambda_errors.TENANT_REQUIRED) if isolated else None)
    if len(header) > MAX_TENANT_ID:
        return None, lambda_errors.invalid_tenant_id(
            header, f"Member must have length less than or equal to {MAX_TENANT_ID}")
    if not _TENANT_ID.fullmatch(header):
        return None, lambda_errors.invalid_tenant_id(
            header, f"Member must satisfy regular expression pattern: {TENANT_ID_PATTERN}")
    if not isolated:
        return None, lambda_errors.invalid_parameter(lambda_errors.TENANT_NOT_ENABLED)
    return header, None
