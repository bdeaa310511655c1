"""Environments as Lambda provisions them, in the image (issue 17): requests past the maximum wait instead of
getting 429; Lambda's 429 only from a reserved concurrency; tenant isolation. Called from the host as users
call it: boto3 (TenantId= on invoke and invoke_with_response_stream) and curl."""

import json
import subprocess
import threading

import pytest
from botocore.exceptions import ClientError
from kit.containers import FunctionContainer, docker
from kit.paths import HANDLERS
from kit.polling import wait_until
from kit.server_harness import Client, lambda_client

pytestmark = pytest.mark.docker
HEALTH = "/_local/health"
INVOKE = "/2015-03-31/functions/function/invocations"
RESERVED = b'{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}'
TENANT_REQUIRED = ("The invoked function is enabled with tenancy configuration. Add a valid tenant ID in your "
                   "request and try again.")
TENANT_NOT_ENABLED = ("The invoked function is not enabled with tenancy configuration. Remove the tenant ID from "
                      "your request and try again.")
# The server's resident memory after 16,000 requests, beside what it was after the warm-up (see
# functional/test_concurrency.py, where the same load is measured on the host).
RSS_TOLERANCE_KIB = 1024


def _local(image, handler, **env):
    return FunctionContainer(image, handler, env={"LAMBDA_EMULATOR": "local", **env}, ready_path=HEALTH,
                             options=("-v", f"{HANDLERS}:/var/task:ro"))


def _port(container) -> int:
    return int(container.url.rsplit(":", 1)[1])


def _curl(container, path: str, *args: str):
    """(status, {header: value}, body) of one curl call from the host."""
    out = subprocess.run(["curl", "-sS", "-i", *args, container.url + path], capture_output=True, check=True,
                         timeout=120).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {name.lower(): value for name, _, value in (line.partition(": ") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _health(container) -> dict:
    return json.loads(_curl(container, HEALTH)[2])


def _rss_kib(container) -> int:
    status = docker("exec", container.name, "cat", "/proc/1/status").stdout  # the server: the first process
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))


