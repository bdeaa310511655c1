"""The Telemetry API wired into the local server, seen by an extension with the OpenTelemetry
collector's lifecycle (scripted/telemetry_extension.py): every platform record of init and of
each invocation, in order, runtimeDone for every invocation whatever its end (so the
extension never hangs), the figures the REPORT line has, what is buffered delivered before
SHUTDOWN; every batch checked against the schema written from AWS's pages."""

import re

from kit.polling import wait_until
from kit.schema_check import TELEMETRY, problems
from kit.server_harness import Client, invoke, scripted_runtime
from kit.telemetry_wired import batches, entries, events, install, invokes

LISTEN = {"TELEMETRY_EXT_LISTEN": "127.0.0.1"}  # in a container: sandbox.localdomain (see containers/)


# Init's records: the subscription comes while the runtime initialises, or after (then init's
# records so far are replayed to it first, as Lambda does).
INIT = ["platform.initStart", "platform.telemetrySubscription", "platform.initRuntimeDone", "platform.extension",
        "platform.initReport"]
INIT_RUNTIME_FIRST = ["platform.initStart", "platform.initRuntimeDone", "platform.telemetrySubscription",
                      "platform.extension", "platform.initReport"]


def _init_and(seen, *invocations):
    """The record types: init's (in one of its two orders), then those given."""
    kinds = _kinds(seen)
    assert kinds[:5] in (INIT, INIT_RUNTIME_FIRST), kinds[:5]
    return kinds[5:] == list(invocations)


def _kinds(seen):
    return [event["type"] for event in events(seen)]


def _report_line(stdout: str, request_id: str) -> dict:
    line = next(line for line in stdout.splitlines() if line.startswith(f"REPORT RequestId: {request_id}\t"))
    return dict(re.findall(r"\t([A-Za-z ]+): ([0-9.]+)", line))


def test_the_collectors_lifecycle_for_100_invocations_without_a_hang(serve, tmp_path):
    log = tmp_path / "log"
    install(tmp_path / "extensions", "collector")
    server = serve("cases.echo", extensions_dir=str(tmp_path / "extensions"), max_environments=1,
                   env={"TELEMETRY_EXT_LOG": str(log), **LISTEN})
    with Client(server.port) as client:
        ids = []
        for n in range(100):
            reply = client.invoke({"n": n})
            assert reply.json() == {"n": n}
            ids.append(reply.headers["x-amzn-requestid"])
    # Each INVOKE was let go only once its platform.runtimeDone had arrived: the extension asked
    # for its next event every time, and the next INVOKE came.
    wait_until(lambda: len(invokes(entries(log))) == 100, what="the extension through 100 invocations")
    wait_until(lambda: _kinds(entries(log)).count("platform.report") == 100, what="100 reports")
    seen = entries(log)
    assert [(entry["invoke"], entry["runtime_done"]) for entry in invokes(seen)] == [(i, "success") for i in ids]
    assert seen[0] == {"subscribe": 200, "answer": '"OK"', "types": ["platform"], "pid": seen[0]["pid"],
                       "extension": "collector"}
    assert _init_and(seen, *["platform.start", "platform.runtimeDone", "platform.report"] * 100)
    assert [problems(TELEMETRY, batch) for batch in batches(seen)] == [[] for _ in batches(seen)]
    assert server.pool.stats()["started"] == 1

    init = {event["type"]: event["record"] for event in events(seen)[:5]}
    assert init["platform.initStart"] == {"initializationType": "on-demand", "phase": "init",
                                          "functionName": "test_function", "functionVersion": "$LATEST"}
    assert init["platform.telemetrySubscription"] == {"name": "collector", "state": "Subscribed",
                                                      "types": ["platform"]}
    assert init["platform.initRuntimeDone"] == {"initializationType": "on-demand", "phase": "init",
                                                "status": "success"}
    assert init["platform.extension"] == {"name": "collector", "state": "Ready", "events": ["INVOKE", "SHUTDOWN"]}
    assert set(init["platform.initReport"]) == {"initializationType", "phase", "status", "metrics"}

    stdout = server.console.stdout.decode()
    for index, request_id in enumerate(ids):
        start, done, report = (event["record"] for event in events(seen)[5 + 3 * index: 8 + 3 * index])
        assert start == {"requestId": request_id, "version": "$LATEST"}
        produced = len(f'{{"n": {index}}}')
        assert (done["requestId"], done["status"], done["metrics"]["producedBytes"]) == (request_id, "success",
                                                                                          produced)
        assert [span["name"] for span in done["spans"]] == ["responseLatency", "responseDuration", "runtimeOverhead"]
        # platform.report tells what the REPORT line tells.
        line = _report_line(stdout, request_id)
        metrics = report["metrics"]
        assert (report["requestId"], report["status"]) == (request_id, "success")
        assert abs(metrics["durationMs"] - float(line["Duration"])) <= 0.006
        assert (metrics["billedDurationMs"], metrics["memorySizeMB"], metrics["maxMemoryUsedMB"]) == (
            int(line["Billed Duration"]), 128, int(line["Max Memory Used"]))
        assert ("initDurationMs" in metrics) == (index == 0) == ("Init Duration" in line)
        # The extension had the INVOKE event: its time is the report's extensionOverhead.
        assert [span["name"] for span in report["spans"]] == ["extensionOverhead"]


