"""START, END and REPORT as Lambda prints them, with real numbers; JSON platform records."""

import json
import math
import re

from kit.polling import wait_until
from kit.server_harness import Client, invoke

NUMBER = r"(\d+\.\d\d)"
REPORT = re.compile(rf"^REPORT RequestId: (\S+)\tDuration: {NUMBER} ms\tBilled Duration: (\d+) ms\t"
                    rf"Memory Size: (\d+) MB\tMax Memory Used: (\d+) MB\t(?:Init Duration: {NUMBER} ms\t)?(.*)$")


def _lines(server) -> list:
    return server.console.stdout.decode().splitlines()


def _reports(server, count: int = 1) -> list:
    """The REPORT lines' fields, once `count` have been written (they follow the answer)."""
    def found():
        reports = [REPORT.match(line).groups() for line in _lines(server) if line.startswith("REPORT")]
        return reports if len(reports) >= count else None
    return wait_until(found, what=f"{count} REPORT lines")


def test_start_end_report_in_order_with_init_duration_on_the_cold_start_only(serve):
    server = serve("cases.logs")
    with Client(server.port) as client:
        ids = [client.invoke().headers["x-amzn-requestid"] for _ in range(2)]
    _reports(server, 2)
    lines = [line for line in _lines(server) if line.split(" ", 1)[0] in ("START", "END", "REPORT")]
    assert [line.split("\t", 1)[0] for line in lines] == [
        f"START RequestId: {ids[0]} Version: $LATEST", f"END RequestId: {ids[0]}", f"REPORT RequestId: {ids[0]}",
        f"START RequestId: {ids[1]} Version: $LATEST", f"END RequestId: {ids[1]}", f"REPORT RequestId: {ids[1]}"]
    text = server.console.stdout.decode()
    # The function's output sits between its START and END.
    start, end = text.index(f"START RequestId: {ids[0]}"), text.index(f"END RequestId: {ids[0]}")
    assert start < text.index("printed line") < end
    (id0, duration0, billed0, memory0, used0, init0, tail0), (id1, duration1, billed1, memory1, used1, init1, tail1) = \
        _reports(server, 2)
    assert (id0, id1) == tuple(ids)
    assert init0 is not None and float(init0) > 5  # a real init: the runtime's start and import
    assert init1 is None
    # Billed: the whole milliseconds above the true duration (and init): the printed figures are
    # rounded to 0.01 ms, so the ceiling of their sum may be one below the billed figure.
    printed = float(duration0) + float(init0)
    assert math.ceil(printed) <= int(billed0) <= math.ceil(printed + 0.01)
    assert math.ceil(float(duration1)) <= int(billed1) <= math.ceil(float(duration1) + 0.005)
    assert (memory0, memory1) == ("128", "128")  # Lambda's default
    assert 5 < int(used0) <= int(used1) < 200  # the runtime's real peak, not 3008 MB
    assert tail0 == tail1 == ""  # success: the line ends with a tab


def test_configured_memory_size(serve):
    server = serve("cases.echo", memory_mb=512)
    invoke(server.port)
    assert _reports(server)[0][3] == "512"


def test_max_memory_used_counts_children_that_have_exited(serve):
    server = serve("local_cases.child_memory")
    assert invoke(server.port, {"mb": 120}).body == b'"allocated"'
    used = int(_reports(server)[0][4])
    assert used >= 120 + 5  # the child's 120 MB and the runtime's own


def test_report_status_of_failures(serve):
    server = serve("cases.exit_now", timeout=5)
    invoke(server.port, {"code": 2})
    assert _reports(server)[0][6] == "Status: error\tError Type: Runtime.ExitError"
    lines = _lines(server)
    request_id = _reports(server)[0][0]
    crash = lines.index(f"RequestId: {request_id} Error: Runtime exited with error: exit status 2")
    assert lines[crash + 1] == "Runtime.ExitError"


def test_function_error_report_has_no_status_field(serve):
    server = serve("cases.raise_error")
    invoke(server.port, b'"x"')
    assert _reports(server)[0][6] == ""


def _records(server, reports: int) -> list:
    def found():
        records = [json.loads(line) for line in _lines(server) if line.startswith('{"time"')]
        return records if sum(r["type"] == "platform.report" for r in records) >= reports else None
    return wait_until(found, what=f"{reports} platform.report records")


def test_json_platform_records(serve):
    server = serve("cases.echo", log_format="JSON")
    with Client(server.port) as client:
        request_id = client.invoke().headers["x-amzn-requestid"]
        client.invoke()
    records = _records(server, 2)
    kinds = [record["type"] for record in records]
    assert kinds == ["platform.initStart", "platform.initRuntimeDone", "platform.initReport", "platform.start",
                     "platform.runtimeDone", "platform.report", "platform.start", "platform.runtimeDone",
                     "platform.report"]
    assert records[0]["record"] == {"initializationType": "on-demand", "phase": "init",
                                    "functionName": "test_function", "functionVersion": "$LATEST"}
    assert records[1]["record"] == {"initializationType": "on-demand", "phase": "init", "status": "success"}
    assert records[3]["record"] == {"requestId": request_id, "version": "$LATEST"}
    done = records[4]["record"]
    assert (done["requestId"], done["status"], done["metrics"]["producedBytes"]) == (request_id, "success", 2)
    report = records[5]["record"]
    assert (report["requestId"], report["status"]) == (request_id, "success")
    metrics = report["metrics"]
    assert metrics["initDurationMs"] == records[2]["record"]["metrics"]["durationMs"]
    assert metrics["memorySizeMB"] == 128 and metrics["maxMemoryUsedMB"] > 5
    assert metrics["billedDurationMs"] == math.ceil(metrics["durationMs"] + metrics["initDurationMs"])
    assert "initDurationMs" not in records[8]["record"]["metrics"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", records[0]["time"])


def test_json_records_of_a_timeout(serve):
    server = serve("cases.slow", log_format="JSON", timeout=0.2)
    invoke(server.port, {"seconds": 3})
    report = _records(server, 1)[-1]["record"]
    assert (report["status"], report["errorType"]) == ("timeout", "Sandbox.Timedout")
    assert report["metrics"]["durationMs"] >= 200
