"""The wire format against botocore's own parser: every operation called with boto3 1.44.8,
errors arriving as botocore exceptions with the model's code and the server's message."""

from __future__ import annotations

import datetime
import json

import pytest
from botocore.exceptions import ClientError
from handlers import durable_sdk_cases as handlers
from kit.durable_harness import FUNCTION
from kit.polling import wait_until

from local_server.durable.engine.invocations import NOTHING_PENDING


def start(server, handler, payload, name=None):
    server.function.handler = handler
    return server.engine.start_execution(FUNCTION, "$LATEST", json.dumps(payload), name=name).arn


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return caught.value.response["ResponseMetadata"]["HTTPStatusCode"], error["Code"], error["Message"]


def test_get_execution_and_its_history_with_and_without_data(served):
    server = served()
    arn = start(server, handlers.fails, "x", name="named-one")
    server.engine.wait_for_end(arn, 20)
    client = server.client()
    got = client.get_durable_execution(DurableExecutionArn=arn)
    assert got["DurableExecutionArn"] == arn and got["DurableExecutionName"] == "named-one"
    assert got["FunctionArn"] == f"arn:aws:lambda:us-east-1:012345678912:function:{FUNCTION}:$LATEST"
    assert (got["Status"], got["Version"], got["InputPayload"]) == ("FAILED", "$LATEST", '"x"')
    assert got["Error"] == {"ErrorType": "ValueError", "ErrorMessage": "boom: x"}
    assert isinstance(got["StartTimestamp"], datetime.datetime) and got["EndTimestamp"] >= got["StartTimestamp"]
    assert got["DurableConfig"] == {"ExecutionTimeout": 300, "RetentionPeriodInDays": 14}
    bare = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)
    assert "InputPayload" not in bare and "Error" not in bare and bare["ExecutionDataIncluded"] is False
    events = client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    assert events[0]["ExecutionStartedDetails"] == {"Input": {"Payload": '"x"', "Truncated": False},
                                                    "ExecutionTimeout": 300}
    completed = events[3]["InvocationCompletedDetails"]
    assert set(completed) == {"StartTimestamp", "EndTimestamp", "RequestId"}
    assert completed["RequestId"] == server.function.requests[0].request_id
    hidden = client.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=False)["Events"]
    assert hidden[0]["ExecutionStartedDetails"]["Input"] == {"Truncated": True}
    # Paging, both directions, with botocore's own paginator.
    pages = list(client.get_paginator("get_durable_execution_history").paginate(
        DurableExecutionArn=arn, PaginationConfig={"PageSize": 2}))
    assert [[e["EventId"] for e in page["Events"]] for page in pages] == [[1, 2], [3, 4], [5]]
    newest = client.get_durable_execution_history(DurableExecutionArn=arn, ReverseOrder=True, MaxItems=2)
    assert [e["EventId"] for e in newest["Events"]] == [5, 4] and newest["NextMarker"] == "2"