def test_runtime_done_for_an_error_a_timeout_and_a_crash(serve, tmp_path):
    log = tmp_path / "log"
    install(tmp_path / "extensions", "collector")
    server = serve(command=scripted_runtime(), extensions_dir=str(tmp_path / "extensions"), timeout=1.0,
                   env={"TELEMETRY_EXT_LOG": str(log), **LISTEN})
    with Client(server.port) as client:
        ids = [client.invoke(payload).headers["x-amzn-requestid"] for payload in (
            {"respond": '"fine"'},
            {"error": {"errorType": "BadThing", "errorMessage": "no"}, "type": "BadThing"},
            {"gate": str(tmp_path / "never")},  # the timeout: the runtime is reset
            {"exit": 3})]  # a new environment (and extension); its runtime crashes
    wait_until(lambda: len(invokes(entries(log))) == 4, what="the extension to see every invocation end")
    seen = entries(log)
    assert [(entry["invoke"], entry["runtime_done"]) for entry in invokes(seen)] == list(zip(
        ids, ["success", "error", "timeout", "error"]))
    wait_until(lambda: _kinds(entries(log)).count("platform.report") == 4, what="four reports")
    seen = entries(log)
    done = {event["record"]["requestId"]: event["record"] for event in events(seen)
            if event["type"] == "platform.runtimeDone"}
    reports = {event["record"]["requestId"]: event["record"] for event in events(seen)
               if event["type"] == "platform.report"}
    assert [(done[i]["status"], done[i].get("errorType")) for i in ids] == [
        ("success", None), ("error", "BadThing"), ("timeout", None), ("error", "Runtime.ExitError")]
    assert [(reports[i]["status"], reports[i].get("errorType")) for i in ids] == [
        ("success", None), ("error", "BadThing"), ("timeout", None), ("error", "Runtime.ExitError")]
    # The timed-out and the crashed environments told their extensions SHUTDOWN, the reports first.
    shutdowns = wait_until(lambda: [e["shutdown"] for e in entries(log) if "shutdown" in e][1:] and
                           [e["shutdown"] for e in entries(log) if "shutdown" in e], what="two SHUTDOWN events")
    assert shutdowns == ["timeout", "failure"]
    assert [problems(TELEMETRY, batch) for batch in batches(seen)] == [[] for _ in batches(seen)]


def test_what_is_buffered_is_delivered_before_shutdown(serve, tmp_path):
    log = tmp_path / "log"
    install(tmp_path / "extensions", "shipper")
    # A batch that would wait 30 s (timeoutMs) and 10,000 records: only the flush sends it.
    server = serve("cases.echo", extensions_dir=str(tmp_path / "extensions"), env={
        "TELEMETRY_EXT_LOG": str(log), "TELEMETRY_EXT_WAIT": "none", "TELEMETRY_EXT_TYPES": "platform,function",
        "TELEMETRY_EXT_BUFFERING": '{"maxItems": 10000, "maxBytes": 1048576, "timeoutMs": 30000}', **LISTEN})
    request_id = invoke(server.port, {"x": 1}).headers["x-amzn-requestid"]
    wait_until(lambda: invokes(entries(log)), what="the INVOKE event")
    assert events(entries(log)) == []
    server.stop()
    seen = entries(log)
    kinds = [(entry.get("shutdown"), [event["type"] for event in entry.get("batch", [])]) for entry in seen
             if "shutdown" in entry or "batch" in entry]
    assert [shutdown for shutdown, _ in kinds] == [None, "spindown"]  # one batch, at the flush, then SHUTDOWN
    assert kinds[0][1][:5] in (INIT, INIT_RUNTIME_FIRST)
    assert kinds[0][1][5:] == ["platform.start", "platform.runtimeDone", "platform.report"]
    assert events(seen)[-1]["record"]["requestId"] == request_id


def test_managed_instances_send_no_runtime_done(serve, tmp_path):
    log = tmp_path / "log"
    install(tmp_path / "extensions", "watcher")
    server = serve("cases.echo", extensions_dir=str(tmp_path / "extensions"), max_concurrency=2,
                   max_environments=1, env={"TELEMETRY_EXT_LOG": str(log), "TELEMETRY_EXT_WAIT": "none",
                                            "TELEMETRY_EXT_VERSION": "2025-01-29", **LISTEN})
    request_id = invoke(server.port, {"x": 1}).headers["x-amzn-requestid"]
    wait_until(lambda: "platform.report" in _kinds(entries(log)), what="the report")
    seen = entries(log)
    assert _init_and(seen, "platform.start", "platform.report")
    report = events(seen)[-1]["record"]
    assert (report["requestId"], list(report["metrics"]), [span["name"] for span in report["spans"]]) == (
        request_id, ["durationMs"], ["responseLatency", "responseDuration"])
    assert events(seen)[0]["record"]["initializationType"] == "lambda-managed-instances"
    assert [problems(TELEMETRY, batch) for batch in batches(seen)] == [[] for _ in batches(seen)]
