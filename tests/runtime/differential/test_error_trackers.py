"""Error trackers that hook the runtime (sentry-sdk, honeybadger), on ours and on awslambdaric.

Both find awslambdaric's `bootstrap` module through `__main__` and wrap its
`handle_event_request` and `LambdaRuntimeClient` (lambda_runtime/bootstrap.py). The same
function (tests/handlers/trackers.py) runs on both runtimes against the fake Runtime API and
sends its reports to a real HTTP server (tests/kit/tracker_sink.py); what arrives must be the same,
and must arrive before the runtime posts its answer (the trackers flush in their hooks).
"""

from __future__ import annotations

import time

import pytest
from kit.fake_api import FakeRuntimeApi
from kit.paths import HANDLERS
from kit.runtime_process import RuntimeProcess, ours, run_events
from kit.runtime_process import awslambdaric as reference
from kit.tracker_sink import Report, TrackerSink

ARN = "arn:aws:lambda:us-east-1:123456789012:function:test"  # tests/kit/fake_api.py's


def sentry(sink: TrackerSink) -> dict:
    return {"SENTRY_DSN": f"http://public@127.0.0.1:{sink.port}/1"}


def honeybadger(sink: TrackerSink) -> dict:
    return {"HONEYBADGER_API_KEY": "hb-key", "HONEYBADGER_ENDPOINT": f"http://127.0.0.1:{sink.port}"}


def serve(command, tmp_path, handler: str, trackers, events: list[dict], env: dict | None = None):
    """Runs `handler` on one runtime for `events`: (its posts, the sink with every report)."""
    with TrackerSink() as sink:
        full_env = {name: value for tracker in trackers for name, value in tracker(sink).items()}
        posts, _ = run_events(command, handler, HANDLERS, tmp_path, events, {**full_env, **(env or {})})
    return posts, sink


def sentry_error(report: Report) -> tuple:
    """What a Sentry error event says: the exception, and the Lambda facts the integration adds."""
    event = report.payload
    exception = event["exception"]["values"][-1]
    facts = event["extra"]["lambda"]
    return (event["level"], exception["type"], exception["value"], exception["mechanism"],
            {name: facts[name] for name in ("function_name", "function_version", "invoked_function_arn",
                                             "aws_request_id")},
            event["tags"]["aws_region"], event["transaction"], event["request"]["url"])


def sentry_transaction(report: Report) -> tuple:
    event = report.payload
    trace = event["contexts"]["trace"]
    return event["transaction"], event["transaction_info"]["source"], trace["op"], trace["origin"], trace.get("status")


def honeybadger_notice(report: Report) -> tuple:
    notice = report.payload
    return (notice["error"]["class"], notice["error"]["message"], notice["request"]["component"],
            notice["request"]["action"], notice["request"]["params"], notice["details"]["Lambda Details"]["function"])


@pytest.mark.parametrize("command", [ours, reference], ids=["ours", "awslambdaric"])
def test_sentry_reports_a_handler_error_before_the_error_is_posted(tmp_path, command):
    [post], sink = serve(command, tmp_path, "trackers.fail", [sentry], [{"event": {"n": 1}}])
    assert (post.kind, post.json()["errorMessage"]) == ("error", "boom in req-0")
    [error] = sink.of_kind("event")  # sent when the post was made: no waiting
    assert sentry_error(error) == (
        "error", "ValueError", "boom in req-0", {"type": "aws_lambda", "handled": False},
        {"function_name": "test", "function_version": "$LATEST", "invoked_function_arn": ARN,
         "aws_request_id": "req-0"},
        "us-east-1", "test", "awslambda:///test")
    [transaction] = sink.of_kind("transaction")
    assert sentry_transaction(transaction) == ("test", "component", "function.aws", "auto.function.aws_lambda",
                                               "internal_error")
    assert error.received < post.received and transaction.received < post.received  # flushed first


@pytest.mark.parametrize("command", [ours, reference], ids=["ours", "awslambdaric"])
def test_sentry_sends_a_transaction_for_each_success_before_the_result(tmp_path, command):
    posts, sink = serve(command, tmp_path, "trackers.succeed", [sentry], [{"event": {}}, {"event": {}}])
    assert [post.json() for post in posts] == [{"ok": "req-0"}, {"ok": "req-1"}]
    transactions = sink.of_kind("transaction")
    assert [sentry_transaction(t) for t in transactions] == [("test", "component", "function.aws",
                                                              "auto.function.aws_lambda", None)] * 2
    assert [t.received < post.received for t, post in zip(transactions, posts)] == [True, True]
    assert sink.of_kind("event") == []