def test_list_by_function_filters_and_pages(served):
    server = served()
    arns = [start(server, handlers.fails, n, name=f"run-{n}") for n in range(3)]
    for arn in arns:
        server.engine.wait_for_end(arn, 20)
    client = server.client()
    listed = client.list_durable_executions_by_function(FunctionName=FUNCTION)["DurableExecutions"]
    assert [e["DurableExecutionName"] for e in listed] == ["run-2", "run-1", "run-0"]  # newest first
    oldest = client.list_durable_executions_by_function(FunctionName=FUNCTION, ReverseOrder=True, MaxItems=2)
    assert [e["DurableExecutionName"] for e in oldest["DurableExecutions"]] == ["run-0", "run-1"]
    assert client.list_durable_executions_by_function(
        FunctionName=FUNCTION, DurableExecutionName="run-1", Statuses=["FAILED", "RUNNING"],
        StartedAfter=datetime.datetime(2000, 1, 1))["DurableExecutions"][0]["DurableExecutionArn"] == arns[1]
    assert client.list_durable_executions_by_function(FunctionName=FUNCTION, Statuses=["SUCCEEDED"])[
        "DurableExecutions"] == []
    assert error_of(client.list_durable_executions_by_function, FunctionName="nobody") == (
        404, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:012345678912:function:nobody")


def test_stop_pause_resume_delete(served):
    server = served()
    client = server.client()
    arn = start(server, handlers.waits_long, {"seconds": 3600})
    # time scale 1 is the default elsewhere; here the fixture's 0 would end the wait: pause first.
    wait_until(lambda: any(e["EventType"] == "InvocationCompleted"
                           for e in client.get_durable_execution_history(DurableExecutionArn=arn)["Events"])
               or server.engine.executions[arn].terminal, "first invocation")
    assert error_of(client.delete_durable_execution, DurableExecutionArn=arn)[:2] == (409, "ResourceConflictException")
    stopped = client.stop_durable_execution(DurableExecutionArn=arn, Error={"ErrorType": "Halt", "ErrorMessage": "why"})
    assert isinstance(stopped["StopTimestamp"], datetime.datetime)
    got = client.get_durable_execution(DurableExecutionArn=arn)
    assert (got["Status"], got["Error"]) == ("STOPPED", {"ErrorType": "Halt", "ErrorMessage": "why"})
    assert client.delete_durable_execution(DurableExecutionArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert error_of(client.get_durable_execution, DurableExecutionArn=arn) == (
        404, "ResourceNotFoundException", f"Durable execution not found: {arn}")


def test_pause_holds_invocations_and_resume_releases_them(served):
    server = served(time_scale=1.0)
    client = server.client()
    arn = start(server, handlers.callback, {"timeout": 300})
    history = lambda: client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]  # noqa: E731
    callback_id = wait_until(lambda: [e for e in history() if e["EventType"] == "InvocationCompleted"],
                             "suspended") and next(e for e in history() if e["EventType"] == "CallbackStarted")[
        "CallbackStartedDetails"]["CallbackId"]
    assert client.pause_durable_execution(DurableExecutionArn=arn, Reason="maintenance")[
        "ResponseMetadata"]["HTTPStatusCode"] == 202
    got = client.get_durable_execution(DurableExecutionArn=arn)
    assert got["Status"] == "PAUSED"
    assert got["PauseDetails"]["ExecutionTimeoutPaused"] is True and got["PauseDetails"]["Reason"] == "maintenance"
    client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"later")
    assert wait_until(lambda: history()[-1]["EventType"] == "CallbackSucceeded", "answered while paused")
    assert len(server.function.requests) == 1  # paused: no invocation
    client.resume_durable_execution(DurableExecutionArn=arn, Reason="back")
    body = server.engine.wait_for_end(arn, 20)
    assert body is not None and body["Status"] == "SUCCEEDED"
    types = [e["EventType"] for e in history()]
    assert types == ["ExecutionStarted", "CallbackStarted", "InvocationCompleted", "ExecutionPaused",
                     "CallbackSucceeded", "ExecutionResumed", "InvocationCompleted", "ExecutionSucceeded"]
    assert error_of(client.pause_durable_execution, DurableExecutionArn=arn)[:2] == (409, "ResourceConflictException")


def test_the_sdks_two_calls_and_their_errors(served):
    server = served(time_scale=1.0)
    client = server.client()
    arn = start(server, handlers.callback, {"timeout": 300})
    wait_until(lambda: server.engine.executions[arn].events[-1].event_type == "InvocationCompleted", "suspended")
    token = server.function.requests[0].event["CheckpointToken"]
    # The invocation has ended: its token is no longer good, with the words the SDK retries on.
    assert error_of(client.checkpoint_durable_execution, DurableExecutionArn=arn, CheckpointToken=token,
                    Updates=[])[:2] == (400, "InvalidParameterValueException")
    status, code, message = error_of(client.get_durable_execution_state, DurableExecutionArn=arn,
                                     CheckpointToken=token)
    assert (status, code) == (400, "InvalidParameterValueException") and message.startswith("Invalid checkpoint token")
    assert error_of(client.get_durable_execution, DurableExecutionArn="not-an-arn")[:2] == (
        404, "ResourceNotFoundException")
    assert error_of(client.send_durable_execution_callback_heartbeat, CallbackId="bm9wZQ==") == (
        404, "ResourceNotFoundException", "Callback not found: bm9wZQ==")


