"""The Runtime API's requests and replies, byte for byte."""

import pytest
from lambda_runtime import api_protocol as proto


def test_next_request_is_a_bare_get_with_host_and_user_agent():
    head = proto.next_request("127.0.0.1:9001")
    lines = head.decode().split("\r\n")
    assert lines[0] == "GET /2018-06-01/runtime/invocation/next HTTP/1.1"
    assert lines[1] == "Host: 127.0.0.1:9001"
    assert lines[2].startswith("User-Agent: lambda-python-image/")
    assert head.endswith(b"\r\n\r\n") and b"Content-Length" not in head


def test_response_request_carries_length_type_and_invocation_id():
    head = proto.response_request("h:1", "req-1", b"12345", "application/json", "inv-9")
    text = head.decode()
    assert text.startswith("POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\n")
    assert "\r\nContent-Type: application/json\r\n" in text
    assert "\r\nLambda-Runtime-Invocation-Id: inv-9\r\n" in text
    assert text.endswith("\r\nContent-Length: 5\r\n\r\n")


def test_absent_invocation_id_is_not_sent():
    head = proto.response_request("h:1", "req-1", b"", "application/json", None)
    assert b"Invocation-Id" not in head


def test_error_request_has_error_type_and_xray_cause():
    head = proto.error_request("h:1", "r", b"{}", "ValueError", '{"x": 1}', None).decode()
    assert head.startswith("POST /2018-06-01/runtime/invocation/r/error HTTP/1.1\r\n")
    assert "\r\nLambda-Runtime-Function-Error-Type: ValueError\r\n" in head
    assert '\r\nLambda-Runtime-Function-XRay-Error-Cause: {"x": 1}\r\n' in head


def test_oversized_xray_cause_is_dropped_like_awslambdaric():
    head = proto.error_request("h:1", "r", b"{}", "E", "x" * proto.XRAY_CAUSE_MAX, None)
    assert b"XRay" not in head


def test_error_type_cannot_break_the_header_block():
    head = proto.init_error_request("h:1", b"{}", "Bad\r\nX-Injected: 1")
    assert not any(line.startswith(b"X-Injected") for line in head.split(b"\r\n"))
    assert b"Lambda-Runtime-Function-Error-Type: Bad  X-Injected: 1\r\n" in head


def test_init_error_request_path():
    assert proto.init_error_request("h:1", b"{}", "E").startswith(
        b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\n")


def test_parse_head():
    status, headers = proto.parse_head(
        b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id:  abc \r\nContent-Length: 2")
    assert (status, headers) == (200, {"lambda-runtime-aws-request-id": "abc", "content-length": "2"})
    assert proto.parse_head(b"HTTP/1.1 413") == (413, {})


def test_header_values_are_utf8():
    _, headers = proto.parse_head('HTTP/1.1 200 OK\r\nLambda-Runtime-Client-Context: {"n": "é"}'.encode())
    assert headers["lambda-runtime-client-context"] == '{"n": "é"}'


@pytest.mark.parametrize("head", [b"garbage", b"HTTP/1.1 abc", b"HTTP/1.1 200 OK\r\nno colon here"])
def test_malformed_heads_are_protocol_errors(head):
    with pytest.raises(proto.ProtocolError, match="malformed"):
        proto.parse_head(head)


@pytest.mark.parametrize("content_type,invocation_id", [("application/json", None),
                                                         ("application/unknown", "inv-1")])
def test_prepared_heads_equal_the_built_ones(content_type, invocation_id):
    heads = proto.RequestHeads("127.0.0.1:9001")
    assert heads.next == proto.next_request("127.0.0.1:9001")
    assert heads.response("req-9", b"abc", content_type, invocation_id) == proto.response_request(
        "127.0.0.1:9001", "req-9", b"abc", content_type, invocation_id)


def test_parse_invocation_reads_every_header():
    inv = proto.parse_invocation({
        "lambda-runtime-aws-request-id": "id-1",
        "lambda-runtime-deadline-ms": "1700000000123",
        "lambda-runtime-invoked-function-arn": "arn:aws:lambda:eu-west-1:1:function:f",
        "lambda-runtime-trace-id": "Root=1-abc",
        "lambda-runtime-client-context": '{"custom": {}}',
        "lambda-runtime-cognito-identity": '{"cognitoIdentityId": "c"}',
        "lambda-runtime-aws-tenant-id": "tenant-7",
        "lambda-runtime-invocation-id": "inv-1",
        "content-type": "application/json",
    }, b'{"a": 1}')
    assert (inv.request_id, inv.deadline_ms, inv.invoked_function_arn) == (
        "id-1", 1700000000123, "arn:aws:lambda:eu-west-1:1:function:f")
    assert (inv.trace_id, inv.client_context, inv.cognito_identity) == (
        "Root=1-abc", '{"custom": {}}', '{"cognitoIdentityId": "c"}')
    assert (inv.tenant_id, inv.invocation_id, inv.content_type, inv.body) == (
        "tenant-7", "inv-1", "application/json", b'{"a": 1}')


def test_empty_optional_headers_count_as_absent():
    inv = proto.parse_invocation({"lambda-runtime-aws-request-id": "x", "lambda-runtime-trace-id": ""}, b"")
    assert inv.trace_id is None and inv.deadline_ms == 0 and inv.content_type is None


def test_an_event_without_request_id_is_a_protocol_error():
    with pytest.raises(proto.ProtocolError, match="Request-Id"):
        proto.parse_invocation({}, b"{}")


def test_a_non_numeric_deadline_is_a_protocol_error():
    with pytest.raises(proto.ProtocolError, match="Deadline"):
        proto.parse_invocation({"lambda-runtime-aws-request-id": "x",
                                "lambda-runtime-deadline-ms": "soon"}, b"")
