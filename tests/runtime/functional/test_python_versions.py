"""The runtime on every CPython from 3.9 that this machine has (the test's own is always one)."""

import signal

import pytest
from kit.fake_api import FakeRuntimeApi
from kit.interpreters import interpreters
from kit.paths import HANDLERS
from kit.polling import wait_until
from kit.runtime_process import RuntimeProcess

INTERPRETERS = interpreters()


@pytest.mark.parametrize("version", list(INTERPRETERS))
def test_runtime_serves_on(version, tmp_path):
    python_dir = tmp_path / "bin"
    python_dir.mkdir()
    (python_dir / "python3").symlink_to(INTERPRETERS[version])
    env = {"PATH": f"{python_dir}:/usr/bin:/bin"}
    with FakeRuntimeApi() as api:
        process = RuntimeProcess(api.address, "cases.decimals", HANDLERS, tmp_path, env=env)
        try:
            api.queue_event({})
            assert api.next_post().body == b'{"price": 19.990000000000000001, "nan": NaN}'
        finally:
            process.stop()
    with FakeRuntimeApi() as api:
        process = RuntimeProcess(api.address, "cases.raise_error", HANDLERS, tmp_path, env=env)
        try:
            api.queue_event("v")
            error = api.next_post().json()
        finally:
            process.stop()
    assert (error["errorType"], len(error["stackTrace"])) == ("ValueError", 2)


START_METHODS = [(method, executor) for method in ("fork", "spawn", "forkserver") for executor in (False, True)]


@pytest.mark.parametrize("version", list(INTERPRETERS))
def test_child_processes_with_every_start_method(version, tmp_path):
    # A `spawn` or `forkserver` child rebuilds its parent's main module: it must not become
    # a second runtime answering the parent's invocations (only a real process shows this).
    python_dir = tmp_path / "bin"
    python_dir.mkdir()
    (python_dir / "python3").symlink_to(INTERPRETERS[version])
    with FakeRuntimeApi() as api:
        process = RuntimeProcess(api.address, "cases.processes", HANDLERS, tmp_path,
                                 env={"PATH": f"{python_dir}:/usr/bin:/bin"})
        try:
            for method, executor in START_METHODS * 2:  # twice: the warm process keeps working
                request_id = api.queue_event({"method": method, "executor": executor})
                post = api.next_post()
                assert (post.request_id, post.kind, post.status, post.json()) == (
                    request_id, "response", 202, {"squares": [0, 1, 4, 9]}), (method, executor)
            assert api.connections == 1  # no child ever reached the Runtime API
        finally:
            process.stop()
    assert "Traceback" not in process.stderr


@pytest.mark.parametrize("version", list(INTERPRETERS))
def test_a_sigterm_handler_runs_while_waiting_for_an_event(version, tmp_path):
    # awslambdaric blocks in C while it waits for /next: a Python signal handler runs
    # there only on 3.12+ (where AWS's images poll from a thread). Here, on every line.
    python_dir = tmp_path / "bin"
    python_dir.mkdir()
    (python_dir / "python3").symlink_to(INTERPRETERS[version])
    marks = tmp_path / "marks"
    with FakeRuntimeApi() as api:
        process = RuntimeProcess(api.address, "lifecycle.prints", HANDLERS, tmp_path,
                                 env={"PATH": f"{python_dir}:/usr/bin:/bin", "MARKS": str(marks),
                                      "OWN_SIGTERM_HANDLER": "1"})
        try:
            api.wait_for_next_calls(1)
            process.proc.send_signal(signal.SIGTERM)
            wait_until(lambda: marks.exists() and marks.read_text() == "own handler: signal 15\n",
                       "the function's SIGTERM handler")
            api.queue_event({})
            assert api.next_post().json() == "ok"
        finally:
            process.stop()
