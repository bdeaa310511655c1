"""The Lambda Runtime API (2018-06-01) as pure functions: bytes in, values out.

Nothing here touches a socket (the h11 way): `api_client` does the I/O. Building
requests and parsing replies without I/O is what lets the unit tests cover the
protocol byte for byte.
"""

from __future__ import annotations

# The API's paths, headers and limits are written down once, in lambda_runtime_api (a module
# without imports, shared with the local server that serves the API).
from lambda_runtime_api import (
    CLIENT_CONTEXT_HEADER,
    COGNITO_IDENTITY_HEADER,
    DEADLINE_HEADER,
    ERROR_BODY_TRAILER,
    ERROR_TYPE_HEADER,
    EXTENSION_ID_HEADER,
    EXTENSION_NAME_HEADER,
    EXTENSION_NEXT_PATH,
    EXTENSION_PREFIX,
    EXTENSION_REGISTER_PATH,
    FUNCTION_ARN_HEADER,
    HTTP_INTEGRATION_CONTENT_TYPE,
    HTTP_PRELUDE_DELIMITER,
    INIT_ERROR_PATH,
    INVOCATION_ID_HEADER,
    INVOCATION_PREFIX,
    MAX_BUFFERED_RESPONSE,
    MAX_STREAMED_RESPONSE,
    NEXT_PATH,
    REQUEST_ID_HEADER,
    RESPONSE_MODE_HEADER,
    STREAMING_CONTENT_TYPE,
    STREAMING_MODE,
    TENANT_ID_HEADER,
    TRACE_ID_HEADER,
    XRAY_CAUSE_HEADER,
)
from lambda_runtime_api import RUNTIME_PREFIX as API_PREFIX

# What the rest of the runtime takes from here, of those.
__all__ = [
    "API_PREFIX", "EXTENSION_NEXT_PATH", "EXTENSION_PREFIX", "EXTENSION_REGISTER_PATH",
    "HTTP_INTEGRATION_CONTENT_TYPE", "HTTP_PRELUDE_DELIMITER", "INIT_ERROR_PATH", "MAX_BUFFERED_RESPONSE",
    "MAX_STREAMED_RESPONSE", "NEXT_PATH", "STREAMING_CONTENT_TYPE",
]

# awslambdaric drops an X-Ray cause of 1 MiB or more rather than send a huge header.
XRAY_CAUSE_MAX = 1024 * 1024
# The reply headers parse_invocation reads, keyed as parse_head keys them.
_REQUEST_ID = REQUEST_ID_HEADER.lower()
_DEADLINE = DEADLINE_HEADER.lower()
_FUNCTION_ARN = FUNCTION_ARN_HEADER.lower()
_TRACE_ID = TRACE_ID_HEADER.lower()
_CLIENT_CONTEXT = CLIENT_CONTEXT_HEADER.lower()
_COGNITO_IDENTITY = COGNITO_IDENTITY_HEADER.lower()
_TENANT_ID = TENANT_ID_HEADER.lower()
_INVOCATION_ID = INVOCATION_ID_HEADER.lower()


def response_path(request_id: str) -> str:
    return f"{INVOCATION_PREFIX}{request_id}/response"


def error_path(request_id: str) -> str:
    return f"{INVOCATION_PREFIX}{request_id}/error"


class Invocation:
    """One event as `GET /next` hands it over: the body and the headers that matter."""

    __slots__ = (
        "body",
        "client_context",
        "cognito_identity",
        "content_type",
        "deadline_ms",
        "invocation_id",
        "invoked_function_arn",
        "request_id",
        "tenant_id",
        "trace_id",
    )

    def __init__(self, request_id: str, deadline_ms: int, invoked_function_arn: str | None,
                 trace_id: str | None, client_context: str | None,
                 cognito_identity: str | None, tenant_id: str | None,
                 invocation_id: str | None, content_type: str | None, body: bytes) -> None:
        self.request_id = request_id
        self.deadline_ms = deadline_ms
        self.invoked_function_arn = invoked_function_arn
        self.trace_id = trace_id
        self.client_context = client_context
        self.cognito_identity = cognito_identity
        self.tenant_id = tenant_id
        self.invocation_id = invocation_id
        self.content_type = content_type
        self.body = body

    def __repr__(self) -> str:
        return f"Invocation(request_id={self.request_id!r}, body={len(self.body)} bytes)"


class ProtocolError(Exception):
    """The Runtime API answered something this runtime cannot use."""


def build_request(method: str, path: str, host: str, body: bytes | None = b"",
                  headers: dict[str, str | None] | None = None) -> bytes:
    """The head of one HTTP/1.1 request; the caller sends `body` after it.

    Content-Length is sent on every POST with a body; `body=None` is a chunked one.
    """
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "User-Agent: " + USER_AGENT]
    if headers:
        for name, value in headers.items():
            if value is not None:
                lines.append(f"{name}: {value}")
    if method != "GET" and body is not None:
        lines.append(f"Content-Length: {len(body)}")
    # UTF-8, as awslambdaric's libcurl sends them: an X-Ray cause may hold any text.
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def next_request(host: str) -> bytes:
    return build_request("GET", NEXT_PATH, host)


def response_request(host: str, request_id: str, body: bytes, content_type: str,
                     invocation_id: str | None) -> bytes:
    return build_request("POST", response_path(request_id), host, body, {
        "Content-Type": content_type,
        INVOCATION_ID_HEADER: invocation_id,
    })


