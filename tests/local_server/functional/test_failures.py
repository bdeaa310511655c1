"""Timeouts, crashes and init errors answered as Lambda answers them; the server never dies."""

import json

from kit.polling import wait_until
from kit.server_harness import Client, alive, invoke, scripted_runtime


def test_timeout_answer(serve):
    server = serve("cases.slow", timeout=0.5)
    with Client(server.port) as client:
        reply = client.invoke({"seconds": 5})
        request_id = reply.headers["x-amzn-requestid"]
        assert (reply.status, reply.headers["x-amz-function-error"]) == (200, "Unhandled")
        # Lambda's answer (docs/facts.md I2): errorType, then errorMessage with the request id.
        assert reply.body == (b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: '
                              + request_id.encode() + b' Error: Task timed out after 0.50 seconds"}')
        assert client.invoke({"seconds": 0}).body == b'"done"'
    assert server.pool.stats()["started"] == 2  # the timed-out environment was reset
    report = [line for line in server.console.stdout.decode().splitlines()
              if line.startswith(f"REPORT RequestId: {request_id}")]
    assert len(report) == 1 and report[0].endswith("\tStatus: timeout")


def test_timed_out_runtime_is_killed(serve, tmp_path):
    server = serve("local_cases.gate", timeout=0.3)
    pid_file = tmp_path / "pid"
    reply = invoke(server.port, {"gate": "/nonexistent/never", "pid_file": str(pid_file)})
    assert json.loads(reply.body)["errorType"] == "Sandbox.Timedout"
    wait_until(lambda: not alive(int(pid_file.read_text())), what="the timed-out runtime to be killed")
    wait_until(lambda: server.pool.stats()["environments"] == 0, what="the reset environment to go")


def test_crash_is_runtime_exit_error_with_the_status(serve):
    server = serve("cases.exit_now")
    with Client(server.port) as client:
        reply = client.invoke({"code": 3})
        request_id = reply.headers["x-amzn-requestid"]
        assert (reply.status, reply.headers["x-amz-function-error"]) == (200, "Unhandled")
        assert reply.json() == {"errorType": "Runtime.ExitError",
                                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                                                "exit status 3"}
        reply = client.invoke({"code": 0})
        assert reply.json()["errorMessage"].endswith("Error: Runtime exited without providing a reason")
    assert server.pool.stats()["started"] == 2


def test_killed_runtime_reports_the_signal(serve):
    server = serve("local_cases.pid")
    with Client(server.port) as client:
        pid = client.invoke().json()
        import os
        import signal

        server.config.timeout = 5
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not alive(pid), what="the runtime to die")
        wait_until(lambda: server.pool.stats()["environments"] == 0, what="the dead environment to leave the pool")
        assert client.invoke().json() != pid


def test_init_error_is_the_posted_error_and_init_is_tried_again(serve, tmp_path):
    (tmp_path / "app.py").write_text("import nope\n")
    server = serve("app.handler", task_root=tmp_path)
    for attempt in (1, 2):
        reply = invoke(server.port)
        assert (reply.status, reply.headers["x-amz-function-error"]) == (200, "Unhandled")
        assert reply.json() == {"errorMessage": "Unable to import module 'app': No module named 'nope'",
                                "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
        assert server.pool.stats()["started"] == attempt
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 'fixed'\n")
    assert invoke(server.port).body == b'"fixed"'


def test_runtime_that_cannot_start(serve):
    server = serve("cases.echo", command=["/nonexistent/bootstrap"])
    reply = invoke(server.port)
    assert (reply.status, reply.headers["x-amz-function-error"]) == (200, "Unhandled")
    assert reply.json() == {"errorType": "Runtime.InvalidEntrypoint",
                            "errorMessage": "cannot start /nonexistent/bootstrap: No such file or directory"}


def test_runtime_exiting_during_init(serve):
    server = serve("cases.echo", command=["/bin/sh", "-c", "exit 7"])
    reply = invoke(server.port)
    assert "x-amzn-requestid" in reply.headers, (reply, server.console.stderr.decode())
    request_id = reply.headers["x-amzn-requestid"]
    assert reply.json() == {"errorType": "Runtime.ExitError",
                            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 7"}


def test_init_error_from_a_scripted_runtime(serve, tmp_path):
    server = serve(command=scripted_runtime(), env={"SCRIPT_INIT_ERROR": "Runtime.Custom",
                                                    "SCRIPT_LOG": str(tmp_path / "log")})
    reply = invoke(server.port)
    assert reply.json() == {"errorType": "Runtime.Custom", "errorMessage": "x"}
    log = tmp_path / "log"
    posted = wait_until(lambda: log.exists() and log.read_text(), what="the post in the log")
    assert posted == '{"call": "init_error", "status": 202}\n'


def test_init_timeout(serve):
    server = serve("cases.echo", command=["/bin/sh", "-c", "exec sleep 30"], init_timeout=0.3)
    reply = invoke(server.port)
    request_id = reply.headers["x-amzn-requestid"]
    assert reply.json() == {"errorType": "Sandbox.Timedout",
                            "errorMessage": f"RequestId: {request_id} Error: Task timed out after 0.30 seconds"}
    assert "INIT_REPORT Init Duration: " in server.console.stdout.decode()
