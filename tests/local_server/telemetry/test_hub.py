"""An environment's telemetry, fed as the environment will feed it, delivered to real listeners:
every record in its order, for both APIs, every schema version, managed instances, tenants."""

import json

import pytest
from kit.polling import wait_until
from kit.schema_check import LOGS, TELEMETRY, problems
from kit.telemetry_listeners import HttpListener, free_port

from local_server.telemetry import hub as hub_module
from local_server.telemetry.facts import (
    MANAGED_INSTANCES,
    SUCCESS,
    TIMEOUT,
    FunctionFacts,
    Invoke,
    Report,
    ResponseTimes,
    RuntimeDone,
    fault_status,
)
from local_server.telemetry.hub import TelemetryHub

T = 1795460638.39
TIME = "2026-11-23T19:03:58.390Z"
FN = FunctionFacts("fn", "$LATEST", "arn:aws:lambda:us-east-1:012345678912:function:fn", 128)
OK = (200, [("Content-Type", "application/json")], b'"OK"')
TELEMETRY_PATH, LOGS_PATH = "/2022-07-01/telemetry", "/2020-08-15/logs"


def body(uri, version="2022-12-13", types=("platform", "function", "extension"), timeout_ms=25):
    return json.dumps({"schemaVersion": version, "types": list(types), "buffering": {"timeoutMs": timeout_ms},
                       "destination": {"protocol": "HTTP", "URI": uri}}).encode()


@pytest.fixture
def listeners():
    made = []

    def _listener():
        made.append(HttpListener())
        return made[-1]

    yield _listener
    for listener in made:
        listener.close()


@pytest.fixture
def hubs():
    made = []

    def _hub(fn=FN):
        made.append(TelemetryHub(fn, clock=lambda: T))
        return made[-1]

    yield _hub
    for hub in made:
        hub.close(0.0)


def kinds(events):
    return [event["type"] for event in events]


FIRST = Invoke("r-1")


def one_invocation(hub, invoke=FIRST, output=b"hello\n"):
    hub.invoke_start(invoke)
    hub.function_output("runtime:stdout", output)
    times = ResponseTimes(T, T + 0.002, T + 0.003)
    hub.runtime_done(invoke, RuntimeDone(SUCCESS, times, T + 0.004, produced_bytes=2))
    hub.report(invoke, Report(SUCCESS, 4.0, 5, 40, init_duration_ms=120.0, times=times))


def test_an_on_demand_lifecycle_on_the_telemetry_api(hubs, listeners):
    hub, listener = hubs(), listeners()
    hub.init_start()
    hub.function_output("runtime:stderr", b"init line\n")
    assert hub.subscribe("PUT", TELEMETRY_PATH, "ext", body(listener.uri), init_over=False) == OK
    hub.init_runtime_done(SUCCESS)
    hub.extension_state("ext", ["INVOKE", "SHUTDOWN"])
    hub.init_report(120.0, SUCCESS)
    one_invocation(hub)
    hub.extension_output("ext:stdout", b"from the extension\n")
    assert hub.close(10.0)
    events = listener.events()
    assert events == [
        {"time": TIME, "type": "platform.initStart", "record": {
            "initializationType": "on-demand", "phase": "init", "functionName": "fn", "functionVersion": "$LATEST"}},
        {"time": TIME, "type": "function", "record": "init line\n"},
        {"time": TIME, "type": "platform.telemetrySubscription", "record": {
            "name": "ext", "state": "Subscribed", "types": ["platform", "function", "extension"]}},
        {"time": TIME, "type": "platform.initRuntimeDone", "record": {
            "initializationType": "on-demand", "phase": "init", "status": "success"}},
        {"time": TIME, "type": "platform.extension", "record": {
            "name": "ext", "state": "Ready", "events": ["INVOKE", "SHUTDOWN"]}},
        {"time": TIME, "type": "platform.initReport", "record": {
            "initializationType": "on-demand", "phase": "init", "status": "success", "metrics": {"durationMs": 120.0}}},
        {"time": TIME, "type": "platform.start", "record": {"requestId": "r-1", "version": "$LATEST"}},
        {"time": TIME, "type": "function", "record": "hello\n"},
        {"time": TIME, "type": "platform.runtimeDone", "record": {
            "requestId": "r-1", "status": "success", "metrics": {"durationMs": 4.0, "producedBytes": 2},
            "spans": [{"name": "responseLatency", "start": TIME, "durationMs": 2.0},
                      {"name": "responseDuration", "start": "2026-11-23T19:03:58.392Z", "durationMs": 1.0},
                      {"name": "runtimeOverhead", "start": "2026-11-23T19:03:58.393Z", "durationMs": 1.0}]}},
        {"time": TIME, "type": "platform.report", "record": {
            "requestId": "r-1", "status": "success", "metrics": {
                "durationMs": 4.0, "billedDurationMs": 5, "memorySizeMB": 128, "maxMemoryUsedMB": 40,
                "initDurationMs": 120.0}}},
        {"time": TIME, "type": "extension", "record": "from the extension\n"}]
    assert problems(TELEMETRY, events) == []


