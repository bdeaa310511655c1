"""A durable function under the local server: our runtime runs tests/handlers/durable_cases.py with
the real durable execution SDK, whose unchanged boto3 client reaches the server's durable API.

Called as a user calls Lambda: boto3 from the host (Invoke with a qualifier, the durable
execution API), and plain HTTP.
"""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError
from kit.paths import ROOT
from kit.polling import wait_until
from kit.server_harness import call, lambda_client

from local_server.config import DurableConfig

QUALIFIED = "function:$LATEST"
ARN = re.compile(r"arn:aws:lambda:us-east-1:012345678912:function:test_function:\$LATEST/durable-execution/"
                 r"[A-Za-z0-9_-]+/[A-Za-z0-9_-]+")


@pytest.fixture
def durable(serve, tmp_path):
    """durable(handler, **config) -> (server, boto3 client): a durable function, waits skipped."""
    clients = []

    def _durable(handler, state_dir=None, **options):
        values = {"durable": DurableConfig(900), "durable_time_scale": 0.0,
                  "state_dir": str(state_dir or tmp_path / "state"), "timeout": 60.0, **options}
        server = serve(f"durable_cases.{handler}", **values)
        clients.append(lambda_client(server.port))
        return server, clients[-1]

    yield _durable
    for client in clients:
        client.close()


def ended(client, arn: str) -> dict:
    return wait_until(lambda: (got := client.get_durable_execution(DurableExecutionArn=arn))["Status"] != "RUNNING"
                      and got, f"the end of {arn}", timeout=60)


def test_a_synchronous_invoke_answers_the_executions_result(durable):
    server, client = durable("order")
    reply = client.invoke(FunctionName=QUALIFIED, Payload=json.dumps({"item": "book", "price": 12}))
    assert json.loads(reply["Payload"].read()) == {
        "order": ["reserved book", "charged 12"], "sdk": "3.0.0",
        "environment": {"AWS_ENDPOINT_URL_LAMBDA": f"http://127.0.0.1:{server.port}",
                        "AWS_DEFAULT_REGION": "us-east-1"}}
    arn = reply["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"]
    assert ARN.fullmatch(arn) and "FunctionError" not in reply
    execution = client.get_durable_execution(DurableExecutionArn=arn)
    assert (execution["Status"], json.loads(execution["Result"])["order"]) == ("SUCCEEDED", ["reserved book",
                                                                                            "charged 12"])
    history = client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    assert [e["EventType"] for e in history if e["EventType"] != "InvocationCompleted"] == [
        "ExecutionStarted", "StepStarted", "StepSucceeded", "WaitStarted", "WaitSucceeded", "StepStarted",
        "StepSucceeded", "ExecutionSucceeded"]


def test_the_example_of_the_docs(serve, tmp_path):
    """handler/orders.py, as docs/durable.md serves and invokes it (its wait in real time)."""
    server = serve("orders.handler", task_root=ROOT / "handler", durable=DurableConfig(900),
                   state_dir=str(tmp_path / "state"), timeout=60.0)
    client = lambda_client(server.port)
    reply = client.invoke(FunctionName="test_function:$LATEST", DurableExecutionName="order-42",
                          Payload=b'{"orderId": "42"}')
    assert json.loads(reply["Payload"].read()) == {"orderId": "42", "total": 2, "receipt": "charged 2 for order 42"}
    listed = client.list_durable_executions_by_function(FunctionName="test_function")["DurableExecutions"]
    assert [(e["DurableExecutionName"], e["Status"]) for e in listed] == [("order-42", "SUCCEEDED")]
    history = client.get_durable_execution_history(DurableExecutionArn=listed[0]["DurableExecutionArn"])["Events"]
    assert [e.get("Name") for e in history if e["EventType"].endswith("Started")][1:] == ["price", "cool-off", "charge"]
    client.close()