def test_a_checkpoint_within_an_invocation_rotates_the_token_and_repeats_by_client_token(served):
    server = served(time_scale=1.0)
    client = server.client()
    gate = {}

    def handler(event, context):  # a hand-written durable client: what the SDK sends
        token = event["CheckpointToken"]
        update = {"Id": "op-1", "Type": "STEP", "Action": "START", "Name": "s", "SubType": "Step"}
        first = client.checkpoint_durable_execution(DurableExecutionArn=event["DurableExecutionArn"],
                                                    CheckpointToken=token, Updates=[update], ClientToken="ct-1")
        again = client.checkpoint_durable_execution(DurableExecutionArn=event["DurableExecutionArn"],
                                                    CheckpointToken=token, Updates=[update], ClientToken="ct-1")
        gate["first"], gate["again"] = first, again
        gate["stale"] = error_of(client.checkpoint_durable_execution, DurableExecutionArn=event["DurableExecutionArn"],
                                 CheckpointToken=token, Updates=[], ClientToken="ct-2")
        gate["bad"] = error_of(client.checkpoint_durable_execution, DurableExecutionArn=event["DurableExecutionArn"],
                               CheckpointToken=first["CheckpointToken"],
                               Updates=[{"Id": "op-1", "Type": "WAIT", "Action": "START"}])
        state = client.get_durable_execution_state(DurableExecutionArn=event["DurableExecutionArn"],
                                                   CheckpointToken=first["CheckpointToken"], MaxItems=1)
        gate["state"] = state
        return {"Status": "SUCCEEDED", "Result": '"ok"'}

    server.function.handler = handler
    arn = server.engine.start_execution(FUNCTION, "$LATEST", "{}").arn
    body = server.engine.wait_for_end(arn, 20)
    assert body is not None and body["Status"] == "SUCCEEDED"
    first, again = gate["first"], gate["again"]
    assert first["CheckpointToken"] != server.function.requests[0].event["CheckpointToken"]
    assert again["CheckpointToken"] == first["CheckpointToken"]
    step = first["NewExecutionState"]["Operations"]
    assert [(o["Id"], o["Type"], o["Status"], o["StepDetails"]["Attempt"]) for o in step] == [
        ("op-1", "STEP", "STARTED", 0)]
    assert gate["stale"][:2] == (400, "InvalidParameterValueException")
    assert gate["bad"] == (400, "InvalidParameterValueException",
                           "Inconsistent operation type: op-1 is a STEP, not a WAIT.")
    assert [o["Type"] for o in gate["state"]["Operations"]] == ["EXECUTION"] and gate["state"]["NextMarker"] == "1"


def test_pending_with_nothing_pending_ends_in_an_error_after_the_retries(served):
    server = served()
    server.function.handler = lambda event, context: {"Status": "PENDING"}
    arn = server.engine.start_execution(FUNCTION, "$LATEST", "{}").arn
    body = server.engine.wait_for_end(arn, 20)
    assert body is not None
    assert (body["Status"], body["Error"]) == ("FAILED", {"ErrorType": "InvalidParameterValueException",
                                                          "ErrorMessage": NOTHING_PENDING})
    assert len(server.function.requests) == 3  # the retry policy: three attempts


def test_a_crashed_invocation_is_retried_and_recorded(served):
    server = served()
    server.function.crash_next = 1
    arn = start(server, handlers.fails, "y")
    body = server.engine.wait_for_end(arn, 20)
    assert body is not None and body["Status"] == "FAILED"
    events = server.client().get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    crash = events[1]["InvocationCompletedDetails"]["Error"]["Payload"]
    assert crash["ErrorType"] == "Runtime.ExitError"
    assert [e["EventType"] for e in events] == ["ExecutionStarted", "InvocationCompleted", "StepStarted",
                                                "StepSucceeded", "InvocationCompleted", "ExecutionFailed"]


def test_the_execution_timeout(served):
    server = served(time_scale=1.0, timeout=1)
    arn = start(server, handlers.callback, {"timeout": 300})
    body = server.engine.wait_for_end(arn, 20)
    assert body is not None and body["Status"] == "TIMED_OUT"
    assert body["Error"] == {"ErrorType": "Execution.Timeout", "ErrorMessage": "Execution timed out after 1 seconds."}


def test_idempotent_start_by_name(served):
    server = served()
    server.function.handler = handlers.fails
    first = server.engine.start_execution(FUNCTION, "$LATEST", '"a"', name="once")
    again = server.engine.start_execution(FUNCTION, "$LATEST", '"a"', name="once")
    assert (first.created, again.created, again.arn) == (True, False, first.arn)
    from local_server.durable.wire.errors import DurableError
    with pytest.raises(DurableError) as conflict:
        server.engine.start_execution(FUNCTION, "$LATEST", '"b"', name="once")
    assert (conflict.value.code, conflict.value.status) == ("DurableExecutionAlreadyStartedException", 409)
    with pytest.raises(DurableError) as unqualified:
        server.engine.start_execution(FUNCTION, None, '"a"')
    assert unqualified.value.message == "You cannot invoke a durable function using an unqualified ARN."
