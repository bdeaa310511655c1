"""Shutdown as Lambda does it; the Extensions API for a no-op internal extension and external ones."""

import sys
import time

from kit.polling import wait_until
from kit.server_harness import ARN, SCRIPTED_EXTENSION, alive, invoke, log_lines, scripted_runtime


def _runtime_pid(server) -> int:
    return server.pool.envs[0].processes.runtime.pid


def test_without_extensions_no_sigterm_the_runtime_is_killed(serve, tmp_path):
    marker = tmp_path / "marker"
    server = serve(command=scripted_runtime(), env={"SCRIPT_MARKER": str(marker)})
    assert invoke(server.port, {"respond": '"up"'}).body == b'"up"'
    pid = _runtime_pid(server)
    server.stop()
    assert not alive(pid)
    assert not marker.exists()  # "Without extensions there is no SIGTERM"


def test_internal_extension_gets_the_runtime_sigterm(serve, tmp_path):
    marker, log = tmp_path / "marker", tmp_path / "log"
    server = serve("my.handler", command=scripted_runtime(), env={
        "SCRIPT_MARKER": str(marker), "SCRIPT_EXTENSION": "internal", "SCRIPT_LOG": str(log)})
    assert invoke(server.port, {"respond": '"up"'}).body == b'"up"'
    assert log_lines(log)[0] == {"call": "register", "status": 200, "body": {
        "functionName": "test_function", "functionVersion": "$LATEST", "handler": "my.handler"}}
    pid = _runtime_pid(server)
    server.stop()
    assert marker.read_text() == "SIGTERM"
    assert not alive(pid)


def test_runtime_that_ignores_sigterm_is_killed_after_500_ms(serve, tmp_path):
    marker = tmp_path / "marker"
    server = serve(command=scripted_runtime(), env={
        "SCRIPT_MARKER": str(marker), "SCRIPT_EXTENSION": "internal", "SCRIPT_SIGTERM": "ignore"})
    invoke(server.port, {"respond": '"up"'})
    pid = _runtime_pid(server)
    started = time.monotonic()
    server.stop()
    took = time.monotonic() - started
    assert marker.read_text() == "SIGTERM" and not alive(pid)
    assert 0.45 <= took < 2.0  # Lambda's 500 ms budget with an internal extension, then SIGKILL


def test_internal_extension_may_not_subscribe_to_shutdown(serve, tmp_path):
    log = tmp_path / "log"
    server = serve(command=scripted_runtime(), env={"SCRIPT_EXTENSION": "internal-shutdown", "SCRIPT_LOG": str(log)})
    invoke(server.port, {"respond": '"up"'})
    assert log_lines(log)[0] == {"call": "register", "status": 403, "body": {
        "errorMessage": "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension",
        "errorType": "Extension.InvalidEventType"}}


def _external_extension(folder, name: str = "recorder") -> None:
    folder.mkdir()
    path = folder / name
    path.write_text(f"#!{sys.executable}\n" + SCRIPTED_EXTENSION.read_text())
    path.chmod(0o755)


def test_external_extension_gets_invoke_and_shutdown_events(serve, tmp_path):
    extensions, ext_log, marker = tmp_path / "extensions", tmp_path / "ext-log", tmp_path / "marker"
    _external_extension(extensions)
    server = serve(command=scripted_runtime(), extensions_dir=str(extensions), env={
        "SCRIPT_EXT_LOG": str(ext_log), "SCRIPT_MARKER": str(marker)})
    reply = invoke(server.port, {"respond": '"with an extension"'}, {"X-Amzn-Trace-Id": "Root=1-abc"})
    assert reply.body == b'"with an extension"'
    request_id = reply.headers["x-amzn-requestid"]
    wait_until(lambda: len(log_lines(ext_log)) >= 2, what="the INVOKE event")
    register, event = log_lines(ext_log)[:2]
    assert register == {"register": 200, "body": {"functionName": "test_function", "functionVersion": "$LATEST",
                                                  "handler": "cases.echo"}}
    deadline = event.pop("deadlineMs")
    assert event == {"eventType": "INVOKE", "requestId": request_id, "invokedFunctionArn": ARN,
                     "tracing": {"type": "X-Amzn-Trace-Id", "value": "Root=1-abc"}}
    assert abs(deadline - (time.time() + 3) * 1000) < 3000
    server.stop()
    shutdown = log_lines(ext_log)[2]
    assert (shutdown["eventType"], shutdown["shutdownReason"]) == ("SHUTDOWN", "spindown")
    assert isinstance(shutdown["deadlineMs"], int)
    assert marker.read_text() == "SIGTERM"  # an extension registered: the runtime got SIGTERM first


def test_external_extension_gets_shutdown_with_the_reason_after_a_timeout(serve, tmp_path):
    extensions, ext_log = tmp_path / "extensions", tmp_path / "ext-log"
    _external_extension(extensions)
    server = serve(command=scripted_runtime(), extensions_dir=str(extensions), timeout=0.3,
                   env={"SCRIPT_EXT_LOG": str(ext_log)})
    reply = invoke(server.port, {"gate": str(tmp_path / "never")})
    assert reply.json()["errorType"] == "Sandbox.Timedout"
    wait_until(lambda: [e for e in log_lines(ext_log) if e.get("eventType") == "SHUTDOWN"], what="SHUTDOWN")
    shutdown = next(e for e in log_lines(ext_log) if e.get("eventType") == "SHUTDOWN")
    assert shutdown["shutdownReason"] == "timeout"


def test_extensions_folder_that_is_not_there(serve, tmp_path):
    server = serve(command=scripted_runtime(), extensions_dir=str(tmp_path / "nothing"))
    assert invoke(server.port, {"respond": '"fine"'}).body == b'"fine"'


def test_cli_server_stops_on_sigterm(tmp_path):
    import signal
    import subprocess

    from kit.paths import HANDLERS, ROOT
    from kit.server_harness import runtime_environ

    env = runtime_environ(_HANDLER="local_cases.pid", LAMBDA_TASK_ROOT=str(HANDLERS), PYTHONPATH=str(ROOT / "runtime"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "local_server" / "__main__.py"), "--host", "127.0.0.1",
                             "--port", "0", str(ROOT / "runtime" / "bootstrap")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp_path))
    try:
        line = proc.stderr.readline().decode()
        port = int(line.split(" on 127.0.0.1:")[1].split(";")[0])
        runtime_pid = invoke(port).json()
        assert alive(runtime_pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert not alive(runtime_pid)
        assert proc.stderr.read().decode() == "local-server: stopping: shutting the environments down\n"
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
