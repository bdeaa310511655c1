"""Plain HTTP as a function URL does it: requests into events, results into responses. Pure functions.

Payload format 2.0 and its response rules: AWS "Invoking Lambda function URLs"
(https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html; docs/facts.md U1, U3).
The API Gateway REST (v1) proxy format is the option `--http-events v1`.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from lambda_runtime_api import HTTP_PRELUDE_DELIMITER as PRELUDE_DELIMITER

from .lambda_errors import Answer

# Streamed responses for function URLs start with a JSON prelude, then 8 NUL bytes (AWS
# "Response streaming"; Node's HttpResponseStream.js): lambda_runtime_api's
# HTTP_INTEGRATION_CONTENT_TYPE and HTTP_PRELUDE_DELIMITER.
# API Gateway reads the prelude within the first 16 KB (docs/facts.md U5).
MAX_PRELUDE = 16 * 1024

# Request bodies of these types are passed as text; anything else is base64 ("If the
# content type of the request is binary, the body is base64-encoded").
_TEXT_TYPES = frozenset({"application/json", "application/xml", "application/javascript",
                         "application/ecmascript", "application/x-javascript", "application/graphql"})
# API Gateway's answer to a function that failed or answered something it cannot read
# (AWS "Handling Lambda errors with an API Gateway API"): 502 {"message": "Internal server error"}.
INTERNAL_ERROR: Answer = (502, [("Content-Type", "application/json")], b'{"message":"Internal server error"}')

# Tenant isolation and plain HTTP (AWS, "Invoking Lambda functions with tenant isolation", 2025-11):
# an API Gateway REST API maps a property of the client's request onto the Invoke API's
# X-Amz-Tenant-Id (here the request's own X-Amz-Tenant-Id header, as a REST API mapping it through
# would); "You can't invoke tenant-isolated Lambda functions with HTTP APIs because the X-Amz-Tenant-Id
# header can't be overridden", and function URLs do not go with tenant isolation (AWS CDK, TenancyConfig:
# "incompatible with ... Function URLs"; docs/facts.md Q6). So with tenant isolation, payload format 2.0
# has no URL at all.
NO_TENANT_URL: Answer = (404, [("Content-Type", "application/json")], json.dumps({
    "Message": "This function is configured for tenant isolation (PER_TENANT), and Lambda gives such a function "
               "no function URL. Invoke it with X-Amz-Tenant-Id through the Invoke API, or serve plain HTTP as "
               "an API Gateway REST API (--http-events v1), which passes the request's X-Amz-Tenant-Id on."},
    separators=(",", ":")).encode())
# What a REST API answers when Lambda refuses its invoke (no or a bad tenant id): API Gateway's 500
# when Lambda refused the invoke (docs/facts.md U6; the server's log says Lambda's reason).
GATEWAY_ERROR: Answer = (500, [("Content-Type", "application/json")], b'{"message":"Internal server error"}')


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))


def _body_fields(body: bytes, content_type: str | None) -> tuple[str, bool]:
    if is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _host_name(host: str | None) -> str:
    """The host of a Host header, without the port."""
    if not host:
        return "localhost"
    if host.startswith("["):  # an IPv6 literal
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]


def _http_time(epoch: float) -> str:
    # "12/Mar/2020:19:03:58 +0000"; %b is English: Python leaves LC_TIME at "C".
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch))


class HttpRequest:
    """What the event is made from: one plain HTTP request as it arrived."""

    def __init__(self, method: str, path: str, query: str, headers: dict[str, str],
                 raw_headers: list[tuple[str, str]], body: bytes,
                 source_ip: str, request_id: str, epoch: float | None = None) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers  # lower-case names, repeated headers joined
        self.raw_headers = raw_headers  # [(name as sent, value)]
        self.body = body
        self.source_ip = source_ip
        self.request_id = request_id
        self.epoch = time.time() if epoch is None else epoch


def v2_event(req: HttpRequest) -> dict[str, Any]:
    """A function URL event, payload format 2.0."""
    headers = dict(req.headers)
    cookie = headers.pop("cookie", None)
    headers.setdefault("x-forwarded-for", req.source_ip)
    headers.setdefault("x-forwarded-proto", "http")
    host = _host_name(headers.get("host"))
    event: dict[str, Any] = {"version": "2.0", "routeKey": "$default", "rawPath": req.path, "rawQueryString": req.query}
    if cookie:
        event["cookies"] = [part.strip() for part in cookie.split(";") if part.strip()]
    event["headers"] = headers
    if req.query:
        params: dict[str, str] = {}
        for name, value in parse_qsl(req.query, keep_blank_values=True):
            params[name] = f"{params[name]},{value}" if name in params else value
        event["queryStringParameters"] = params
    event["requestContext"] = {
        # "anonymous" for auth type NONE, in real captured events (docs/facts.md U2).
        "accountId": "anonymous",
        "apiId": host.split(".", 1)[0],
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "http": {"method": req.method, "path": req.path, "protocol": "HTTP/1.1", "sourceIp": req.source_ip,
                 "userAgent": req.headers.get("user-agent", "")},
        "requestId": req.request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": _http_time(req.epoch),
        "timeEpoch": int(req.epoch * 1000),
    }
    if req.body:
        event["body"], event["isBase64Encoded"] = _body_fields(req.body, req.headers.get("content-type"))
    else:
        event["isBase64Encoded"] = False
    return event


def v1_event(req: HttpRequest, account_id: str) -> dict[str, Any]:
    """An API Gateway REST API proxy event (payload format 1.0), for a `/{proxy+}` resource."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in req.raw_headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    query_single: dict[str, str] | None = None
    query_multi: dict[str, list[str]] | None = None
    if req.query:
        query_single, query_multi = {}, {}
        for name, value in parse_qsl(req.query, keep_blank_values=True):
            query_single[name] = value
            query_multi.setdefault(name, []).append(value)
    host = _host_name(req.headers.get("host"))
    body, encoded = _body_fields(req.body, req.headers.get("content-type")) if req.body else (None, False)
    return {
        "resource": "/{proxy+}",
        "path": req.path,
        "httpMethod": req.method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": query_single,
        "multiValueQueryStringParameters": query_multi,
        "pathParameters": {"proxy": req.path.lstrip("/")} if req.path != "/" else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local", "resourcePath": "/{proxy+}", "httpMethod": req.method,
            "extendedRequestId": req.request_id, "requestTime": _http_time(req.epoch), "path": req.path,
            "accountId": account_id, "protocol": "HTTP/1.1", "stage": "local",
            "domainPrefix": host.split(".", 1)[0], "requestTimeEpoch": int(req.epoch * 1000),
            "requestId": req.request_id,
            "identity": {"sourceIp": req.source_ip, "userAgent": req.headers.get("user-agent", "")},
            "domainName": host, "apiId": "local",
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def parse_qsl(query: str, keep_blank_values: bool = True) -> list[tuple[str, str]]:
    """urllib.parse.parse_qsl, imported the first time a query string comes (it brings re and more)."""
    from urllib.parse import parse_qsl as parse

    return parse(query, keep_blank_values=keep_blank_values)


def _header_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _decoded_body(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        body = json.dumps(body)
    if result.get("isBase64Encoded") is True:
        return base64.b64decode(body, validate=True)
    return body.encode("utf-8")


def v2_response(payload: bytes, content_type: str | None) -> Answer:
    """The HTTP response for a function's result, by the function URL rules."""
    try:
        result = json.loads(payload)
    except ValueError:
        # Not JSON (a raw bytes result): pass it on as it is.
        return 200, [("Content-Type", content_type or "application/octet-stream")], payload
    if not isinstance(result, dict) or "statusCode" not in result:
        # "If your function returns valid JSON and doesn't return a statusCode, Lambda assumes":
        # status 200, content-type application/json, the response as the body.
        return 200, [("Content-Type", "application/json")], payload
    try:
        status = int(result["statusCode"])
        headers = [(name, _header_value(value)) for name, value in (result.get("headers") or {}).items()]
        headers += [("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or ()]
        body = _decoded_body(result)
    except (TypeError, ValueError, AttributeError, binascii.Error):
        return INTERNAL_ERROR
    if not 100 <= status <= 599:
        return INTERNAL_ERROR
    return status, headers, body


def v1_response(payload: bytes) -> Answer:
    """The HTTP response for a REST API proxy result; anything else is API Gateway's 502."""
    try:
        result = json.loads(payload)
        if not isinstance(result, dict) or "statusCode" not in result:
            return INTERNAL_ERROR
        status = int(result["statusCode"])
        headers = [(name, _header_value(value)) for name, value in (result.get("headers") or {}).items()]
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers += [(name, _header_value(value)) for value in values]
        body = _decoded_body(result)
    except (TypeError, ValueError, AttributeError, binascii.Error):
        return INTERNAL_ERROR
    if not 100 <= status <= 599:
        return INTERNAL_ERROR
    return status, headers, body


def parse_prelude(data: bytes) -> Answer | None:
    """(status, headers, rest of the data) once the prelude and its 8 NULs are in `data`; else None.

    Raises ValueError when the prelude is not one (not JSON, or past MAX_PRELUDE).
    """
    end = data.find(PRELUDE_DELIMITER)
    if end < 0:
        if len(data) > MAX_PRELUDE:
            raise ValueError(f"no prelude delimiter in the first {MAX_PRELUDE} bytes")
        return None
    prelude = json.loads(data[:end]) if data[:end].strip() else {}
    if not isinstance(prelude, dict):
        raise ValueError("the prelude is not a JSON object")
    status = int(prelude.get("statusCode", 200))
    headers = [(name, _header_value(value)) for name, value in (prelude.get("headers") or {}).items()]
    headers += [("Set-Cookie", str(cookie)) for cookie in prelude.get("cookies") or ()]
    return status, headers, data[end + len(PRELUDE_DELIMITER):]