@pytest.mark.parametrize("command", [ours, reference], ids=["ours", "awslambdaric"])
def test_sentry_reports_an_init_error(tmp_path, command):
    with TrackerSink() as sink, FakeRuntimeApi() as api:
        process = RuntimeProcess(api.address, "trackers.succeed", HANDLERS, tmp_path, command=command,
                                 env={**sentry(sink), "TRACKERS_FAIL_INIT": "1"})
        assert process.wait() == 1
        post = api.next_post()
        assert (post.kind, post.json()["errorType"]) == ("init_error", "RuntimeError")
        [event] = sink.wait_for("event")  # captured in post_init_error, sent when the process exits
    exception = event.payload["exception"]["values"][0]
    assert (event.payload["level"], exception["type"], exception["value"], exception["mechanism"]) == (
        "error", "RuntimeError", "the configuration is missing", {"type": "aws_lambda", "handled": False})
    # Built from the posted error object (not a live exception), as on awslambdaric.
    assert exception["stacktrace"]["frames"][-1]["filename"] == str(HANDLERS / "trackers.py")


@pytest.mark.parametrize("command", [ours, reference], ids=["ours", "awslambdaric"])
def test_sentry_warns_before_a_timeout(tmp_path, command):
    deadline = int(time.time() * 1000) + 3_000  # the warning comes 1.5 s before it
    [post], sink = serve(command, tmp_path, "trackers.slow", [sentry], [{"event": {}, "deadline_ms": deadline}],
                         env={"TRACKERS_TIMEOUT_WARNING": "1"})
    assert post.json() == {"warned": True}
    [warning] = sink.of_kind("event")
    exception = warning.payload["exception"]["values"][-1]
    assert (exception["type"], exception["value"], exception["mechanism"]["type"]) == (
        "ServerlessTimeoutWarning",
        "WARNING : Function is expected to get timed out. Configured timeout duration = 3 seconds.",
        "threading")
    assert warning.payload["extra"]["lambda"]["aws_request_id"] == "req-0"


@pytest.mark.parametrize("command", [ours, reference], ids=["ours", "awslambdaric"])
def test_honeybadger_notifies_a_handler_error_before_it_is_posted(tmp_path, command):
    posts, sink = serve(command, tmp_path, "trackers.fail", [honeybadger], [{"event": {"n": 1}}, {"event": {}}])
    notices = sink.of_kind("notice")
    assert [honeybadger_notice(n) for n in notices] == [
        ("ValueError", "boom in req-0", "test", "trackers.fail", {"event": {"n": 1}}, "test"),
        ("ValueError", "boom in req-1", "test", "trackers.fail", {"event": {}}, "test"),
    ]
    assert [n.received < p.received for n, p in zip(notices, posts)] == [True, True]


def test_both_trackers_at_once_on_both_runtimes_report_the_same(tmp_path):
    reports = []
    for command in (ours, reference):
        posts, sink = serve(command, tmp_path, "trackers.fail", [sentry, honeybadger], [{"event": {}}])
        reports.append(([p.json()["errorType"] for p in posts], [sentry_error(r) for r in sink.of_kind("event")],
                        [honeybadger_notice(n) for n in sink.of_kind("notice")]))
    assert reports[0] == reports[1]
    assert [len(part) for part in reports[0]] == [1, 1, 1]


def test_sentry_through_an_exec_wrapper(tmp_path):
    wrapper = tmp_path / "wrapper"
    wrapper.write_text('#!/bin/sh\nexport WRAPPED=1\nexec "$@"\n')
    wrapper.chmod(0o755)
    [post], sink = serve(ours, tmp_path, "trackers.fail", [sentry], [{"event": {}}],
                         env={"AWS_LAMBDA_EXEC_WRAPPER": str(wrapper)})
    [error] = sink.of_kind("event")
    assert sentry_error(error)[2] == "boom in req-0" and error.received < post.received


@pytest.mark.parametrize("fork_after_init", ["false", "true"])
def test_sentry_in_managed_instance_workers(tmp_path, fork_after_init):
    env = {"AWS_LAMBDA_MAX_CONCURRENCY": "2", "LAMBDA_FORK_WORKERS_AFTER_INIT": fork_after_init}
    posts, sink = serve(ours, tmp_path, "trackers.fail", [sentry], [{"event": {}}, {"event": {}}], env=env)
    # Each worker's client is the one Sentry patched: each event is flushed before its error is posted.
    posted = {post.request_id: post.received for post in posts}
    sent = {sentry_error(r)[4]["aws_request_id"]: r.received for r in sink.of_kind("event")}
    assert sorted(sent) == sorted(posted) == ["req-0", "req-1"]
    assert all(sent[request_id] < posted[request_id] for request_id in posted)

