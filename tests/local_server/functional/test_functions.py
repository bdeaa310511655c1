"""Several functions of one code (--functions NAME=HANDLER,...): each invoked by its own name, with
its own handler and environments; any other name reaches the main function, as before. Durable,
they chain-invoke each other through the one engine."""

from __future__ import annotations

import json

from kit.server_harness import call, lambda_client

from local_server.config import DurableConfig


def _invoke(port: int, name: str, payload: dict) -> dict:
    reply = call(port, "POST", f"/2015-03-31/functions/{name}/invocations", json.dumps(payload).encode())
    assert reply.status == 200, reply
    return reply.json()


def test_each_function_answers_to_its_own_name(serve):
    server = serve("cases.echo", functions=[("who", "cases.context_info"), ("echo-too", "cases.echo")])
    who = _invoke(server.port, "who", {})
    assert (who["function_name"], who["invoked_function_arn"]) == (
        "who", "arn:aws:lambda:us-east-1:012345678912:function:who")
    arn = "arn%3Aaws%3Alambda%3Aus-east-1%3A012345678912%3Afunction%3Awho%3A%24LATEST"
    assert _invoke(server.port, arn, {})["function_name"] == "who"  # an ARN, percent-encoded, qualified
    assert _invoke(server.port, "function", {"a": 1}) == {"a": 1}  # any other name: the main function
    assert _invoke(server.port, "echo-too", {"b": 2}) == {"b": 2}
    assert [f.name for f in server.functions] == ["test_function", "who", "echo-too"]
    assert all(f.pool.stats()["started"] >= 1 for f in server.functions)  # environments of its own each


def test_durable_functions_chain_invoke_each_other(serve, tmp_path):
    server = serve("durable_cases.chained", functions=[("echo-target", "durable_cases.echo")],
                   durable=DurableConfig(900), durable_time_scale=0.0, state_dir=str(tmp_path / "state"),
                   timeout=60.0)
    client = lambda_client(server.port)
    try:
        reply = client.invoke(FunctionName="function:$LATEST",
                              Payload=json.dumps({"target": "echo-target:$LATEST", "payload": {"n": 7}}))
        assert json.loads(reply["Payload"].read()) == {"answer": {"n": 7}}
        arn = reply["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"]
        events = client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        started = next(e["ChainedInvokeStartedDetails"] for e in events if e["EventType"] == "ChainedInvokeStarted")
        listed = client.list_durable_executions_by_function(FunctionName="echo-target")["DurableExecutions"]
        assert [e["DurableExecutionArn"] for e in listed] == [started["DurableExecutionArn"]]
        assert ":function:echo-target:$LATEST/durable-execution/" in started["DurableExecutionArn"]
        assert (started["FunctionName"], json.loads(started["Input"]["Payload"])) == ("echo-target:$LATEST", {"n": 7})
        target = client.get_durable_execution(DurableExecutionArn=started["DurableExecutionArn"])
        assert (target["Status"], json.loads(target["Result"])) == ("SUCCEEDED", {"n": 7})
    finally:
        client.close()
