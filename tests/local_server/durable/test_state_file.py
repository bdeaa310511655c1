"""Executions outlive the process (SQLite under the state folder); a bad state file is one clear line."""

from __future__ import annotations

import json
import sqlite3

import pytest
from botocore.exceptions import ClientError
from handlers import durable_sdk_cases as handlers
from kit.durable_harness import FUNCTION
from kit.polling import wait_until

from local_server.durable.engine.scheduling import KEEP_ENDED
from local_server.durable.store.sqlite_store import FILE_NAME, SqliteStore, StateFileError


def suspended(server, arn):
    wait_until(lambda: server.engine.executions[arn].events[-1].event_type == "InvocationCompleted", "suspended")


def test_a_callback_wait_survives_a_restart_and_resumes(served, tmp_path):
    first = served(state_dir=tmp_path / "state", time_scale=1.0)
    first.function.handler = handlers.callback
    arn = first.engine.start_execution(FUNCTION, "$LATEST", json.dumps({"timeout": 300})).arn
    suspended(first, arn)
    callback_id = first.engine.executions[arn].events[1].details["CallbackId"]
    first.stop()

    second = served(state_dir=tmp_path / "state", time_scale=1.0, handler=handlers.callback)
    client = second.client()
    assert client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"after restart"')
    body = second.engine.wait_for_end(arn, 20)
    assert body is not None and json.loads(body["Result"]) == {"answer": '"after restart"'}
    events = client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    assert [e["EventId"] for e in events] == list(range(1, 7))
    assert [e["EventType"] for e in events] == ["ExecutionStarted", "CallbackStarted", "InvocationCompleted",
                                                "CallbackSucceeded", "InvocationCompleted", "ExecutionSucceeded"]


def test_a_timer_survives_a_restart(served, tmp_path):
    first = served(state_dir=tmp_path / "state", time_scale=1.0)
    first.function.handler = handlers.waits_long
    arn = first.engine.start_execution(FUNCTION, "$LATEST", json.dumps({"seconds": 60})).arn
    suspended(first, arn)
    first.stop()
    # The restarted server runs at time scale 0: the wait, still pending, ends at once.
    second = served(state_dir=tmp_path / "state", time_scale=0.0, handler=handlers.waits_long)
    body = second.engine.wait_for_end(arn, 20)
    assert body is not None and (body["Status"], body["Result"]) == ("SUCCEEDED", '"woke"')
    waited = [e for e in second.engine.executions[arn].events if e.event_type == "WaitSucceeded"]
    assert waited[0].details == {"Duration": 60}


def test_an_invocation_cut_by_a_restart_is_recorded_and_run_again(served, tmp_path):
    first = served(state_dir=tmp_path / "state")
    release = []
    first.function.handler = lambda event, context: wait_until(lambda: release, "released", timeout=60)
    arn = first.engine.start_execution(FUNCTION, "$LATEST", '"z"').arn
    wait_until(lambda: first.function.requests, "invoked")
    first.engine.close(wait=0)  # the process "dies" with the invocation in flight
    second = served(state_dir=tmp_path / "state", handler=handlers.fails)
    try:
        body = second.engine.wait_for_end(arn, 20)
        assert body is not None and body["Error"] == {"ErrorType": "ValueError", "ErrorMessage": "boom: z"}
        cut = second.engine.executions[arn].events[1]
        assert (cut.event_type, cut.details["Error"]["Payload"]["ErrorType"]) == ("InvocationCompleted",
                                                                                 "Local.ServerRestart")
    finally:
        release.append(True)


def test_a_corrupt_state_file_is_one_clear_error_and_left_alone(tmp_path):
    path = tmp_path / FILE_NAME
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateFileError) as problem:
        SqliteStore(str(tmp_path))
    message = str(problem.value)
    assert message.startswith(f"{path} is not a readable SQLite file (file is not a database)")
    assert "\n" not in message
    assert path.read_bytes() == b"this is not sqlite" * 100


def test_a_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / FILE_NAME
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(StateFileError) as problem:
        SqliteStore(str(tmp_path))
    assert str(problem.value) == (f"{path} is not a durable execution state file of this server "
                                  "(SQLite application_id 0): move it away or choose another state folder")


def test_another_schema_version_is_refused(tmp_path):
    SqliteStore(str(tmp_path)).close()
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        db.execute("PRAGMA user_version = 7")
    with pytest.raises(StateFileError) as problem:
        SqliteStore(str(tmp_path))
    assert str(problem.value) == (f"{tmp_path / FILE_NAME} has schema version 7, this server reads 1: "
                                  "use the server that wrote it, or move the file away")