def _load(port: int, clients: int, count: int) -> list:
    outcomes: list = []

    def one_client(client_id):
        with Client(port, timeout=120) as client:
            for seq in range(count):
                reply = client.invoke({"client": client_id, "seq": seq})
                ok = reply.status == 200 and reply.json() == {"client": client_id, "seq": seq}
                outcomes.append(("ok", True) if ok else (reply.status, reply.body))

    threads = [threading.Thread(target=one_client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(900)
    return outcomes


def test_defaults_16_clients_1000_requests_each_every_answer_200_and_memory_flat(x86_images):
    # The defaults (4 environments, no reserved concurrency); a timeout a loaded 2-core machine's inits fit in.
    with _local(x86_images[0], "cases.echo", AWS_LAMBDA_FUNCTION_TIMEOUT="30") as container:
        assert _load(_port(container), 16, 50).count(("ok", True)) == 800  # warm-up
        before = _rss_kib(container)
        outcomes = _load(_port(container), 16, 1000)
        after = _rss_kib(container)
        health = wait_until(lambda: (h := _health(container))["busy"] == 0 and h, what="every environment free")
        logs = container.logs()
    assert len(outcomes) == 16_000
    assert outcomes.count(("ok", True)) == 16_000
    assert (health["environments"], health["maxEnvironments"], health["started"], health["waiting"]) == (4, 4, 4, 0)
    assert after - before <= RSS_TOLERANCE_KIB, f"RSS {before} KiB -> {after} KiB"
    assert [line for line in logs.splitlines() if line.startswith("local-server:") and "429" in line] == []


def test_reserved_concurrency_2_the_excess_gets_lambdas_429_and_the_rest_200(x86_images):
    with _local(x86_images[0], "local_cases.gate", LAMBDA_LOCAL_RESERVED_CONCURRENCY="2",
                AWS_LAMBDA_FUNCTION_TIMEOUT="30") as container:
        held = [threading.Thread(target=_curl, args=(container, INVOKE, "-d", json.dumps(
            {"gate": "/tmp/gate", "reply": n}))) for n in range(2)]
        for thread in held:
            thread.start()
        wait_until(lambda: _health(container)["busy"] == 2, what="two requests running")
        status, headers, body = _curl(container, INVOKE, "-d", "{}")
        assert (status, headers["x-amzn-errortype"], body) == (429, "TooManyRequestsException", RESERVED)
        with pytest.raises(ClientError) as raised:
            lambda_client(_port(container)).invoke(FunctionName="function", Payload=b"{}")
        assert (raised.value.response["Error"]["Code"], raised.value.response["Reason"]) == (
            "TooManyRequestsException", "ReservedFunctionConcurrentInvocationLimitExceeded")
        docker("exec", container.name, "touch", "/tmp/gate")
        for thread in held:
            thread.join(60)
    with _local(x86_images[0], "cases.echo", LAMBDA_LOCAL_RESERVED_CONCURRENCY="2",
                AWS_LAMBDA_FUNCTION_TIMEOUT="30") as container:
        outcomes = _load(_port(container), 16, 1000)
        started = _health(container)["started"]
    assert len(outcomes) == 16_000
    assert set(outcomes) == {("ok", True), (429, RESERVED)}  # both, and nothing else
    assert started <= 2


def test_past_the_maximum_requests_and_events_wait_their_turn(x86_images):
    with _local(x86_images[0], "local_cases.gate", LAMBDA_LOCAL_MAX_ENVIRONMENTS="1",
                AWS_LAMBDA_FUNCTION_TIMEOUT="30") as container:
        log = {"gate": "/tmp/gate", "log": "/tmp/log"}
        results = {}
        first = threading.Thread(target=lambda: results.setdefault(0, _curl(
            container, INVOKE, "-d", json.dumps({**log, "reply": 0}))))
        first.start()
        wait_until(lambda: _health(container)["busy"] == 1, what="the one environment busy")
        assert _curl(container, INVOKE, "-H", "X-Amz-Invocation-Type: Event", "-d",
                     json.dumps({**log, "reply": "event"}))[0] == 202
        second = threading.Thread(target=lambda: results.setdefault(1, _curl(
            container, INVOKE, "-d", json.dumps({**log, "reply": 1}))))
        wait_until(lambda: _health(container)["waiting"] == 1, what="the event in line")
        second.start()
        wait_until(lambda: _health(container)["waiting"] == 2, what="the event and a request in line")
        docker("exec", container.name, "touch", "/tmp/gate")
        first.join(60)
        second.join(60)
        assert [(results[n][0], results[n][2]) for n in (0, 1)] == [(200, b"0"), (200, b"1")]
        assert docker("exec", container.name, "cat", "/tmp/log").stdout.split() == ["0", "event", "1"]


def test_tenant_isolation_with_boto3_and_curl(x86_images):
    with _local(x86_images[0], "local_cases.tenant_probe", LAMBDA_LOCAL_TENANT_ISOLATION_MODE="PER_TENANT",
                LAMBDA_LOCAL_MAX_ENVIRONMENTS="2") as container:
        client = lambda_client(_port(container))
        blue = json.loads(client.invoke(FunctionName="function", TenantId="blue", Payload=b'{"reply": 1}')[
            "Payload"].read())
        streamed = client.invoke_with_response_stream(FunctionName="function", TenantId="green", Payload=b"{}")
        green = json.loads(b"".join(event["PayloadChunk"]["Payload"] for event in streamed["EventStream"]
                                    if "PayloadChunk" in event))
        status, _, body = _curl(container, INVOKE, "-H", "X-Amz-Tenant-Id: blue", "-d", '{"reply": 2}')
        blue_again = json.loads(body)
        assert (blue["tenant"], blue["first"], green["tenant"], green["first"]) == ("blue", "blue", "green", "green")
        assert (status, blue_again["tenant"], blue_again["first"], blue_again["pid"]) == (
            200, "blue", "blue", blue["pid"])  # warm reuse within the tenant
        red = json.loads(_curl(container, INVOKE, "-H", "X-Amz-Tenant-Id: red", "-d", "{}")[2])
        assert (red["tenant"], red["first"]) == ("red", "red")  # in a new environment: another tenant's retired
        assert red["pid"] not in (blue["pid"], green["pid"])
        assert _health(container)["environments"] == 2
        status, headers, body = _curl(container, INVOKE, "-d", "{}")
        assert (status, headers["x-amzn-errortype"], json.loads(body)) == (
            400, "InvalidParameterValueException", {"Type": "User", "message": TENANT_REQUIRED})
        with pytest.raises(ClientError) as raised:
            client.invoke(FunctionName="function", Payload=b"{}")
        assert (raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]) == (
            "InvalidParameterValueException", TENANT_REQUIRED)
        assert client.invoke(FunctionName="function", TenantId="blue", InvocationType="Event",
                             Payload=b'{"log": "/tmp/log", "reply": "e"}')["StatusCode"] == 202
        wait_until(lambda: docker("exec", container.name, "cat", "/tmp/log", check=False).stdout == "blue blue e\n",
                   what="the tenant's Event invocation")
        assert _curl(container, "/any/url", "-H", "X-Amz-Tenant-Id: blue")[0] == 404  # no function URL


def test_a_tenant_id_for_a_function_without_tenant_isolation(x86_images):
    with _local(x86_images[0], "cases.echo") as container:
        status, headers, body = _curl(container, INVOKE, "-H", "X-Amz-Tenant-Id: blue", "-d", "{}")
        assert (status, headers["x-amzn-errortype"], json.loads(body)) == (
            400, "InvalidParameterValueException", {"Type": "User", "message": TENANT_NOT_ENABLED})
        with pytest.raises(ClientError) as raised:
            lambda_client(_port(container)).invoke_with_response_stream(FunctionName="function", TenantId="blue",
                                                                        Payload=b"{}")
        assert (raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]) == (
            "InvalidParameterValueException", TENANT_NOT_ENABLED)