class RequestHeads:
    """The hot path's request heads, prepared once per host: `GET /next` and a plain `/response`.

    Byte for byte what `next_request` and `response_request` build (a unit test holds them to it).
    """

    def __init__(self, host: str) -> None:
        self.host = host
        self.next = next_request(host)
        self._response = (f"POST {INVOCATION_PREFIX}%s/response HTTP/1.1\r\nHost: {host}\r\n"
                          f"User-Agent: {USER_AGENT}\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                          ).encode()

    def response(self, request_id: str, body: bytes, content_type: str, invocation_id: str | None) -> bytes:
        if invocation_id is not None:
            return response_request(self.host, request_id, body, content_type, invocation_id)
        return self._response % (request_id.encode("utf-8"), content_type.encode("utf-8"), len(body))


def error_request(host: str, request_id: str, body: bytes, error_type: str,
                  xray_cause: str | None, invocation_id: str | None) -> bytes:
    return build_request("POST", error_path(request_id), host, body, {
        "Content-Type": "application/json",
        ERROR_TYPE_HEADER: _header_safe(error_type),
        XRAY_CAUSE_HEADER: xray_cause if xray_cause and len(xray_cause) < XRAY_CAUSE_MAX else None,
        INVOCATION_ID_HEADER: invocation_id,
    })


def init_error_request(host: str, body: bytes, error_type: str) -> bytes:
    return build_request("POST", INIT_ERROR_PATH, host, body, {
        "Content-Type": "application/json",
        ERROR_TYPE_HEADER: _header_safe(error_type),
    })


# --- response streaming -----------------------------------------------------------------
# AWS, "Implementing response streaming in a custom runtime"
# (docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html#runtimes-custom-response-streaming):
# the response mode header, a chunked body, and an error after the first byte in two
# trailers declared up front: the error type, and the error body base64-encoded. AWS's
# Node.js runtime does the same (aws-lambda-nodejs-runtime-interface-client, ResponseStream.js).
# Its content types and the prelude's delimiter: STREAMING_CONTENT_TYPE, HTTP_INTEGRATION_CONTENT_TYPE
# and HTTP_PRELUDE_DELIMITER, above.


def streaming_response_request(host: str, request_id: str, content_type: str,
                               invocation_id: str | None) -> bytes:
    """The head of a streamed `/response`: chunked, with the error trailers declared."""
    return build_request("POST", response_path(request_id), host, None, {
        "Content-Type": content_type,
        RESPONSE_MODE_HEADER: STREAMING_MODE,
        "Transfer-Encoding": "chunked",
        "Trailer": f"{ERROR_TYPE_HEADER}, {ERROR_BODY_TRAILER}",
        INVOCATION_ID_HEADER: invocation_id,
    })


def chunk_head(size: int) -> bytes:
    """What goes before `size` bytes of a chunked body (b"\r\n" goes after them)."""
    return b"%x\r\n" % size


def last_chunk(error_type: str | None = None, error_body: bytes | None = None) -> bytes:
    """The end of a chunked body; with an error, the two error trailers."""
    if error_type is None:
        return b"0\r\n\r\n"
    import base64

    trailers = f"{ERROR_TYPE_HEADER}: {_header_safe(error_type)}\r\n"
    trailers += f"{ERROR_BODY_TRAILER}: {base64.b64encode(error_body or b'').decode('ascii')}\r\n"
    return b"0\r\n" + trailers.encode("utf-8") + b"\r\n"


# --- the Extensions API (only what a no-op internal extension needs) -----------------------


def extension_register_request(host: str, name: str) -> tuple[bytes, bytes]:
    """Head and body registering an internal extension that subscribes to no events."""
    body = b'{"events": []}'
    return build_request("POST", EXTENSION_REGISTER_PATH, host, body, {
        EXTENSION_NAME_HEADER: name, "Content-Type": "application/json"}), body


def extension_next_request(host: str, extension_id: str) -> bytes:
    return build_request("GET", EXTENSION_NEXT_PATH, host, None, {EXTENSION_ID_HEADER: extension_id})


def _header_safe(value: str) -> str:
    # An error type is a class name, and a class name can hold anything: keep it one line.
    return value.replace("\r", " ").replace("\n", " ")


def parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    """A reply's status and headers (names in lower case) from the bytes before the blank line."""
    # Values are UTF-8: a client context is JSON that may hold any text.
    lines = head.decode("utf-8", "replace").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ProtocolError(f"malformed status line from the Runtime API: {lines[0][:100]!r}")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError(f"malformed header line from the Runtime API: {line[:100]!r}")
        headers[name.lower()] = value.strip()
    return int(parts[1]), headers


def parse_invocation(headers: dict[str, str], body: bytes) -> Invocation:
    """The `GET /next` reply (headers keyed in lower case) as an Invocation."""
    get = headers.get
    request_id = get(_REQUEST_ID)
    if not request_id:
        raise ProtocolError(f"the Runtime API sent an event without {REQUEST_ID_HEADER}")
    deadline = get(_DEADLINE)
    try:
        deadline_ms = int(deadline) if deadline else 0
    except ValueError:
        raise ProtocolError(f"{DEADLINE_HEADER} is not a number: {deadline!r}") from None
    # Empty headers count as absent, as awslambdaric's client treats them.
    return Invocation(
        request_id=request_id,
        deadline_ms=deadline_ms,
        invoked_function_arn=get(_FUNCTION_ARN),
        trace_id=get(_TRACE_ID) or None,
        client_context=get(_CLIENT_CONTEXT) or None,
        cognito_identity=get(_COGNITO_IDENTITY) or None,
        tenant_id=get(_TENANT_ID) or None,
        invocation_id=get(_INVOCATION_ID) or None,
        content_type=get("content-type") or None,
        body=body,
    )


def _user_agent() -> str:
    import sys

    from . import __version__

    v = sys.version_info
    return f"lambda-python-image/{__version__} python/{v.major}.{v.minor}.{v.micro}"


USER_AGENT = _user_agent()
