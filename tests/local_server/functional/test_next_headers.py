"""What `/next` tells the runtime, as Lambda's Runtime API tells it now, and what a stale answer gets:
the invocation id (a nonce the runtime echoes: ours does, seen through a recording proxy), the
tenant id of an invocation that has one, and 410 InvokeTimeout for a post that echoes another
invocation's id. The initialization type with managed instances."""

import json
import re
import sys

from kit.paths import SCRIPTED
from kit.polling import wait_until
from kit.responders import Recorder
from kit.server_harness import Client, invoke, log_lines, our_runtime, scripted_runtime

from local_server.environment import runner
from local_server.environment.invocation import Invocation

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RECORDING_PROXY = SCRIPTED / "recording_proxy.py"


def _next_entries(log):
    return [entry for entry in log_lines(log) if entry["call"] == "next"]


def test_next_sends_a_new_invocation_id_each_time_and_every_header_lambda_sends(serve, tmp_path):
    log = tmp_path / "log"
    server = serve(command=scripted_runtime(), env={"SCRIPT_LOG": str(log)})
    with Client(server.port) as client:
        for _ in range(2):
            assert client.invoke({"respond": '"ok"'}, {"X-Amzn-Trace-Id": "Root=1-a"}).body == b'"ok"'
    first, second = _next_entries(log)
    assert UUID.match(first["invocation_id"]) and UUID.match(second["invocation_id"])
    assert first["invocation_id"] != second["invocation_id"]
    assert first["invocation_id"] not in (first["request_id"], second["request_id"])
    # What awslambdaric 4.2.2 reads, but the tenant id (none here) and the Cognito identity (only
    # the mobile SDKs' invokes carry one).
    assert first["headers"] == ["content-length", "content-type", "lambda-runtime-aws-request-id",
                                "lambda-runtime-deadline-ms", "lambda-runtime-invocation-id",
                                "lambda-runtime-invoked-function-arn", "lambda-runtime-trace-id"]
    assert first["tenant_id"] is None



def test_the_tenant_id_an_invocation_carries_goes_to_the_runtime(serve, tmp_path):
    # Tenants come through the front door (X-Amz-Tenant-Id, issue 17); an invocation that has one
    # hands it to the runtime as Lambda does: Lambda-Runtime-Aws-Tenant-Id.
    log = tmp_path / "log"
    server = serve(command=scripted_runtime(), env={"SCRIPT_LOG": str(log)})
    responder = Recorder()
    inv = Invocation(json.dumps({"respond": '"blue"'}).encode(), responder, tenant_id="BlueTenant")
    assert runner.run(server.pool, inv, server.config.timeout) is None  # it ran
    assert responder.calls == [("response", b'"blue"', "application/json")]
    (entry,) = _next_entries(log)
    assert entry["tenant_id"] == "BlueTenant" and "lambda-runtime-aws-tenant-id" in entry["headers"]


def test_a_post_with_another_invocations_id_gets_410_and_the_invocation_goes_on(serve, tmp_path):
    log = tmp_path / "log"
    server = serve(command=scripted_runtime(), env={"SCRIPT_LOG": str(log)})
    reply = invoke(server.port, {"stale": '"mine"'})
    assert reply.body == b'"mine"'
    # The runtime logs a post's status after the post: the caller may have its answer first.
    statuses = wait_until(lambda: (found := [(entry["call"], entry["status"]) for entry in log_lines(log)
                                             if entry["call"] != "next"]) and len(found) >= 2 and found,
                          "the runtime's two posts logged")
    # The stale answer is refused as Lambda refuses it (aws-lambda-dotnet PR 2508): 410 InvokeTimeout;
    # the invocation's own answer, echoing its id, is taken.
    assert statuses == [("stale response", 410), ("response", 202)]


def test_a_post_that_echoes_its_own_id_or_none_is_taken(serve, tmp_path):
    log = tmp_path / "log"
    server = serve(command=scripted_runtime(), env={"SCRIPT_LOG": str(log)})
    with Client(server.port) as client:
        assert client.invoke({"respond": '"echoed"', "echo": True}).body == b'"echoed"'
        assert client.invoke({"error": {"errorType": "E", "errorMessage": "m"}, "type": "E", "echo": True}).json() \
            == {"errorType": "E", "errorMessage": "m"}
        assert client.invoke({"respond": '"none"'}).body == b'"none"'  # no echo: nothing to check
    posted = wait_until(lambda: (found := [entry["status"] for entry in log_lines(log) if entry["call"] != "next"])
                        and len(found) >= 3 and found, "the runtime's three posts logged")
    assert posted == [202, 202, 202]


def test_our_runtime_echoes_the_invocation_id_on_its_response_and_its_error(serve, tmp_path):
    log = tmp_path / "proxy"
    server = serve("cases.echo", command=[sys.executable, str(RECORDING_PROXY), *our_runtime()],
                   env={"PROXY_LOG": str(log)})
    with Client(server.port) as client:
        assert client.invoke({"x": 1}).json() == {"x": 1}
    server2 = serve("cases.raise_error", command=[sys.executable, str(RECORDING_PROXY), *our_runtime()],
                    env={"PROXY_LOG": str(log)})
    assert invoke(server2.port, b'"oops"').json()["errorType"] == "ValueError"
    messages = [entry for entry in log_lines(log) if "/invocation/" in entry["line"] or entry["invocation_id"]]
    given = [entry["invocation_id"] for entry in messages if entry["direction"] == "reply"]
    posts = [(entry["line"].split()[1].rsplit("/", 1)[1], entry["invocation_id"])
             for entry in messages if entry["line"].startswith("POST")]
    assert len(given) == 2 and all(UUID.match(value) for value in given)
    assert posts == [("response", given[0]), ("error", given[1])]


def test_managed_instances_say_so_in_the_environment_and_the_platform_records(serve):
    server = serve("cases.env", max_concurrency=2, max_environments=1, log_format="JSON")
    names = ["AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_MAX_CONCURRENCY"]
    assert invoke(server.port, {"names": names}).json() == {
        "AWS_LAMBDA_INITIALIZATION_TYPE": "lambda-managed-instances", "AWS_LAMBDA_MAX_CONCURRENCY": "2"}
    records = [json.loads(line) for line in server.console.stdout.decode().splitlines() if line.startswith("{")]
    init = [record["record"]["initializationType"] for record in records if record["type"].startswith("platform.init")]
    assert init == ["lambda-managed-instances"] * 3


def test_on_demand_says_on_demand(serve):
    server = serve("cases.env")
    assert invoke(server.port, {"names": ["AWS_LAMBDA_INITIALIZATION_TYPE"]}).json() == {
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"}

