"""The Invoke API with the real runtime: what the RIE answers, plus what the real API adds."""

import base64
import json

from kit.polling import wait_until
from kit.server_harness import ARN, HANDLERS, Client, call, invoke, lambda_client


def test_echo_through_raw_http(serve):
    server = serve("cases.echo")
    reply = invoke(server.port, {"k": ["v", 1, None]})
    assert reply.status == 200
    assert json.loads(reply.body) == {"k": ["v", 1, None]}
    assert reply.headers["x-amz-executed-version"] == "$LATEST"
    assert reply.headers["content-type"] == "application/json"
    assert "x-amz-function-error" not in reply.headers


def test_warm_environment_is_reused(serve):
    server = serve("cases.counter")
    with Client(server.port) as client:
        assert [client.invoke().body for _ in range(3)] == [b"1", b"2", b"3"]
    assert server.pool.stats()["started"] == 1


def test_boto3_invoke(serve):
    server = serve("cases.echo")
    reply = lambda_client(server.port).invoke(FunctionName="anything", Payload=b'{"hello": "boto3"}')
    assert reply["StatusCode"] == 200
    assert reply["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in reply
    assert json.loads(reply["Payload"].read()) == {"hello": "boto3"}


def test_handler_error_is_unhandled_with_the_error_body(serve):
    server = serve("cases.raise_custom")
    reply = lambda_client(server.port).invoke(FunctionName="function", Payload=b"{}")
    error = json.loads(reply["Payload"].read())
    assert (reply["StatusCode"], reply["FunctionError"]) == (200, "Unhandled")
    assert (error["errorType"], error["errorMessage"]) == ("PaymentDeclined", "card declined")
    assert error["requestId"] == reply["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert error["stackTrace"][0].startswith(f'  File "{HANDLERS / "cases.py"}", line ')


def test_context_gets_client_context_trace_id_and_the_rie_arn(serve):
    server = serve("cases.context_info")
    client_context = {"custom": {"cart": "c-1"}, "env": {"locale": "de-DE"}, "client": {"app_title": "shop"}}
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    reply = invoke(server.port, b"{}", {
        "X-Amz-Client-Context": base64.b64encode(json.dumps(client_context).encode()).decode(),
        "X-Amzn-Trace-Id": trace})
    info = reply.json()
    assert info["client_context"] == {"custom": {"cart": "c-1"}, "env": {"locale": "de-DE"}, "client": "shop"}
    assert info["trace"] == trace
    assert info["invoked_function_arn"] == ARN
    assert (info["function_name"], info["memory_limit_in_mb"], info["function_version"]) == (
        "test_function", "128", "$LATEST")
    assert info["remaining_positive"] is True


def test_log_tail_is_the_last_4_kb_of_the_invocation_log(serve):
    server = serve("cases.logs")
    reply = invoke(server.port, b"{}", {"X-Amz-Log-Type": "Tail"})
    log = base64.b64decode(reply.headers["x-amz-log-result"]).decode()
    request_id = reply.headers["x-amzn-requestid"]
    lines = log.splitlines()
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert "printed line" in lines
    assert lines[-2] == f"END RequestId: {request_id}"
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")


def test_log_tail_of_a_function_that_writes_nothing(serve):
    server = serve("cases.echo")
    reply = invoke(server.port, b"{}", {"X-Amz-Log-Type": "Tail"})
    request_id = reply.headers["x-amzn-requestid"]
    lines = base64.b64decode(reply.headers["x-amz-log-result"]).decode().splitlines()
    assert lines[:2] == [f"START RequestId: {request_id} Version: $LATEST", f"END RequestId: {request_id}"]
    assert len(lines) == 3 and lines[2].startswith(f"REPORT RequestId: {request_id}\t")


def test_event_invocation_answers_202_and_runs(serve, tmp_path):
    server = serve("local_cases.touch")
    target = tmp_path / "touched"
    reply = invoke(server.port, {"path": str(target)}, {"X-Amz-Invocation-Type": "Event"})
    assert (reply.status, reply.body) == (202, b"")
    assert wait_until(lambda: target.exists() and target.read_text(), what="the Event invocation") == "touched"


def test_dry_run_answers_204_and_starts_nothing(serve):
    server = serve("cases.echo")
    reply = invoke(server.port, b"{}", {"X-Amz-Invocation-Type": "DryRun"})
    assert (reply.status, reply.body) == (204, b"")
    assert server.pool.stats()["started"] == 0


def test_any_function_name_in_the_path(serve):
    server = serve("cases.echo")
    reply = call(server.port, "POST", "/2015-03-31/functions/my-func/invocations?Qualifier=%24LATEST", b'"x"')
    assert (reply.status, reply.body) == (200, b'"x"')
