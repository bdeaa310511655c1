"""Plain HTTP as function URL requests (payload format 2.0), and the REST (v1) option."""

import base64
import json

from kit.paths import ROOT
from kit.server_harness import Client, call, invoke

EXAMPLE = ROOT / "handler"


def _result(port: int, result, method="POST", path="/r") -> object:
    return call(port, method, path, json.dumps(result).encode(), {"content-type": "application/json"})


def test_request_becomes_a_payload_2_0_event(serve):
    server = serve("cases.echo")
    reply = call(server.port, "GET", "/shop/items/7?tag=a&tag=b&q=x%20y&empty=", headers={
        "Cookie": "session=s1; theme=dark", "X-Custom": "One", "User-Agent": "tests/1.0"})
    assert (reply.status, reply.headers["content-type"]) == (200, "application/json")
    event = reply.json()
    context = event.pop("requestContext")
    assert event == {
        "version": "2.0", "routeKey": "$default", "rawPath": "/shop/items/7",
        "rawQueryString": "tag=a&tag=b&q=x%20y&empty=",
        "cookies": ["session=s1", "theme=dark"],
        "headers": {"host": f"127.0.0.1:{server.port}", "accept-encoding": "identity", "x-custom": "One",
                    "user-agent": "tests/1.0", "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http"},
        "queryStringParameters": {"tag": "a,b", "q": "x y", "empty": ""},
        "isBase64Encoded": False,
    }
    time_epoch = context.pop("timeEpoch")
    assert isinstance(time_epoch, int) and isinstance(context.pop("time"), str)
    assert context == {
        "accountId": "anonymous", "apiId": "127", "domainName": "127.0.0.1", "domainPrefix": "127",
        "http": {"method": "GET", "path": "/shop/items/7", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                 "userAgent": "tests/1.0"},
        "requestId": context["requestId"], "routeKey": "$default", "stage": "$default",
    }


def test_text_body_as_text_binary_body_as_base64(serve):
    server = serve("cases.echo")
    text = call(server.port, "POST", "/t", b'{"a": "\xc3\xa9"}', {"content-type": "application/json"}).json()
    assert (text["body"], text["isBase64Encoded"]) == ('{"a": "é"}', False)
    binary = call(server.port, "PUT", "/b", b"\x89PNG\x00\xff", {"content-type": "image/png"}).json()
    assert (binary["body"], binary["isBase64Encoded"]) == (base64.b64encode(b"\x89PNG\x00\xff").decode(), True)


def test_result_with_status_code_headers_cookies_and_a_base64_body(serve):
    server = serve("local_cases.http_reply")
    reply = _result(server.port, {"statusCode": 201, "headers": {"X-Custom": "v", "Content-Type": "text/plain"},
                                  "cookies": ["c=1; Path=/", "d=2"], "body": base64.b64encode(b"hello").decode(),
                                  "isBase64Encoded": True})
    assert reply.status == 201
    assert (reply.headers["x-custom"], reply.headers["content-type"], reply.body) == ("v", "text/plain", b"hello")
    with Client(server.port) as client:
        client.conn.request("POST", "/r", json.dumps({"statusCode": 200, "cookies": ["c=1; Path=/", "d=2"]}),
                            {"content-type": "application/json"})
        response = client.conn.getresponse()
        assert response.msg.get_all("set-cookie") == ["c=1; Path=/", "d=2"]
        assert response.read() == b""


def test_result_without_status_code_is_200_json(serve):
    server = serve("local_cases.http_reply")
    # "If your function returns valid JSON and doesn't return a statusCode": 200, application/json.
    for result, body in (("Hello, world!", b'"Hello, world!"'), ({"message": "hi"}, b'{"message": "hi"}'),
                         ([1, 2], b"[1, 2]")):
        reply = _result(server.port, result)
        assert (reply.status, reply.headers["content-type"], reply.body) == (200, "application/json", body)


def test_function_error_is_502(serve):
    server = serve("cases.raise_custom")
    reply = call(server.port, "GET", "/fails")
    assert (reply.status, reply.body) == (502, b'{"message":"Internal server error"}')


def test_lucky_numbers_with_curl_s_form_content_type(serve):
    # curl -X POST localhost:9000/lucky -d '{"name":"ada"}' sends application/x-www-form-urlencoded:
    # a function URL passes that body base64-encoded, which lucky.handler decodes.
    server = serve("lucky.handler", task_root=EXAMPLE)
    reply = call(server.port, "POST", "/lucky", b'{"name":"ada"}',
                 {"content-type": "application/x-www-form-urlencoded"})
    assert (reply.status, reply.headers["content-type"]) == (200, "application/json")
    answer = reply.json()
    assert answer["message"] == "Hi, 'ADA'. Your lucky numbers are:"
    assert len(answer["numbers"]) == 6 and answer["numbers"] == sorted(set(answer["numbers"]))


def test_head_request_gets_no_body(serve):
    server = serve("local_cases.http_reply")
    with Client(server.port) as client:
        client.conn.request("HEAD", "/h", json.dumps({"statusCode": 200, "body": "abc"}),
                            {"content-type": "application/json"})
        response = client.conn.getresponse()
        assert (response.status, response.getheader("content-length"), response.read()) == (200, "3", b"")
        assert client.invoke({"body": '"in step"'}).body == b'"in step"'  # the connection is still usable


def test_rest_api_v1_events_option(serve):
    server = serve("local_cases.event_in_body", http_events="v1")
    reply = call(server.port, "POST", "/orders/17?x=1&x=2", b"hi", {"Content-Type": "text/plain", "X-Two": "a"})
    assert reply.status == 200
    event = reply.json()
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/{proxy+}", "/orders/17", "POST")
    assert event["headers"]["X-Two"] == "a" and event["multiValueHeaders"]["X-Two"] == ["a"]
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["pathParameters"] == {"proxy": "orders/17"}
    assert (event["body"], event["isBase64Encoded"]) == ("hi", False)
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"


def test_rest_api_v1_result_without_status_code_is_502(serve):
    server = serve("cases.echo", http_events="v1")
    assert call(server.port, "GET", "/x").status == 502


def test_invoke_api_still_answers_beside_function_urls(serve):
    server = serve("cases.echo")
    assert invoke(server.port, b'"direct"').body == b'"direct"'
