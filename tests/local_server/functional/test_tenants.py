"""Tenant isolation (Lambda, 2025-11): X-Amz-Tenant-Id reaches the function; with PER_TENANT an environment
serves one tenant only, reused warm within it; Lambda's refusals of a missing or unexpected tenant id."""

import json
import threading

import pytest
from botocore.exceptions import ClientError
from kit.polling import wait_until
from kit.server_harness import STREAM, call, invoke, lambda_client

TENANT_REQUIRED = ("The invoked function is enabled with tenancy configuration. Add a valid tenant ID in your "
                   "request and try again.")
TENANT_NOT_ENABLED = ("The invoked function is not enabled with tenancy configuration. Remove the tenant ID from "
                      "your request and try again.")


def _probe(server, tenant, **event):
    reply = invoke(server.port, event, {"X-Amz-Tenant-Id": tenant})
    assert reply.status == 200, reply
    return reply.json()


def _records(server, kind):
    lines = [json.loads(line) for line in server.console.stdout.decode().splitlines() if line.startswith('{"time"')]
    return [line["record"] for line in lines if line["type"] == kind]


def test_the_tenant_id_reaches_the_function_through_invoke_and_the_stream_and_the_platform_records(serve):
    server = serve("cases.context_info", tenant_isolation=True, log_format="JSON")
    client = lambda_client(server.port)
    reply = client.invoke(FunctionName="function", TenantId="blue", Payload=b"{}")
    assert (reply["StatusCode"], json.loads(reply["Payload"].read())["tenant_id"]) == (200, "blue")
    streamed = client.invoke_with_response_stream(FunctionName="function", TenantId="green", Payload=b"{}")
    chunks = b"".join(event["PayloadChunk"]["Payload"] for event in streamed["EventStream"] if "PayloadChunk" in event)
    assert json.loads(chunks)["tenant_id"] == "green"
    # A tenant id may hold any of TenantId's characters.
    assert _probe(server, "org:7/team=a+b@x.y-z_1 2")["tenant_id"] == "org:7/team=a+b@x.y-z_1 2"
    reports = wait_until(lambda: len(found := _records(server, "platform.report")) == 3 and found,
                         what="the third REPORT (written after the answer)")
    assert [record["tenantId"] for record in reports] == ["blue", "green", "org:7/team=a+b@x.y-z_1 2"]
    assert [record["tenantId"] for record in _records(server, "platform.start")] == [
        "blue", "green", "org:7/team=a+b@x.y-z_1 2"]


@pytest.mark.parametrize("headers", [{}, {"X-Amz-Tenant-Id": ""}])
def test_a_tenant_isolated_function_refuses_an_invoke_without_a_tenant_id(serve, headers):
    server = serve("cases.echo", tenant_isolation=True)
    answers = [invoke(server.port, b"{}", headers), call(server.port, "POST", STREAM, b"{}", headers),
               invoke(server.port, b"{}", {**headers, "X-Amz-Invocation-Type": "Event"})]
    for reply in answers:  # Invoke, InvokeWithResponseStream, an Event invocation
        assert (reply.status, reply.headers["x-amzn-errortype"], reply.headers["content-type"], reply.body) == (
            400, "InvalidParameterValueException", "application/json",
            json.dumps({"Type": "User", "message": TENANT_REQUIRED}, separators=(",", ":")).encode())
    with pytest.raises(ClientError) as raised:
        lambda_client(server.port).invoke(FunctionName="function", Payload=b"{}")
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("InvalidParameterValueException", TENANT_REQUIRED)
    assert server.pool.stats()["started"] == 0


def test_a_function_without_tenant_isolation_refuses_a_tenant_id(serve):
    server = serve("cases.echo")
    reply = invoke(server.port, b"{}", {"X-Amz-Tenant-Id": "blue"})
    assert (reply.status, reply.headers["x-amzn-errortype"], reply.json()) == (
        400, "InvalidParameterValueException", {"Type": "User", "message": TENANT_NOT_ENABLED})
    with pytest.raises(ClientError) as raised:
        lambda_client(server.port).invoke_with_response_stream(FunctionName="function", TenantId="blue",
                                                               Payload=b"{}")
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("InvalidParameterValueException", TENANT_NOT_ENABLED)
    assert invoke(server.port, {"no": "tenant"}).json() == {"no": "tenant"}
    # A function URL knows nothing of tenants: the header is one of the request's.
    assert call(server.port, "GET", "/x", headers={"X-Amz-Tenant-Id": "blue"}).status == 200


