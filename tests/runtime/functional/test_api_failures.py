"""A dead or misbehaving Runtime API: fatal on 500, survivable per invocation.

The start-up retry (a refused connection retried within a budget, an API that comes up
late) is tested in-process with an injected budget and no sleeps: test_api_client.py and
test_loop.py.
"""

import pytest
from kit.fake_api import FakeRuntimeApi


@pytest.mark.parametrize("address", ["no-port", "host:http", ":9001", "hôst:9001"])
def test_a_malformed_api_address_is_one_line(start, address):
    process = start("cases.echo", address=address)
    assert process.wait() == 1
    assert process.stderr == f"lambda-runtime: AWS_LAMBDA_RUNTIME_API must be HOST:PORT, got {address!r}\n"


def test_a_missing_api_address_is_one_line(start):
    process = start("cases.echo", env={"AWS_LAMBDA_RUNTIME_API": ""})
    assert process.wait() == 1
    assert process.stderr.startswith("lambda-runtime: AWS_LAMBDA_RUNTIME_API is not set: start this under Lambda")


def test_a_500_on_next_ends_the_runtime_promptly(api, start):
    api.next_status = 500
    process = start("cases.echo")
    assert process.wait(timeout=5) == 1
    assert process.stderr.startswith(
        "lambda-runtime: the Runtime API answered GET /2018-06-01/runtime/invocation/next with HTTP 500")


def test_a_413_from_the_api_is_logged_and_the_loop_goes_on(api, start):
    api.max_buffered = 10
    process = start("cases.echo")
    api.queue_event({"pad": "x" * 20})
    assert api.next_post().status == 413
    api.max_buffered = 6_291_556
    api.queue_event({"ok": 1})
    assert api.next_post().json() == {"ok": 1}
    assert "was refused with HTTP 413" in process.stderr


def test_a_closed_invocation_gets_403_and_the_loop_goes_on(api, start):
    api.close_on_handout = True  # as if the invocation timed out while the handler ran
    process = start("cases.echo")
    api.queue_event({"late": 1})
    assert api.next_post().status == 403
    api.close_on_handout = False
    api.queue_event({"ok": 2})
    assert api.next_post().json() == {"ok": 2}
    assert "was refused with HTTP 403" in process.stderr


def test_a_connection_closed_by_the_api_is_reopened(api, start):
    start("cases.echo")
    api.queue_event({"n": 1}, headers={"Connection": "close"})
    assert api.next_post().json() == {"n": 1}
    api.queue_event({"n": 2})
    assert api.next_post().json() == {"n": 2}
    assert api.connections >= 2


def test_the_api_dying_mid_poll_ends_the_runtime(start):
    with FakeRuntimeApi() as doomed:
        process = start("cases.echo", address=doomed.address)
        doomed.wait_for_next_calls(1)
        doomed.drop_connections()
        assert process.wait(timeout=10) == 1
    assert process.stderr.startswith("lambda-runtime: lost the Runtime API at 127.0.0.1:")