def test_the_qualifier_may_come_as_a_parameter_and_unqualified_is_refused(durable):
    _, client = durable("order")
    reply = client.invoke(FunctionName="function", Qualifier="$LATEST", Payload=b'{"item": "pen", "price": 1}')
    assert json.loads(reply["Payload"].read())["order"] == ["reserved pen", "charged 1"]
    with pytest.raises(ClientError) as refused:
        client.invoke(FunctionName="function", Payload=b"{}")
    error = refused.value.response
    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"], error["Error"]["Message"]) == (
        400, "InvalidParameterValueException", "You cannot invoke a durable function using an unqualified ARN.")


def test_an_event_invoke_answers_202_with_the_arn_and_runs_on(durable):
    _, client = durable("order")
    reply = client.invoke(FunctionName=QUALIFIED, InvocationType="Event", Payload=b'{"item": "cup", "price": 3}')
    arn = reply["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"]
    assert (reply["StatusCode"], reply["Payload"].read()) == (202, b"")
    assert ended(client, arn)["Status"] == "SUCCEEDED"


def test_a_name_starts_once_and_a_different_payload_is_refused(durable):
    _, client = durable("order")
    payload = json.dumps({"item": "lamp", "price": 40})
    first = client.invoke(FunctionName=QUALIFIED, DurableExecutionName="order-1", Payload=payload)
    again = client.invoke(FunctionName=QUALIFIED, DurableExecutionName="order-1", Payload=payload)
    arns = [r["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"] for r in (first, again)]
    assert arns[0] == arns[1] and "/durable-execution/order-1/" in arns[0]
    assert first["Payload"].read() == again["Payload"].read()  # the closed execution's result, again
    listed = client.list_durable_executions_by_function(FunctionName="test_function")["DurableExecutions"]
    assert [e["DurableExecutionArn"] for e in listed] == [arns[0]]
    with pytest.raises(ClientError) as refused:
        client.invoke(FunctionName=QUALIFIED, DurableExecutionName="order-1", Payload=b'{"item": "other"}')
    assert (refused.value.response["ResponseMetadata"]["HTTPStatusCode"],
            refused.value.response["Error"]["Code"]) == (409, "DurableExecutionAlreadyStartedException")


def callback_id(client, arn: str) -> str:
    def started():
        events = client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        return next((e["CallbackStartedDetails"]["CallbackId"] for e in events
                     if e["EventType"] == "CallbackStarted"), None)
    return wait_until(started, "the callback started")


def test_a_callback_answered_from_the_host_ends_the_execution(durable):
    _, client = durable("approval")
    arn = client.invoke(FunctionName=QUALIFIED, InvocationType="Event",
                        Payload=b"{}")["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"]
    # The SDK hands a callback's result over as sent (CallbackConfig.serdes: None).
    client.send_durable_execution_callback_success(CallbackId=callback_id(client, arn), Result=b"ada")
    execution = ended(client, arn)
    assert (execution["Status"], json.loads(execution["Result"])) == ("SUCCEEDED", {"approved_by": "ada"})


def test_a_failed_execution_is_a_function_error(durable):
    _, client = durable("fails")
    reply = client.invoke(FunctionName=QUALIFIED, Payload=b'{"item": "vase"}')
    error = json.loads(reply["Payload"].read())
    assert (reply["StatusCode"], reply["FunctionError"], error["errorType"], error["errorMessage"]) == (
        200, "Unhandled", "ValueError", "the order vase cannot be shipped")
    arn = reply["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"]
    assert client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "FAILED"


def test_a_synchronous_invoke_gives_up_at_the_function_timeout_and_the_execution_goes_on(durable):
    _, client = durable("sleeps", durable_time_scale=1.0, timeout=1.0)
    reply = client.invoke(FunctionName=QUALIFIED, Payload=b'{"seconds": 3600}')
    error = json.loads(reply["Payload"].read())
    assert (reply["FunctionError"], error["errorType"]) == ("Unhandled", "Sandbox.Timedout")
    assert error["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")
    arn = reply["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"]
    assert client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    client.stop_durable_execution(DurableExecutionArn=arn)
    assert ended(client, arn)["Status"] == "STOPPED"


