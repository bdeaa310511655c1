"""Invocations, contract section 3: events, context, results, errors; the loop keeps serving."""

import json
import time

import pytest
from kit.paths import HANDLERS
from kit.source_lines import line_of


def invoke(api, event=None, **kwargs):
    request_id = api.queue_event(event, **kwargs)
    post = api.next_post()
    assert post.request_id == request_id
    return post


def test_json_round_trip_and_warm_module_state(api, start):
    start("cases.counter")
    assert [invoke(api, {}).json() for _ in range(3)] == [1, 2, 3]


@pytest.mark.parametrize("handler,body,content_type", [
    ("cases.nothing", b"null", "application/json"),
    ("cases.binary", b"\x89PNG\r\n\x1a\n\x00\xff", "application/unknown"),
    ("cases.text", '"héllo ✓ \u2028"'.encode(), "application/json"),  # AWS_Lambda_python3.13: no escaping
    ("cases.decimals", b'{"price": 19.990000000000000001, "nan": NaN}', "application/json"),
    ("cases.mixed", b'{"b": [1, 2.5, true], "a": [null, "x"], "big": 1180591620717411303424, "f": 1e-07}',
     "application/json"),
])
def test_results(api, start, handler, body, content_type):
    start(handler)
    post = invoke(api, {})
    assert (post.kind, post.status, post.body, post.headers["content-type"]) == (
        "response", 202, body, content_type)


def test_non_json_events_arrive_as_bytes(api, start):
    start("cases.bytes_event")
    assert invoke(api, body=b"\x00raw", content_type="application/octet-stream").json() == {
        "type": "bytes", "value": "\x00raw"}
    assert invoke(api, body=b"no type", content_type=None).json() == {"type": "bytes", "value": "no type"}


def test_context_from_the_invocation_headers(api, start):
    start("cases.context_info")
    post = invoke(api, {}, request_id="req-42", headers={
        "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:eu-west-1:123456789012:function:f:live",
        "Lambda-Runtime-Client-Context": json.dumps({
            "custom": {"k": "v"}, "env": {"os": "linux"}, "client": {"app_title": "shop"},
            "w3c": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}),
        "Lambda-Runtime-Cognito-Identity": json.dumps({"cognitoIdentityId": "id-1",
                                                       "cognitoIdentityPoolId": "pool-1"}),
        "Lambda-Runtime-Aws-Tenant-Id": "tenant-a",
        "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
        "Lambda-Runtime-Invocation-Id": "inv-7",
    })
    assert post.json() == {
        "aws_request_id": "req-42", "function_name": "test", "function_version": "$LATEST",
        "memory_limit_in_mb": "128",
        "invoked_function_arn": "arn:aws:lambda:eu-west-1:123456789012:function:f:live",
        "remaining_positive": True, "tenant_id": "tenant-a", "identity": ["id-1", "pool-1"],
        "client_context": {"custom": {"k": "v"}, "env": {"os": "linux"}, "client": "shop"},
        "w3c": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        "trace": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
    }
    assert post.headers["lambda-runtime-invocation-id"] == "inv-7"


def test_trace_id_does_not_leak_into_the_next_invocation(api, start):
    start("cases.context_info")
    assert invoke(api, {}, headers={"Lambda-Runtime-Trace-Id": "Root=1-a"}).json()["trace"] == "Root=1-a"
    assert invoke(api, {}).json()["trace"] is None


def test_remaining_time_counts_down_from_the_deadline(api, start):
    start("cases.context_info")
    assert invoke(api, {}, deadline_ms=int(time.time() * 1000) - 1000).json()["remaining_positive"] is False


def test_handler_exception_is_reported_with_only_user_frames_and_the_loop_goes_on(api, start):
    process = start("cases.raise_error")
    post = invoke(api, "x", request_id="req-err")
    assert post.kind == "error" and post.status == 202
    body = post.json()
    path = str(HANDLERS / "cases.py")
    cases = HANDLERS / "cases.py"
    call, raised = line_of(cases, "    _inner(event)"), line_of(cases, '    raise ValueError(f"bad value: {value}")')
    assert body == {
        "errorMessage": "bad value: x", "errorType": "ValueError", "requestId": "req-err",
        "stackTrace": [
            f'  File "{path}", line {call}, in raise_error\n    _inner(event)\n',
            f'  File "{path}", line {raised}, in _inner\n    raise ValueError(f"bad value: {{value}}")\n',
        ],
    }
    assert post.headers["lambda-runtime-function-error-type"] == "ValueError"
    cause = json.loads(post.headers["lambda-runtime-function-xray-error-cause"])
    assert cause["exceptions"][0]["stack"] == [
        {"label": "raise_error", "path": path, "line": call}, {"label": "_inner", "path": path, "line": raised}]
    assert invoke(api, "y").json()["errorMessage"] == "bad value: y"  # still serving
    assert "[ERROR] ValueError: bad value: x\rTraceback (most recent call last):\r" in process.stdout


def test_custom_exception_type_is_the_bare_class_name(api, start):
    start("cases.raise_custom")
    assert invoke(api, {}).json()["errorType"] == "PaymentDeclined"


@pytest.mark.parametrize("handler,kwargs,error_type,message", [
    ("cases.echo", {"body": b'{"a": ', "content_type": "application/json"}, "Runtime.UnmarshalError",
     "Unable to unmarshal input: Expecting value: line 1 column 7 (char 6)"),
    ("cases.unserialisable", {}, "Runtime.MarshalError",
     "Unable to marshal response: Object of type set is not JSON serializable"),
    ("cases.echo", {"headers": {"Lambda-Runtime-Client-Context": "{nope"}},
     "Runtime.LambdaContextUnmarshalError",
     "Unable to parse Client Context JSON: Expecting property name enclosed in double quotes: "
     "line 1 column 2 (char 1)"),
])
def test_runtime_errors_on_bad_input(api, start, handler, kwargs, error_type, message):
    start(handler)
    body = invoke(api, {}, **kwargs).json()
    assert (body["errorType"], body["errorMessage"], body["stackTrace"]) == (error_type, message, [])
    assert invoke(api, {"after": 1}).kind in ("response", "error")  # still serving


def test_oversized_response_is_a_clean_error_and_the_loop_goes_on(api, start):
    start("cases.sized")
    post = invoke(api, {"size": 6_291_556})  # 6,291,558 bytes with the quotes
    assert post.kind == "error"
    assert post.json()["errorType"] == "Function.ResponseSizeTooLarge"
    assert post.json()["errorMessage"] == (
        "Response payload size (6291558 bytes) exceeded maximum allowed payload size (6291556 bytes).")
    assert invoke(api, {"size": 6_291_554}).body == b'"' + b"x" * 6_291_554 + b'"'  # exactly the limit


def test_system_exit_in_a_handler_ends_the_process(api, start):
    process = start("cases.exit_now")
    api.queue_event({"code": 7})
    assert process.wait() == 7


def test_prints_reach_the_log_at_once(api, start):
    process = start("cases.logs")
    invoke(api, {})
    assert "printed line\n" in process.stdout  # the process is still running: nothing buffered
    assert process.proc.poll() is None