def test_the_logs_api_gets_its_own_records(hubs, listeners):
    hub, listener = hubs(), listeners()
    hub.init_start()
    assert hub.subscribe("PUT", LOGS_PATH, "otel-extension", body(f"http://sandbox:{listener.port}", "2021-03-18"),
                         init_over=False) == OK
    hub.extension_state("otel-extension", ["INVOKE", "SHUTDOWN"])
    hub.init_report(10.0, SUCCESS)
    one_invocation(hub)
    crash = Invoke("r-2")
    hub.invoke_start(crash)
    hub.runtime_done(crash, RuntimeDone(fault_status("Runtime.ExitError"), ResponseTimes(T), T + 0.5,
                                        error_type="Runtime.ExitError"))
    hub.report(crash, Report("error", 500.0, 500, 40, error_type="Runtime.ExitError"))
    assert hub.close(10.0)
    events = listener.events()
    assert [(event["type"], event["record"]) for event in events] == [
        ("platform.logsSubscription", {"name": "otel-extension", "state": "Subscribed",
                                       "types": ["platform", "function", "extension"]}),
        ("platform.extension", {"name": "otel-extension", "state": "Ready", "events": ["INVOKE", "SHUTDOWN"]}),
        ("platform.start", {"requestId": "r-1", "version": "$LATEST"}),
        ("function", "hello\n"),
        ("platform.runtimeDone", {"requestId": "r-1", "status": "success"}),
        ("platform.end", {"requestId": "r-1"}),
        ("platform.report", {"requestId": "r-1", "metrics": {"durationMs": 4.0, "billedDurationMs": 5,
                                                             "memorySizeMB": 128, "maxMemoryUsedMB": 40,
                                                             "initDurationMs": 120.0}}),
        ("platform.start", {"requestId": "r-2", "version": "$LATEST"}),
        ("platform.runtimeDone", {"requestId": "r-2", "status": "failure"}),
        ("platform.fault", "RequestId: r-2 Status: error\tErrorType: Runtime.ExitError"),
        ("platform.end", {"requestId": "r-2"}),
        ("platform.report", {"requestId": "r-2", "metrics": {"durationMs": 500.0, "billedDurationMs": 500,
                                                             "memorySizeMB": 128, "maxMemoryUsedMB": 40}})]
    assert problems(LOGS, events) == []


def test_subscriptions_close_with_init_and_follow_the_rules(hubs, listeners):
    hub, listener = hubs(), listeners()
    assert hub.subscribe("PUT", LOGS_PATH, "ext", body(listener.uri, "2020-08-15"), init_over=False) == OK
    assert hub.subscribe("PUT", TELEMETRY_PATH, "ext", body(listener.uri), init_over=False)[0] == 400
    assert hub.subscribe("GET", TELEMETRY_PATH, "ext", body(listener.uri), init_over=False) == (
        405, [("Allow", "PUT")], b"")
    assert hub.subscribe("PUT", TELEMETRY_PATH + "/", "other", body(listener.uri), init_over=True) == (
        403, [("Content-Type", "application/json")],
        b'{"errorMessage":"Telemetry API subscription is closed already","errorType":"Telemetry.SubscriptionClosed"}')
    assert (TelemetryHub.handles(LOGS_PATH), TelemetryHub.handles("/2020-01-01/extension/register")) == (True, False)
    with pytest.raises(ValueError, match="not a subscription path"):
        hub.subscribe("PUT", "/2020-01-01/extension/register", "ext", b"{}", init_over=False)
    assert len(hub.subscribed) == 1 and hub.any_subscription