@pytest.mark.parametrize("tenant,constraint", [
    ("blue!", "Member must satisfy regular expression pattern: [a-zA-Z0-9\\._:\\/=+\\-@ ]+"),
    ("t" * 257, "Member must have length less than or equal to 256"),
])
def test_a_tenant_id_outside_lambdas_constraints(serve, tenant, constraint):
    server = serve("cases.echo", tenant_isolation=True)
    reply = invoke(server.port, b"{}", {"X-Amz-Tenant-Id": tenant})
    assert (reply.status, reply.headers["x-amzn-errortype"], reply.json()) == (400, "ValidationException", {
        "message": f"1 validation error detected: Value '{tenant}' at 'tenantId' failed to satisfy constraint: "
                   f"{constraint}"})
    assert _probe(server, "t" * 256, n=1) == {"n": 1}  # 256 characters are a tenant id


def test_an_environment_serves_one_tenant_reused_warm_and_at_the_maximum_another_tenants_idle_one_makes_room(serve):
    server = serve("local_cases.tenant_probe", tenant_isolation=True, max_environments=2)
    seen = []
    for tenant in ["a", "b", "a", "b", "c", "a", "b"]:
        seen.append(_probe(server, tenant))
        assert server.pool.stats()["environments"] <= 2
    assert all(probe["first"] == probe["tenant"] for probe in seen)  # never another tenant's environment
    pids = [probe["pid"] for probe in seen]
    # a and b start one each and are reused warm; c retires a's (the least recently used), a then
    # retires b's, and b retires c's.
    assert (pids[2], pids[3]) == (pids[0], pids[1])
    assert len(set(pids)) == 5 and pids[4] not in pids[:4] and pids[5] not in pids[:5] and pids[6] not in pids[:6]
    wait_until(lambda: server.pool.stats()["busy"] == 0, what="every environment free")
    assert (server.pool.stats()["started"], server.pool.stats()["environments"]) == (5, 2)


def test_one_tenants_concurrent_requests_get_environments_of_their_own_and_others_wait_their_turn(serve, tmp_path):
    server = serve("local_cases.tenant_probe", tenant_isolation=True, max_environments=2, timeout=20)
    gate = tmp_path / "gate"
    results = {}

    def call_as(name, tenant):
        results[name] = _probe(server, tenant, gate=str(gate), reply=name)

    threads = [threading.Thread(target=call_as, args=(name, "a")) for name in ("a1", "a2")]
    for thread in threads:
        thread.start()
    wait_until(lambda: server.pool.stats()["busy"] == 2, what="tenant a in two environments")
    later = [threading.Thread(target=call_as, args=("b1", "b")), threading.Thread(target=call_as, args=("a3", "a"))]
    for n, thread in enumerate(later):
        thread.start()
        wait_until(lambda n=n: server.pool.stats()["waiting"] == n + 1, what="in line")
    gate.write_text("open")
    for thread in threads + later:
        thread.join(20)
    assert {name: (probe["tenant"], probe["first"]) for name, probe in results.items()} == {
        "a1": ("a", "a"), "a2": ("a", "a"), "b1": ("b", "b"), "a3": ("a", "a")}
    assert results["b1"]["pid"] not in (results["a1"]["pid"], results["a2"]["pid"])
    assert results["a3"]["pid"] in (results["a1"]["pid"], results["a2"]["pid"])  # a's other one, still warm
    assert server.pool.stats()["started"] == 3


def test_an_event_invocation_carries_its_tenant_id(serve, tmp_path):
    server = serve("local_cases.tenant_probe", tenant_isolation=True)
    log = tmp_path / "log"
    queued = invoke(server.port, {"log": str(log), "reply": "e"},
                    {"X-Amz-Tenant-Id": "blue", "X-Amz-Invocation-Type": "Event"})
    assert queued.status == 202
    assert wait_until(lambda: log.exists() and log.read_text(), what="the event to run") == "blue blue e\n"


def test_plain_http_with_tenant_isolation_as_lambda_and_api_gateway_allow_it(serve):
    url = serve("local_cases.tenant_http", tenant_isolation=True)  # function URLs (payload format 2.0)
    refused = call(url.port, "GET", "/anything", headers={"X-Amz-Tenant-Id": "blue"})
    assert (refused.status, refused.headers["content-type"], refused.json()) == (404, "application/json", {
        "Message": "This function is configured for tenant isolation (PER_TENANT), and Lambda gives such a function "
                   "no function URL. Invoke it with X-Amz-Tenant-Id through the Invoke API, or serve plain HTTP as an "
                   "API Gateway REST API (--http-events v1), which passes the request's X-Amz-Tenant-Id on."})
    rest = serve("local_cases.tenant_http", tenant_isolation=True, http_events="v1")  # a REST API
    assert call(rest.port, "GET", "/orders", headers={"X-Amz-Tenant-Id": "blue"}).json() == {"tenant": "blue"}
    missing = call(rest.port, "GET", "/orders")
    assert (missing.status, missing.body) == (500, b'{"message":"Internal server error"}')
    lambdas = json.dumps({"Type": "User", "message": TENANT_REQUIRED}, separators=(",", ":"))
    assert rest.console.stderr.decode() == f"local-server: API Gateway's invoke refused: {lambdas}\n"
