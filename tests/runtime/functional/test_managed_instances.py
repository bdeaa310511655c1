"""Lambda Managed Instances: AWS_LAMBDA_MAX_CONCURRENCY=N worker processes, N invocations at once."""

import json
import os
import signal
import socket
import threading

import pytest
from kit.polling import wait_until

CONCURRENCY = {"AWS_LAMBDA_MAX_CONCURRENCY": "3"}


def in_flight(api, n: int) -> None:
    wait_until(lambda: len(api.open) >= n, f"{n} invocations handed out at once")


def test_n_invocations_run_at_once_each_answered_by_request_id(api, start, tmp_path):
    process = start("lifecycle.whoami", env=CONCURRENCY)
    cue = tmp_path / "cue"
    ids = [api.queue_event({"cue": str(cue)}, request_id=f"req-{i}") for i in range(3)]
    in_flight(api, 3)  # all three are inside the handler, waiting for the cue
    cue.touch()
    posts = {post.request_id: post.json() for post in (api.next_post() for _ in ids)}
    assert sorted(posts) == ids and all(answer["request"] == rid for rid, answer in posts.items())
    pids = {answer["pid"] for answer in posts.values()}
    assert len(pids) == 3 and process.proc.pid not in pids  # three workers, none of them the parent
    # Each worker did the whole init itself (AWS's model): the module was imported in it.
    assert all(answer["imported_in"] == answer["pid"] for answer in posts.values())
    assert api.connections >= 3  # one Runtime API connection per worker


def test_fork_after_init_imports_the_handler_once(api, start, tmp_path):
    process = start("lifecycle.whoami", env={**CONCURRENCY, "LAMBDA_FORK_WORKERS_AFTER_INIT": "true"})
    cue = tmp_path / "cue"
    for i in range(3):
        api.queue_event({"cue": str(cue)}, request_id=f"req-{i}")
    in_flight(api, 3)
    cue.touch()
    answers = [api.next_post().json() for _ in range(3)]
    assert {a["imported_in"] for a in answers} == {process.proc.pid}  # imported once, in the parent
    assert len({a["pid"] for a in answers}) == 3


def test_a_worker_that_dies_is_replaced(api, start):
    process = start("lifecycle.whoami", env=CONCURRENCY)
    api.queue_event({"exit": 7}, request_id="lost")
    api.wait_for_next_calls(4)  # the dead worker's replacement asks for work
    wait_until(lambda: "exited with status 7 after init; starting another" in process.stderr, "the replacement")
    cue_free = [api.queue_event({}, request_id=f"after-{i}") for i in range(6)]
    assert sorted(api.next_post().request_id for _ in cue_free) == sorted(cue_free)
    assert api.posts.empty()  # nothing was ever posted for the lost invocation


def test_an_init_error_ends_the_workers_without_respawning(api, start):
    process = start("missing.handler", env=CONCURRENCY)
    assert process.wait() == 1
    posts = [api.next_post() for _ in range(3)]  # each worker reported its own init error
    assert {p.kind for p in posts} == {"init_error"}
    assert "starting another" not in process.stderr


def test_logs_are_json_by_default(api, start):
    process = start("cases.logs", env=CONCURRENCY)
    api.queue_event({}, request_id="req-json")
    api.next_post()
    records = [json.loads(line) for line in process.stdout.splitlines() if line.startswith("{")]
    assert {r["message"]: r["requestId"] for r in records if r.get("logger") == "root"} == {
        "root warning 1": "req-json"}


def test_each_worker_connects_stdout_and_stderr_to_the_telemetry_socket(api, start, tmp_path):
    path = str(tmp_path / "telemetry.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    received, connections = [], []

    def read(connection: socket.socket) -> None:
        try:
            while data := connection.recv(65536):
                received.append(data)
        except OSError:  # closed at the test's end while it waited
            return

    def accept() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connections.append(connection)
            threading.Thread(target=read, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        start("cases.logs", env={**CONCURRENCY, "_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET": path})
        wait_until(lambda: len(connections) == 6, "two connections per worker")
        api.queue_event({}, request_id="req-sock")
        api.next_post()
        wait_until(lambda: any(b"printed line" in data for data in received), "the worker's print on its socket")
    finally:
        server.close()
        for connection in connections:
            connection.close()


@pytest.mark.parametrize("fork_after_init", [False, True])
def test_sigterm_reaches_every_worker_and_each_exits_cleanly(api, start, tmp_path, fork_after_init):
    marks = tmp_path / "marks"
    env = {**CONCURRENCY, "MARKS": str(marks), **({"LAMBDA_FORK_WORKERS_AFTER_INIT": "1"} if fork_after_init else {})}
    process = start("lifecycle.prints", env=env)
    api.wait_for_next_calls(3)
    os.kill(process.proc.pid, signal.SIGTERM)
    assert process.wait() == 0
    # In every worker; with fork-after-init the parent imported the module too, so it runs there as well.
    assert marks.read_text().splitlines() == ["atexit ran"] * (4 if fork_after_init else 3)
