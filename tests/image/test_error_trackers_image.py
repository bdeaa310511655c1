"""Sentry and Honeybadger in a function image FROM ours, under AWS's RIE and under our local server.

The function (tests/handlers/trackers.py) reports to a real HTTP server on this host
(tests/kit/tracker_sink.py), reached from the container as host.docker.internal. The same checks
run against awslambdaric in tests/runtime/differential/test_error_trackers.py.
"""

from __future__ import annotations

import json
import shutil

import pytest
from kit.containers import FunctionContainer, build_image
from kit.paths import HANDLERS
from kit.tracker_sink import TrackerSink
from kit.wheelhouse import wheelhouse

pytestmark = pytest.mark.docker

HEALTH = "/_local/health"


@pytest.fixture(scope="module")
def tracked(images, tmp_path_factory):
    """A function image with sentry-sdk and honeybadger installed by pip, as a user would."""
    context = tmp_path_factory.mktemp("trackers")
    shutil.copytree(wheelhouse("3.13"), context / "wheels")
    shutil.copy(HANDLERS / "trackers.py", context)
    return build_image(context, """FROM lambda-python:x86_64
COPY wheels /tmp/wheels
RUN pip install --no-index --find-links /tmp/wheels sentry-sdk honeybadger && rm -rf /tmp/wheels
COPY trackers.py ${LAMBDA_TASK_ROOT}/
""", "lambda-python-test:trackers")


def start(image: str, handler: str, emulator: str, sink: TrackerSink, **env: str) -> FunctionContainer:
    host = f"host.docker.internal:{sink.port}"
    env = {"SENTRY_DSN": f"http://public@{host}/1", "HONEYBADGER_API_KEY": "hb-key",
           "HONEYBADGER_ENDPOINT": f"http://{host}", **env}
    if emulator == "local":
        env["LAMBDA_EMULATOR"] = "local"
    return FunctionContainer(image, handler, env=env, options=("--add-host", "host.docker.internal:host-gateway"),
                             ready_path=HEALTH if emulator == "local" else None)


@pytest.mark.parametrize("emulator", ["rie", "local"])
def test_a_handler_error_reaches_both_trackers(tracked, emulator):
    with TrackerSink("0.0.0.0") as sink, start(tracked, "trackers.fail", emulator, sink) as function:
        status, _, body = function.invoke(b'{"n": 1}')
        error = json.loads(body)
        request_id = error["errorMessage"].removeprefix("boom in ")
        assert (status, error["errorType"], error["errorMessage"]) == (200, "ValueError", f"boom in {request_id}")
        # Both flushed before the answer left: nothing to wait for.
        [event], [notice] = sink.of_kind("event"), sink.of_kind("notice")
    exception = event.payload["exception"]["values"][-1]
    assert (exception["type"], exception["value"], exception["mechanism"]) == (
        "ValueError", f"boom in {request_id}", {"type": "aws_lambda", "handled": False})
    assert event.payload["extra"]["lambda"]["aws_request_id"] == request_id
    assert (notice.payload["error"]["class"], notice.payload["error"]["message"],
            notice.payload["request"]["params"]) == ("ValueError", f"boom in {request_id}", {"event": {"n": 1}})


@pytest.mark.parametrize("emulator", ["rie", "local"])
def test_a_success_sends_a_transaction(tracked, emulator):
    with TrackerSink("0.0.0.0") as sink, start(tracked, "trackers.succeed", emulator, sink) as function:
        status, _, body = function.invoke()
        [transaction] = sink.of_kind("transaction")
    request_id = json.loads(body)["ok"]
    assert status == 200 and request_id
    assert (transaction.payload["contexts"]["trace"]["op"], sink.of_kind("event")) == ("function.aws", [])


@pytest.mark.parametrize("emulator", ["rie", "local"])
def test_an_init_error_reaches_sentry(tracked, emulator):
    with TrackerSink("0.0.0.0") as sink, start(tracked, "trackers.succeed", emulator, sink,
                                                TRACKERS_FAIL_INIT="1") as function:
        _, _, body = function.invoke()
        assert json.loads(body)["errorType"] == "RuntimeError"
        [event] = sink.wait_for("event")  # sent as the runtime exits
    exception = event.payload["exception"]["values"][0]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "the configuration is missing")
