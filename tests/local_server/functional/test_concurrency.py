"""One environment per in-flight request, a maximum, 429 past it; managed instances; the load test."""

import json
import threading

import pytest
from botocore.exceptions import ClientError
from polling import wait_until
from server_harness import Client, invoke, lambda_client, scripted_runtime

THROTTLED = b'{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}'


def _in_background(target, *args):
    results = []
    thread = threading.Thread(target=lambda: results.append(target(*args)), daemon=True)
    thread.start()
    return thread, results


def test_each_in_flight_request_gets_its_own_environment_and_429_past_the_maximum(serve, tmp_path):
    server = serve("local_cases.gate", max_environments=2, timeout=20)
    gate = tmp_path / "gate"
    held = [_in_background(invoke, server.port, {"gate": str(gate), "reply": n}) for n in range(2)]
    wait_until(lambda: server.pool.stats()["busy"] == 2, what="two busy environments")
    throttled = invoke(server.port, {"gate": str(gate)})
    assert (throttled.status, throttled.headers["x-amzn-errortype"], throttled.body) == (
        429, "TooManyRequestsException", THROTTLED)
    with pytest.raises(ClientError) as raised:
        lambda_client(server.port).invoke(FunctionName="f", Payload=b"{}")
    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert raised.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    gate.write_text("open")
    for thread, _ in held:
        thread.join(20)
    assert sorted(results[0].json() for _, results in held) == [0, 1]
    wait_until(lambda: server.pool.stats() == {"environments": 2, "busy": 0, "maxEnvironments": 2, "started": 2,
                                               "generation": 0}, what="both environments idle")
    # Warm now: the next requests reuse them, one after the other, with no new start.
    assert [invoke(server.port, {"gate": str(gate), "reply": 7}).json() for _ in range(3)] == [7, 7, 7]
    assert server.pool.stats()["started"] == 2


def test_one_request_after_another_is_never_throttled(serve):
    # The caller has its answer before the environment is back in the pool: the next request
    # waits for it rather than getting a 429 (Lambda never throttles requests that do not overlap).
    server = serve("cases.echo", max_environments=1)
    assert [invoke(server.port, {"n": n}).json() for n in range(200)] == [{"n": n} for n in range(200)]
    assert server.pool.stats()["started"] == 1


def test_managed_instances_one_environment_takes_n_requests_at_once(serve, tmp_path):
    # A scripted runtime with 3 workers, each its own connection calling /next: every worker
    # answers only once 3 invocations are held at the same time.
    server = serve(command=scripted_runtime(), max_concurrency=3, max_environments=1,
                   env={"SCRIPT_WORKERS": "3"}, timeout=20)
    calls = [_in_background(invoke, server.port, {"hold": 3, "reply": n}) for n in range(3)]
    wait_until(lambda: server.pool.stats()["busy"] == 3, what="three requests in one environment")
    assert invoke(server.port, {"respond": '"fourth"'}).status == 429  # busy environments reject work
    for thread, _ in calls:
        thread.join(20)
    assert sorted(results[0].json()["reply"] for _, results in calls) == [0, 1, 2]
    assert {results[0].json()["held"] for _, results in calls} == {3}
    assert server.pool.stats()["started"] == 1


def test_managed_instances_timeout_is_reported_and_the_code_goes_on(serve, tmp_path):
    log = tmp_path / "log"
    gate = tmp_path / "gate"
    server = serve(command=scripted_runtime(), max_concurrency=2, max_environments=1, timeout=0.3,
                   env={"SCRIPT_WORKERS": "2", "SCRIPT_LOG": str(log)})
    reply = invoke(server.port, {"gate": str(gate), "reply": "late"})
    assert reply.json()["errorType"] == "Sandbox.Timedout"
    # Not stopped: the worker still holds it, so its slot is taken; the other worker serves.
    assert invoke(server.port, {"respond": '"other"'}).body == b'"other"'
    wait_until(lambda: server.pool.stats()["busy"] == 1, what="only the timed-out invocation to hold a slot")
    gate.write_text("open")
    # The late answer is refused as the managed-instance API refuses it (410), and frees the slot.
    wait_until(lambda: {"call": "response", "status": 410} in
               [json.loads(line) for line in log.read_text().splitlines()], what="the late post")
    wait_until(lambda: server.pool.stats()["busy"] == 0, what="the slot to free")
    assert server.pool.stats()["started"] == 1


def test_managed_instances_a_dead_worker_fails_only_its_invocation(serve, tmp_path):
    server = serve(command=scripted_runtime(), max_concurrency=2, max_environments=1, timeout=10,
                   env={"SCRIPT_WORKERS": "2"})
    dropped = invoke(server.port, {"drop": True})
    request_id = dropped.headers["x-amzn-requestid"]
    assert dropped.json() == {"errorType": "Runtime.ExitError",
                              "errorMessage": f"RequestId: {request_id} Error: Runtime exited without providing "
                                              "a reason"}
    assert invoke(server.port, {"respond": '"survivor"'}).body == b'"survivor"'
    assert server.pool.stats()["started"] == 1


def _load(port: int, client_id: int, count: int, outcomes: list) -> None:
    with Client(port) as client:
        for seq in range(count):
            reply = client.invoke({"client": client_id, "seq": seq})
            if reply.status == 200:
                outcomes.append(("ok", reply.json() == {"client": client_id, "seq": seq}))
            else:
                outcomes.append((reply.status, reply.body))


def test_load_16_clients_1000_requests_each_nothing_lost_every_answer_matched(serve):
    server = serve("cases.echo", max_environments=16, timeout=30)
    outcomes: list = []
    threads = [threading.Thread(target=_load, args=(server.port, n, 1000, outcomes)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == 16_000
    assert outcomes.count(("ok", True)) == 16_000


def test_load_at_the_default_maximum_the_excess_gets_429_and_nothing_else(serve):
    server = serve("cases.echo", timeout=30)  # max_environments: the default, 4
    outcomes: list = []
    threads = [threading.Thread(target=_load, args=(server.port, n, 200, outcomes)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == 3200
    assert set(outcomes) == {("ok", True), (429, THROTTLED)}  # both, and nothing else
    assert server.pool.stats()["started"] <= 4