def test_the_opentelemetry_collector_subscribes_twice(hubs, listeners):
    # The collector's lifecycle listener (platform) and its telemetryapi receiver (its own types and
    # port), one extension id; then the same request again, as after a re-init.
    hub, lifecycle, receiver = hubs(), listeners(), listeners()
    hub.init_start()
    assert hub.subscribe("PUT", TELEMETRY_PATH, "collector", body(lifecycle.uri + "/", types=["platform"]),
                         init_over=False) == OK
    assert hub.subscribe("PUT", TELEMETRY_PATH, "collector", body(receiver.uri, types=["platform", "function"]),
                         init_over=False) == OK
    assert hub.subscribe("PUT", TELEMETRY_PATH, "collector", body(lifecycle.uri + "/", types=["platform"]),
                         init_over=False) == OK
    one_invocation(hub)
    assert hub.close(10.0)
    subscribed = [(e["record"]["state"], e["record"]["types"]) for e in lifecycle.events()
                  if e["type"] == "platform.telemetrySubscription"]
    assert subscribed == [("Subscribed", ["platform"]), ("Subscribed", ["platform", "function"]),
                          ("Already subscribed", ["platform"])]
    assert kinds(lifecycle.events()) == ["platform.initStart"] + ["platform.telemetrySubscription"] * 3 + [
        "platform.start", "platform.runtimeDone", "platform.report"]
    assert kinds(receiver.events()) == ["platform.initStart"] + ["platform.telemetrySubscription"] * 3 + [
        "platform.start", "function", "platform.runtimeDone", "platform.report"]
    assert len(hub.subscribed) == 2


