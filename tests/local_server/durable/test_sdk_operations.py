"""Every operation of the real durable SDK (aws-durable-execution-sdk-python 3.0.0) against the
engine, through its own boto3 client; answers from outside through boto3 too."""

from __future__ import annotations

import json

import pytest
from handlers import durable_sdk_cases as handlers
from kit.durable_harness import FUNCTION, callback_started, ended, history
from kit.polling import wait_until


@pytest.fixture(autouse=True)
def _fresh_seen():
    for value in handlers.SEEN.values():
        value.clear()


def run(server, handler, payload, name=None, timeout=30):
    server.function.handler = handler
    arn = server.engine.start_execution(FUNCTION, "$LATEST", json.dumps(payload), name=name).arn
    return arn


def kinds(events):
    return [e["EventType"] for e in events]


def test_a_step_retried_twice_succeeds_on_its_third_attempt(served):
    server = served()
    arn = run(server, handlers.step_with_retries, {"value": 21})
    body = ended(server, arn)
    assert (body["Status"], body["Result"]) == ("SUCCEEDED", "42")
    events = history(server, arn)
    assert kinds(events) == ["ExecutionStarted", "StepStarted", "StepFailed", "InvocationCompleted",
                             "StepStarted", "StepFailed", "InvocationCompleted", "StepStarted", "StepSucceeded",
                             "InvocationCompleted", "ExecutionSucceeded"]
    failed = [e["StepFailedDetails"] for e in events if e["EventType"] == "StepFailed"]
    assert [f["RetryDetails"] for f in failed] == [{"CurrentAttempt": 1, "NextAttemptDelaySeconds": 2},
                                                   {"CurrentAttempt": 2, "NextAttemptDelaySeconds": 4}]
    assert failed[0]["Error"]["Payload"]["ErrorMessage"] == "attempt 1 fails"
    assert events[8]["StepSucceededDetails"] == {"Result": {"Payload": "42", "Truncated": False},
                                                 "RetryDetails": {"CurrentAttempt": 3}}
    # The retry delays are modelled, though the time scale 0 let them pass at once.
    starts = [e["EventTimestamp"] for e in events if e["EventType"] == "StepStarted"]
    assert (starts[1] - starts[0]).total_seconds() >= 2 and (starts[2] - starts[1]).total_seconds() >= 4


def test_a_child_context_groups_its_operations(served):
    server = served()
    arn = run(server, handlers.child_context, {})
    body = ended(server, arn)
    assert (body["Status"], body["Result"]) == ("SUCCEEDED", '"ab"')
    events = history(server, arn)
    assert kinds(events) == ["ExecutionStarted", "ContextStarted", "StepStarted", "StepSucceeded", "WaitStarted",
                             "InvocationCompleted", "WaitSucceeded", "StepStarted", "StepSucceeded",
                             "ContextSucceeded", "InvocationCompleted", "ExecutionSucceeded"]
    context_id = events[1]["Id"]
    assert {e.get("ParentId") for e in events[2:5]} == {context_id}
    assert events[9]["ContextSucceededDetails"] == {"Result": {"Payload": '"ab"', "Truncated": False}}


def test_a_callback_answered_through_the_api_resumes_the_execution(served):
    server = served()
    arn = run(server, handlers.callback, {"timeout": 300})
    started = callback_started(server, arn)
    details = started["CallbackStartedDetails"]
    assert (details["Timeout"], details["HeartbeatTimeout"]) == (300, 0)
    client = server.client()
    client.send_durable_execution_callback_heartbeat(CallbackId=details["CallbackId"])
    client.send_durable_execution_callback_success(CallbackId=details["CallbackId"], Result=b'{"ok": true}')
    body = ended(server, arn)
    assert json.loads(body["Result"]) == {"answer": '{"ok": true}'}
    assert kinds(history(server, arn))[-4:] == ["InvocationCompleted", "CallbackSucceeded", "InvocationCompleted",
                                               "ExecutionSucceeded"]
    # A closed callback: the model's CallbackTimeoutException.
    with pytest.raises(client.exceptions.CallbackTimeoutException) as closed:
        client.send_durable_execution_callback_success(CallbackId=details["CallbackId"], Result=b"again")
    assert closed.value.response["Error"]["Message"].startswith("The callback ID token has either expired")


def test_a_callback_failure_fails_the_execution_with_the_sdks_error(served):
    server = served()
    arn = run(server, handlers.callback, {"timeout": 300})
    callback_id = callback_started(server, arn)["CallbackStartedDetails"]["CallbackId"]
    server.client().send_durable_execution_callback_failure(
        CallbackId=callback_id, Error={"ErrorType": "Rejected", "ErrorMessage": "no"})
    body = ended(server, arn)
    assert body["Status"] == "FAILED"
    assert body["Error"]["ErrorMessage"] == "no"
    failed = next(e for e in history(server, arn) if e["EventType"] == "CallbackFailed")
    assert failed["CallbackFailedDetails"]["Error"]["Payload"] == {"ErrorType": "Rejected", "ErrorMessage": "no"}


