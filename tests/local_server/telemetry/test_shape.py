"""The telemetry package's shape, read from its source: pure modules without sockets, threads or
locks; nothing imported from the rest of the local server (it is a room of its own, which the
environment will use); readable module sizes; and it runs on every CPython >= 3.9 here."""

import ast
import json
import subprocess
from pathlib import Path

import pytest
from kit.interpreters import interpreters
from kit.paths import ROOT

PACKAGE = ROOT / "local_server" / "telemetry"
PURE = {"protocol", "subscription", "rules", "facts", "telemetry_records", "logs_records", "emissions", "encoding",
        "batching", "lines", "metadata"}
DELIVERY = {"transport", "subscriber", "hub"}
NOT_PURE = {"socket", "threading", "_thread", "queue", "select", "selectors", "subprocess", "asyncio",
            "multiprocessing", "http", "urllib.request"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ("local_server.telemetry." if node.level == 1 else "") + (node.module or "")
            assert node.level <= 1, f"{path.name} reaches out of the package"
            found.add(base.rstrip("."))
            if node.level == 1 and not node.module:
                found.update(f"local_server.telemetry.{alias.name}" for alias in node.names)
    return found


def _modules() -> dict[str, Path]:
    return {path.stem: path for path in sorted(PACKAGE.glob("*.py")) if path.stem != "__init__"}


def test_every_module_is_on_a_floor():
    assert set(_modules()) == PURE | DELIVERY


def test_the_pure_modules_are_pure():
    for name in sorted(PURE):
        imported = _imports(_modules()[name])
        assert {module for module in imported if module in NOT_PURE or module.split(".")[0] in NOT_PURE} == set(), name
        mine = {module.rsplit(".", 1)[-1] for module in imported if module.startswith("local_server.telemetry.")}
        assert mine <= PURE, name


def test_the_package_uses_nothing_else_of_the_local_server():
    for name, path in _modules().items():
        outside = {m for m in _imports(path) if not m.startswith("local_server.telemetry")
                   and m.split(".")[0] in ("local_server", "lambda_runtime", "lambda_runtime_api")}
        assert outside == set(), name
    assert _imports(PACKAGE / "__init__.py") == set()


def test_no_module_is_over_300_lines():
    assert {name: n for name, path in _modules().items() if (n := len(path.read_text().splitlines())) > 300} == {}


SCRIPT = r"""
import json, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
sys.path.insert(0, sys.argv[1])
from local_server.telemetry.facts import SUCCESS, FunctionFacts, Invoke, Report, ResponseTimes, RuntimeDone
from local_server.telemetry.hub import TelemetryHub

received = []
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        received.extend(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = HTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
T = 1795460638.39
hub = TelemetryHub(FunctionFacts("fn", log_format="JSON"), clock=lambda: T)
hub.init_start()
print(hub.subscribe("PUT", "/2022-07-01/telemetry", "ext", json.dumps({
    "schemaVersion": "2022-12-13", "types": ["platform", "function"], "buffering": {"timeoutMs": 25},
    "destination": {"protocol": "HTTP", "URI": "http://sandbox:%d" % server.server_address[1]}}).encode(), False))
invoke = Invoke("r-1", tenant_id="Blue")
hub.invoke_start(invoke)
hub.function_output("runtime:stdout", b'{"level":"INFO","message":"hi"}\nplain\n')
hub.runtime_done(invoke, RuntimeDone(SUCCESS, ResponseTimes(T, T, T), T, 2))
hub.report(invoke, Report(SUCCESS, 1.0, 1, 30))
print(hub.close(10.0))
print(json.dumps(received, sort_keys=True))
"""


INTERPRETERS = interpreters()

@pytest.mark.parametrize("version,python", INTERPRETERS.items(), ids=list(INTERPRETERS))
def test_it_runs_on_this_python(version, python):
    done = subprocess.run([python, "-I", "-c", SCRIPT, str(ROOT)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.stderr == ""
    answer, closed, events = done.stdout.splitlines()
    assert (answer, closed) == ("(200, [('Content-Type', 'application/json')], b'\"OK\"')", "True")
    time = "2026-11-23T19:03:58.390Z"
    assert json.loads(events) == [
        {"time": time, "type": "platform.initStart", "record": {
            "initializationType": "on-demand", "phase": "init", "functionName": "fn", "functionVersion": "$LATEST"}},
        {"time": time, "type": "platform.telemetrySubscription", "record": {
            "name": "ext", "state": "Subscribed", "types": ["platform", "function"]}},
        {"time": time, "type": "platform.start", "record": {"requestId": "r-1", "tenantId": "Blue",
                                                             "version": "$LATEST"}},
        {"time": time, "type": "function", "record": {"level": "INFO", "message": "hi"}},
        {"time": time, "type": "function", "record": "plain\n"},
        {"time": time, "type": "platform.runtimeDone", "record": {
            "requestId": "r-1", "tenantId": "Blue", "status": "success",
            "metrics": {"durationMs": 0.0, "producedBytes": 2},
            "spans": [{"name": "responseLatency", "start": time, "durationMs": 0.0},
                      {"name": "responseDuration", "start": time, "durationMs": 0.0},
                      {"name": "runtimeOverhead", "start": time, "durationMs": 0.0}]}},
        {"time": time, "type": "platform.report", "record": {
            "requestId": "r-1", "tenantId": "Blue", "status": "success", "metrics": {
                "durationMs": 1.0, "billedDurationMs": 1, "memorySizeMB": 128, "maxMemoryUsedMB": 30}}}]
