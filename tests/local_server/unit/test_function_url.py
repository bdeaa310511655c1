"""Requests into function URL events and results into HTTP responses, exactly."""

import base64

import pytest

from local_server.wire.function_url import (
    INTERNAL_ERROR,
    HttpRequest,
    is_text,
    parse_prelude,
    v1_event,
    v1_response,
    v2_event,
    v2_response,
)

EPOCH = 1795460638.39  # 2026-11-23T19:03:58.390Z


def _request(method="POST", path="/a/b", query="", headers=None, raw_headers=None, body=b""):
    headers = headers or {"host": "localhost:9000", "user-agent": "curl/8.5.0", "content-type": "application/json"}
    raw = raw_headers or [(k.title(), v) for k, v in headers.items()]
    return HttpRequest(method, path, query, headers, raw, body, "172.17.0.1", "req-1", epoch=EPOCH)


def test_v2_event_exactly():
    req = _request(query="a=1&a=2&b=x%2By", body=b'{"name": "ada"}',
                   headers={"host": "localhost:9000", "user-agent": "curl/8.5.0", "content-type": "application/json",
                            "cookie": "c1=1; c2=2"})
    assert v2_event(req) == {
        "version": "2.0", "routeKey": "$default", "rawPath": "/a/b", "rawQueryString": "a=1&a=2&b=x%2By",
        "cookies": ["c1=1", "c2=2"],
        "headers": {"host": "localhost:9000", "user-agent": "curl/8.5.0", "content-type": "application/json",
                    "x-forwarded-for": "172.17.0.1", "x-forwarded-proto": "http"},
        "queryStringParameters": {"a": "1,2", "b": "x+y"},
        "requestContext": {
            "accountId": "anonymous", "apiId": "localhost", "domainName": "localhost", "domainPrefix": "localhost",
            "http": {"method": "POST", "path": "/a/b", "protocol": "HTTP/1.1", "sourceIp": "172.17.0.1",
                     "userAgent": "curl/8.5.0"},
            "requestId": "req-1", "routeKey": "$default", "stage": "$default",
            "time": "23/Nov/2026:19:03:58 +0000", "timeEpoch": 1795460638390},
        "body": '{"name": "ada"}', "isBase64Encoded": False}


def test_v2_event_without_body_query_or_cookies():
    event = v2_event(_request(method="GET", headers={"host": "[::1]:8080"}))
    assert "body" not in event and "cookies" not in event and "queryStringParameters" not in event
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["domainName"] == "[::1]"


@pytest.mark.parametrize("content_type,text", [
    ("application/json", True), ("application/json; charset=utf-8", True), ("text/html", True),
    ("application/problem+json", True), ("application/atom+xml", True), ("application/xml", True),
    ("application/x-www-form-urlencoded", False), ("image/png", False), ("application/octet-stream", False),
    (None, False), ("", False)])
def test_text_content_types(content_type, text):
    assert is_text(content_type) is text


def test_binary_and_undecodable_bodies_are_base64():
    event = v2_event(_request(body=b"\xff\xfe", headers={"content-type": "text/plain"}))
    assert (event["body"], event["isBase64Encoded"]) == ("//4=", True)


def test_v1_event_exactly():
    req = _request(method="GET", path="/orders/17", query="x=1&x=2",
                   headers={"host": "localhost:9000", "user-agent": "curl/8.5.0", "accept": "*/*,text/html"},
                   raw_headers=[("Host", "localhost:9000"), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*"),
                                ("Accept", "text/html")])
    assert v1_event(req, "012345678912") == {
        "resource": "/{proxy+}", "path": "/orders/17", "httpMethod": "GET",
        "headers": {"Host": "localhost:9000", "User-Agent": "curl/8.5.0", "Accept": "text/html"},
        "multiValueHeaders": {"Host": ["localhost:9000"], "User-Agent": ["curl/8.5.0"],
                              "Accept": ["*/*", "text/html"]},
        "queryStringParameters": {"x": "2"}, "multiValueQueryStringParameters": {"x": ["1", "2"]},
        "pathParameters": {"proxy": "orders/17"}, "stageVariables": None,
        "requestContext": {
            "resourceId": "local", "resourcePath": "/{proxy+}", "httpMethod": "GET", "extendedRequestId": "req-1",
            "requestTime": "23/Nov/2026:19:03:58 +0000", "path": "/orders/17", "accountId": "012345678912",
            "protocol": "HTTP/1.1", "stage": "local", "domainPrefix": "localhost", "requestTimeEpoch": 1795460638390,
            "requestId": "req-1", "identity": {"sourceIp": "172.17.0.1", "userAgent": "curl/8.5.0"},
            "domainName": "localhost", "apiId": "local"},
        "body": None, "isBase64Encoded": False}


@pytest.mark.parametrize("payload,expected", [
    (b'"Hello, world!"', (200, [("Content-Type", "application/json")], b'"Hello, world!"')),
    (b'{"message": "hi"}', (200, [("Content-Type", "application/json")], b'{"message": "hi"}')),
    (b'{"statusCode": 204}', (204, [], b"")),
    (b'{"statusCode": 201, "headers": {"a": "b", "n": 1, "t": true}, "body": "x", "cookies": ["c=1", "d=2"]}',
     (201, [("a", "b"), ("n", "1"), ("t", "true"), ("Set-Cookie", "c=1"), ("Set-Cookie", "d=2")], b"x")),
    (b'{"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}', (200, [], b"hi")),
    (b'{"statusCode": 200, "body": {"nested": 1}}', (200, [], b'{"nested": 1}')),
    (b'{"statusCode": "oops"}', INTERNAL_ERROR),
    (b'{"statusCode": 700}', INTERNAL_ERROR),
    (b'{"statusCode": 200, "body": "!!", "isBase64Encoded": true}', INTERNAL_ERROR),
])
def test_v2_responses(payload, expected):
    assert v2_response(payload, "application/json") == expected


def test_v2_response_of_raw_bytes_keeps_their_type():
    assert v2_response(b"\x89PNG", "application/octet-stream") == (
        200, [("Content-Type", "application/octet-stream")], b"\x89PNG")


@pytest.mark.parametrize("payload,expected", [
    (b'{"statusCode": 200, "headers": {"a": "1"}, "multiValueHeaders": {"b": ["2", "3"]}, "body": "ok"}',
     (200, [("a", "1"), ("b", "2"), ("b", "3")], b"ok")),
    (b'{"statusCode": 302, "headers": {"Location": "/x"}}', (302, [("Location", "/x")], b"")),
    (b'"not a proxy result"', INTERNAL_ERROR),
    (b'{"body": "no status"}', INTERNAL_ERROR),
    (b"not json", INTERNAL_ERROR),
])
def test_v1_responses(payload, expected):
    assert v1_response(payload) == expected


def test_prelude():
    data = b'{"statusCode": 201, "headers": {"x": "y"}, "cookies": ["a=1"]}' + b"\0" * 8 + b"body"
    assert parse_prelude(data) == (201, [("x", "y"), ("Set-Cookie", "a=1")], b"body")
    assert parse_prelude(b'{"statusCode": 201}' + b"\0" * 7) is None  # not all there yet
    assert parse_prelude(b"\0" * 8) == (200, [], b"")
    with pytest.raises(ValueError):
        parse_prelude(b"x" * 20000)
    with pytest.raises(ValueError):
        parse_prelude(b"[1]" + b"\0" * 8)
    assert base64  # (imported for the binary tests above)