def test_retention_forgets_an_ended_execution(served):
    server = served()
    server.function.handler = handlers.fails
    arn = server.engine.start_execution(FUNCTION, "$LATEST", '"r"').arn
    assert server.engine.wait_for_end(arn, 20) is not None
    client = server.client()
    expires = server.engine.executions[arn].expires_at
    assert expires == pytest.approx(server.engine.executions[arn].end + 14 * 86400)
    server.engine.clock.reach(expires + 1)  # 14 days later, in model time
    error = client.exceptions.ResourceNotFoundException
    with pytest.raises(error):
        client.get_durable_execution(DurableExecutionArn=arn)


def _ended_runs(server, count: int, items) -> list:
    """`count` executions of map_items named run-0, run-1, ..., each run to its end: their ARNs."""
    arns = []
    for i in range(count):
        arns.append(server.engine.start_execution(FUNCTION, "$LATEST", json.dumps({"items": items(i)}),
                                                  name=f"run-{i}").arn)
        assert server.engine.wait_for_end(arns[-1], 20) is not None
    return arns


def test_ended_executions_leave_memory_for_the_state_file_and_answer_the_same(served, tmp_path):
    server = served(state_dir=tmp_path / "state", handler=handlers.map_items)
    client = server.client()
    arns = _ended_runs(server, KEEP_ENDED + 5, lambda i: [i, 2])
    oldest = arns[0]
    seen_whole = (client.get_durable_execution(DurableExecutionArn=oldest),
                  client.get_durable_execution_history(DurableExecutionArn=oldest, MaxItems=1000)["Events"])
    wait_until(lambda: len(server.engine.ended) == 5, "five ended executions retired from memory")
    assert len(server.engine.executions) == KEEP_ENDED and oldest in server.engine.ended
    assert not server.engine.ended[oldest].operations  # a summary: no operations, no events, no payloads
    # Read back from the state file, they answer as before.
    again = (client.get_durable_execution(DurableExecutionArn=oldest),
             client.get_durable_execution_history(DurableExecutionArn=oldest, MaxItems=1000)["Events"])
    assert {k: v for k, v in again[0].items() if k != "ResponseMetadata"} == \
        {k: v for k, v in seen_whole[0].items() if k != "ResponseMetadata"}
    assert again[1] == seen_whole[1] and json.loads(again[0]["Result"]) == [0, 4]
    assert oldest not in server.engine._store._saved_ops  # read for the answer, not held again
    listed = client.list_durable_executions_by_function(FunctionName=FUNCTION, MaxItems=1000)["DurableExecutions"]
    assert sorted(e["DurableExecutionArn"] for e in listed) == sorted(arns)
    # The same name and payload re-attach to it; another payload is refused; it can be deleted.
    assert server.engine.start_execution(FUNCTION, "$LATEST", json.dumps({"items": [0, 2]}), name="run-0").arn == oldest
    with pytest.raises(Exception, match="DurableExecutionAlreadyStartedException"):
        server.engine.start_execution(FUNCTION, "$LATEST", json.dumps({"items": [9]}), name="run-0")
    client.delete_durable_execution(DurableExecutionArn=oldest)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.get_durable_execution(DurableExecutionArn=oldest)


def test_a_retired_execution_changed_behind_the_servers_back(served, tmp_path):
    server = served(state_dir=tmp_path / "state", handler=handlers.map_items)
    client = server.client()
    arns = _ended_runs(server, KEEP_ENDED + 3, lambda i: [i])
    wait_until(lambda: len(server.engine.ended) == 3, "three ended executions retired from memory")
    gone, damaged, intact = arns[:3]
    with sqlite3.connect(tmp_path / "state" / FILE_NAME) as db:
        db.execute("DELETE FROM executions WHERE arn = ?", (gone,))
        db.execute("UPDATE executions SET record = '{}' WHERE arn = ?", (damaged,))
    # A removed row: the execution is gone everywhere, and its name is free again.
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.get_durable_execution(DurableExecutionArn=gone)
    listed = client.list_durable_executions_by_function(FunctionName=FUNCTION, MaxItems=1000)["DurableExecutions"]
    assert gone not in {e["DurableExecutionArn"] for e in listed}
    assert server.engine.start_execution(FUNCTION, "$LATEST", json.dumps({"items": [0]}), name="run-0").arn != gone
    # A damaged row: a ServiceException that names the file, and the server goes on serving.
    with pytest.raises(ClientError) as refused:
        client.get_durable_execution(DurableExecutionArn=damaged)
    assert refused.value.response["Error"]["Code"] == "ServiceException"
    assert FILE_NAME in refused.value.response["Error"]["Message"]
    assert json.loads(client.get_durable_execution(DurableExecutionArn=intact)["Result"]) == [4]