def test_a_callback_times_out(served):
    server = served()
    arn = run(server, handlers.callback, {"timeout": 1})
    body = ended(server, arn)
    assert body["Status"] == "FAILED"
    assert body["Error"]["ErrorType"] == "aws_durable_execution_sdk_python.exceptions.CallbackTimeoutError"
    timed_out = next(e for e in history(server, arn) if e["EventType"] == "CallbackTimedOut")
    assert timed_out["CallbackTimedOutDetails"]["Error"]["Payload"] == {
        "ErrorType": "Callback.Timeout", "ErrorMessage": "Callback timed out"}


def test_wait_for_callback(served):
    server = served()
    arn = run(server, handlers.wait_for_callback, {})
    callback_id = wait_until(lambda: handlers.SEEN["callback_ids"], "the submitter ran")[0]
    server.client().send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"done"')
    body = ended(server, arn)
    assert (body["Status"], body["Result"]) == ("SUCCEEDED", '"\\"done\\""')


def test_a_chained_invoke_of_the_function_itself_runs_a_second_execution(served):
    server = served()
    arn = run(server, handlers.chained, {"target": f"{FUNCTION}:$LATEST", "n": 41})
    body = ended(server, arn)
    assert (body["Status"], body["Result"]) == ("SUCCEEDED", "42")
    events = history(server, arn)
    assert kinds(events) == ["ExecutionStarted", "ChainedInvokeStarted", "InvocationCompleted",
                             "ChainedInvokeSucceeded", "InvocationCompleted", "ExecutionSucceeded"]
    started = events[1]["ChainedInvokeStartedDetails"]
    assert started["FunctionName"] == f"{FUNCTION}:$LATEST"
    assert json.loads(started["Input"]["Payload"]) == {"role": "child", "n": 41}
    assert started["ExecutedVersion"] == "$LATEST" and "TenantId" not in started
    child = server.client().get_durable_execution(DurableExecutionArn=started["DurableExecutionArn"])
    assert (child["Status"], child["Result"]) == ("SUCCEEDED", "42")


def test_a_chained_invoke_records_its_tenant(served):
    # ChainedInvokeStartedDetails.TenantId, from ChainedInvokeOptions.TenantId (conformance 5-8).
    server = served()
    arn = run(server, handlers.chained, {"target": f"{FUNCTION}:$LATEST", "n": 1, "tenant": "tenant-7"})
    assert ended(server, arn)["Status"] == "SUCCEEDED"
    started = next(e for e in history(server, arn) if e["EventType"] == "ChainedInvokeStarted")
    assert started["ChainedInvokeStartedDetails"]["TenantId"] == "tenant-7"


def test_a_chained_invoke_of_an_unknown_function_fails_the_operation(served):
    server = served()
    arn = run(server, handlers.chained, {"target": "someone-else:$LATEST", "n": 1})
    body = ended(server, arn)
    assert body["Status"] == "FAILED"
    failed = next(e for e in history(server, arn) if e["EventType"] == "ChainedInvokeFailed")
    assert failed["ChainedInvokeFailedDetails"]["Error"]["Payload"] == {
        "ErrorType": "ResourceNotFoundException",
        "ErrorMessage": "Function not found: arn:aws:lambda:us-east-1:012345678912:function:someone-else:$LATEST"}


def test_wait_for_condition_polls_until_its_threshold(served):
    server = served()
    arn = run(server, handlers.wait_for_condition, {"threshold": 3})
    body = ended(server, arn)
    assert (body["Status"], body["Result"]) == ("SUCCEEDED", "3")
    events = history(server, arn)
    assert kinds(events) == ["ExecutionStarted"] + ["StepStarted", "StepSucceeded", "InvocationCompleted"] * 2 + [
        "StepStarted", "StepSucceeded", "InvocationCompleted", "ExecutionSucceeded"]
    assert [e["StepSucceededDetails"]["Result"]["Payload"] for e in events if e["EventType"] == "StepSucceeded"] \
        == ["1", "2", "3"]
    assert {e["SubType"] for e in events if e["EventType"].startswith("Step")} == {"WaitForCondition"}


def test_parallel_branches_that_wait_resume_inside_one_execution(served):
    server = served()
    arn = run(server, handlers.parallel, {})
    body = ended(server, arn)
    assert (body["Status"], json.loads(body["Result"])) == ("SUCCEEDED", [10, 20, 30])
    events = history(server, arn)
    assert kinds(events).count("WaitSucceeded") == 3
    assert kinds(events)[-2:] == ["InvocationCompleted", "ExecutionSucceeded"]


def test_map_runs_a_step_per_item(served):
    server = served()
    arn = run(server, handlers.map_items, {"items": [1, 2, 3, 4]})
    body = ended(server, arn)
    assert (body["Status"], json.loads(body["Result"])) == ("SUCCEEDED", [1, 4, 9, 16])
    events = history(server, arn)
    assert kinds(events).count("StepSucceeded") == 4
    assert [e["SubType"] for e in events if e["EventType"] == "ContextStarted"][:2] == ["Map", "MapIteration"]


def test_a_handler_error_fails_the_execution(served):
    server = served()
    arn = run(server, handlers.fails, "x")
    body = ended(server, arn)
    assert (body["Status"], body["Error"]) == ("FAILED", {"ErrorType": "ValueError", "ErrorMessage": "boom: x"})
    assert kinds(history(server, arn)) == ["ExecutionStarted", "StepStarted", "StepSucceeded", "InvocationCompleted",
                                           "ExecutionFailed"]