def test_runtime_done_arrives_before_the_next_invocation_100_times(hubs, listeners):
    # What the OpenTelemetry collector waits for before each event/next (lifecycle/manager.go).
    hub, listener = hubs(), listeners()
    hub.subscribe("PUT", TELEMETRY_PATH, "collector", json.dumps({
        "schemaVersion": "2022-12-13", "types": ["platform"],
        "buffering": {"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25},
        "destination": {"protocol": "HTTP", "URI": listener.uri + "/", "method": "POST", "encoding": "JSON"}}).encode(),
        init_over=False)
    for i in range(100):
        invoke = Invoke(f"r-{i}")
        hub.invoke_start(invoke)
        hub.runtime_done(invoke, RuntimeDone(SUCCESS, ResponseTimes(T, T, T), T, 2))
        wait_until(lambda id=invoke.request_id: any(
            e["type"] == "platform.runtimeDone" and e["record"]["requestId"] == id for e in listener.events()),
            f"runtimeDone of invocation {i}")
        hub.report(invoke, Report(SUCCESS, 1.0, 1, 40))
    assert hub.close(10.0)
    assert kinds(listener.events()) == ["platform.telemetrySubscription"] + [
        "platform.start", "platform.runtimeDone", "platform.report"] * 100


def test_json_logs_per_schema_version_and_tenants(hubs, listeners):
    hub = hubs(FunctionFacts("fn", "$LATEST", "arn:fn", 128, log_format="JSON"))
    old, new, latest = listeners(), listeners(), listeners()
    hub.subscribe("PUT", TELEMETRY_PATH, "a", body(old.uri, "2022-07-01"), init_over=False)
    hub.subscribe("PUT", TELEMETRY_PATH, "b", body(new.uri, "2022-12-13"), init_over=False)
    hub.subscribe("PUT", TELEMETRY_PATH, "c", body(latest.uri, "2025-01-29"), init_over=False)
    line = b'{"timestamp":"t","level":"INFO","requestId":"r-1","tenantId":"Blue","message":"hi"}\n'
    one_invocation(hub, Invoke("r-1", trace_id="Root=1-a", tenant_id="Blue"), output=line + b"print\n")
    assert hub.close(10.0)
    logs = {name: [e["record"] for e in listener.events() if e["type"] == "function"]
            for name, listener in (("old", old), ("new", new), ("latest", latest))}
    parsed = json.loads(line)
    assert logs == {"old": [line.decode(), "print\n"], "new": [parsed, "print\n"], "latest": [parsed, "print\n"]}
    starts = [next(e["record"] for e in listener.events() if e["type"] == "platform.start")
              for listener in (old, latest)]
    tracing = {"type": "X-Amzn-Trace-Id", "value": "Root=1-a"}
    assert starts == [{"requestId": "r-1", "tenantId": "Blue", "version": "$LATEST", "tracing": tracing},
                      {"requestId": "r-1", "tenantId": "Blue", "version": "$LATEST", "functionArn": "arn:fn",
                       "tracing": tracing}]
    for listener in (old, new, latest):
        assert problems(TELEMETRY, listener.events()) == []
        done = [e["record"] for e in listener.events() if e["type"] in ("platform.runtimeDone", "platform.report")]
        assert [(record["tenantId"], record["tracing"]) for record in done] == [("Blue", tracing)] * 2


def test_managed_instances(hubs, listeners):
    fn = FunctionFacts("fn", "$LATEST", "arn:fn", 128, init_type=MANAGED_INSTANCES, managed=True, log_format="JSON")
    hub, listener = hubs(fn), listeners()
    hub.init_start()
    assert hub.subscribe("PUT", TELEMETRY_PATH, "ext", body(listener.uri, "2022-12-13"), init_over=False)[0] == 400
    assert hub.subscribe("PUT", LOGS_PATH, "ext", body(listener.uri, "2021-03-18"), init_over=False)[0] == 404
    assert hub.subscribe("PUT", TELEMETRY_PATH, "ext", body(listener.uri, "2025-01-29"), init_over=False) == OK
    hub.init_report(10.0, SUCCESS)
    one_invocation(hub)
    assert hub.close(10.0)
    events = listener.events()
    assert kinds(events) == ["platform.initStart", "platform.telemetrySubscription", "platform.initReport",
                             "platform.start", "function", "platform.report"]  # no platform.runtimeDone
    assert events[-1]["record"] == {
        "requestId": "r-1", "status": "success", "metrics": {"durationMs": 4.0},
        "spans": [{"name": "responseLatency", "start": TIME, "durationMs": 2.0},
                  {"name": "responseDuration", "start": "2026-11-23T19:03:58.392Z", "durationMs": 1.0}]}
    assert events[0]["record"]["initializationType"] == "lambda-managed-instances"
    assert problems(TELEMETRY, events) == []


def test_a_late_subscriber_is_told_what_init_records_it_missed(hubs, listeners, monkeypatch):
    monkeypatch.setattr(hub_module, "REPLAY_LIMIT", 3)
    hub, listener = hubs(), listeners()
    hub.init_start()
    hub.function_output("runtime:stdout", b"one\ntwo\nthree\nfour\n")
    hub.subscribe("PUT", TELEMETRY_PATH, "ext", body(listener.uri), init_over=False)
    assert hub.close(10.0)
    assert [(e["type"], e["record"]) for e in listener.events()] == [
        ("platform.logsDropped", {"droppedBytes": 11, "droppedRecords": 2, "reason": (
            "Some logs were dropped because the downstream consumer is slower than the logs production rate")}),
        ("platform.initStart", {"initializationType": "on-demand", "phase": "init", "functionName": "fn",
                                "functionVersion": "$LATEST"}),
        ("function", "one\n"), ("function", "two\n"),
        ("platform.telemetrySubscription", {"name": "ext", "state": "Subscribed",
                                            "types": ["platform", "function", "extension"]})]


def test_output_is_cut_into_lines_per_pipe(hubs, listeners):
    hub, listener = hubs(), listeners()
    hub.subscribe("PUT", TELEMETRY_PATH, "ext", body(listener.uri, types=["function", "extension"]), init_over=False)
    hub.function_output("runtime:stdout", b"a1 ")
    hub.function_output("runtime:stderr", b"b1\nb")
    hub.extension_output("ext:stdout", b"e1")
    hub.function_output("runtime:stdout", b"a2\na3")
    hub.output_ended("runtime:stdout")
    hub.output_ended("unknown")
    assert hub.close(10.0)  # ends the other pipes' last lines
    assert [(e["type"], e["record"]) for e in listener.events()] == [
        ("function", "b1\n"), ("function", "a1 a2\n"), ("function", "a3"), ("function", "b"), ("extension", "e1")]


def test_without_subscribers_after_init_nothing_is_kept(hubs):
    hub = hubs()
    hub.init_start()
    hub.function_output("runtime:stdout", b"partial")
    hub.invoke_start(Invoke("r-1"))
    assert hub.replay is None and hub.wanted == set()
    hub.function_output("runtime:stdout", b" more\nand more")
    assert hub.splitters["runtime:stdout"][1].partial == b"partial"  # not fed since: nobody can listen
    assert hub.subscribe("PUT", TELEMETRY_PATH, "ext", body("http://sandbox:1"), init_over=True)[0] == 403


def test_a_dead_destination_never_holds_the_environment(hubs):
    hub = hubs()
    hub.subscribe("PUT", TELEMETRY_PATH, "ext", body(f"http://sandbox.localdomain:{free_port()}"), init_over=False)
    for i in range(200):
        one_invocation(hub, Invoke(f"r-{i}"))
    assert hub.flush(0.2) is False
    assert hub.close(0.2) is False
    assert not hub.subscribed[0].subscriber.thread.is_alive()


def test_a_timeout_on_both_apis(hubs, listeners):
    hub, telemetry, logs = hubs(), listeners(), listeners()
    hub.subscribe("PUT", TELEMETRY_PATH, "a", body(telemetry.uri, types=["platform"]), init_over=False)
    hub.subscribe("PUT", LOGS_PATH, "b", body(logs.uri, "2021-03-18", types=["platform"]), init_over=False)
    invoke = Invoke("r-9")
    hub.invoke_start(invoke)
    hub.runtime_done(invoke, RuntimeDone(TIMEOUT, ResponseTimes(T), T + 3, error_type="Sandbox.Timedout"))
    hub.report(invoke, Report(TIMEOUT, 3000.0, 3000, 50, error_type="Sandbox.Timedout"))
    assert hub.close(10.0)
    assert [e["record"] for e in telemetry.events()][-2:] == [
        {"requestId": "r-9", "status": "timeout", "metrics": {"durationMs": 3000.0, "producedBytes": 0}},
        {"requestId": "r-9", "status": "timeout", "metrics": {"durationMs": 3000.0, "billedDurationMs": 3000,
                                                              "memorySizeMB": 128, "maxMemoryUsedMB": 50}}]
    assert [(e["type"], e["record"]) for e in logs.events()][-4:] == [
        ("platform.runtimeDone", {"requestId": "r-9", "status": "timeout"}),
        ("platform.fault", "RequestId: r-9 Status: timeout"),
        ("platform.end", {"requestId": "r-9"}),
        ("platform.report", {"requestId": "r-9", "metrics": {"durationMs": 3000.0, "billedDurationMs": 3000,
                                                             "memorySizeMB": 128, "maxMemoryUsedMB": 50}})]
    assert problems(TELEMETRY, telemetry.events()) == [] and problems(LOGS, logs.events()) == []


def test_under_a_flood_every_record_is_delivered_or_counted(hubs, listeners):
    hub, listener = hubs(), listeners()
    hub.subscribe("PUT", TELEMETRY_PATH, "ext", body(listener.uri, types=["platform", "function"]), init_over=False)
    listener.gate.clear()  # a listener that sits on the first batch while 20,000 records come
    for i in range(5000):
        one_invocation(hub, Invoke(f"r-{i}"))
    listener.gate.set()
    assert hub.close(30.0)
    events = listener.events()
    dropped = [event["record"] for event in events if event["type"] == "platform.logsDropped"]
    assert dropped and {record["reason"] for record in dropped} == {
        "Some logs were dropped because the downstream consumer is slower than the logs production rate"}
    delivered = len(events) - len(dropped)
    assert delivered + sum(record["droppedRecords"] for record in dropped) == 1 + 5000 * 4
    assert problems(TELEMETRY, events) == []