def test_an_execution_waiting_for_a_callback_survives_a_restart(durable, tmp_path):
    state = tmp_path / "kept"
    server, client = durable("approval", state_dir=state)
    arn = client.invoke(FunctionName=QUALIFIED, InvocationType="Event",
                        Payload=b"{}")["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"]
    waiting_for = callback_id(client, arn)
    server.stop()
    _, client = durable("approval", state_dir=state)
    assert client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    client.send_durable_execution_callback_success(CallbackId=waiting_for, Result=b"grace")
    assert json.loads(ended(client, arn)["Result"]) == {"approved_by": "grace"}


def test_a_function_url_request_starts_an_execution(durable):
    server, _ = durable("web")
    reply = call(server.port, "POST", "/checkout", b"{}")
    assert (reply.status, reply.headers["content-type"], reply.body) == (201, "text/plain", b"made /checkout")


def test_the_durable_api_of_a_function_that_is_not_durable(serve):
    server = serve("durable_cases.not_durable")
    client = lambda_client(server.port)
    with pytest.raises(ClientError) as refused:
        client.get_durable_execution(DurableExecutionArn="arn:aws:lambda:us-east-1:1:function:f")
    client.close()
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "start the server with --durable-config" in refused.value.response["Error"]["Message"]


def test_an_execution_waiting_for_a_callback_survives_a_hot_reload(durable, tmp_path):
    from kit.paths import HANDLERS

    code = tmp_path / "code"
    code.mkdir()
    (code / "durable_cases.py").write_text((HANDLERS / "durable_cases.py").read_text())
    server, client = durable("approval", task_root=HANDLERS, code_dir=str(code), poll_interval=0.05)
    arn = client.invoke(FunctionName=QUALIFIED, InvocationType="Event",
                        Payload=b"{}")["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"]
    waiting_for = callback_id(client, arn)
    (code / "durable_cases.py").write_text((HANDLERS / "durable_cases.py").read_text() + "\n# changed\n")
    wait_until(lambda: b"code changed" in server.console.stderr, "the change to be seen")
    client.send_durable_execution_callback_success(CallbackId=waiting_for, Result=b"after the reload")
    assert json.loads(ended(client, arn)["Result"]) == {"approved_by": "after the reload"}


def test_the_aws_cli_invokes_and_reads_the_execution(durable, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    server, _ = durable("order")
    aws = Path(sys.executable).parent / "aws"  # AWS CLI v1 (requirements-dev.in)
    env = {"PATH": str(aws.parent), "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
           "AWS_DEFAULT_REGION": "us-east-1"}
    endpoint = ["--endpoint-url", f"http://127.0.0.1:{server.port}", "--output", "json"]

    def cli(*args: str) -> dict:
        done = subprocess.run([str(aws), "lambda", *args, *endpoint], capture_output=True, text=True, env=env,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    out = tmp_path / "out.json"
    answer = cli("invoke", "--function-name", "function:$LATEST", "--durable-execution-name", "from-the-cli",
                 "--payload", '{"item": "mug", "price": 8}', str(out))
    assert (answer["StatusCode"], json.loads(out.read_text())["order"]) == (200, ["reserved mug", "charged 8"])
    arn = answer["DurableExecutionArn"]
    assert cli("get-durable-execution", "--durable-execution-arn", arn)["Status"] == "SUCCEEDED"
    listed = cli("list-durable-executions-by-function", "--function-name", "test_function")["DurableExecutions"]
    assert [(e["DurableExecutionName"], e["Status"]) for e in listed] == [("from-the-cli", "SUCCEEDED")]


def test_a_streamed_invoke_gets_the_result_as_one_chunk(durable):
    _, client = durable("order")
    reply = client.invoke_with_response_stream(FunctionName=QUALIFIED, Payload=b'{"item": "fork", "price": 2}')
    events = list(reply["EventStream"])
    assert json.loads(events[0]["PayloadChunk"]["Payload"])["order"] == ["reserved fork", "charged 2"]
    assert events[1] == {"InvokeComplete": {}}
    assert ARN.fullmatch(reply["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"])
