"""SIGTERM: the function's own handler runs at once; without one, the runtime exits cleanly."""

import signal

import pytest
from kit.polling import wait_until


def marks(path) -> list:
    return path.read_text().splitlines() if path.exists() else []


def test_sigterm_while_waiting_for_an_event_exits_cleanly(api, start, tmp_path):
    marks_file = tmp_path / "marks"
    process = start("lifecycle.prints", env={"MARKS": str(marks_file)})
    api.queue_event({})
    assert api.next_post().json() == "ok"
    api.wait_for_next_calls(2)  # now blocked on /next
    process.proc.send_signal(signal.SIGTERM)
    assert process.wait() == 0
    assert marks(marks_file) == ["atexit ran"]  # the default SIGTERM action would have skipped it
    assert process.stdout == "printed before the signal\n"
    assert process.stderr == ""


def test_the_functions_own_handler_runs_while_the_runtime_waits(api, start, tmp_path):
    marks_file = tmp_path / "marks"
    process = start("lifecycle.prints", env={"MARKS": str(marks_file), "OWN_SIGTERM_HANDLER": "1"})
    api.wait_for_next_calls(1)
    process.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: marks(marks_file) == ["own handler: signal 15"], "the function's SIGTERM handler")
    api.queue_event({})
    assert api.next_post().json() == "ok"  # the handler decided: the runtime goes on serving


@pytest.mark.parametrize("own_handler", [True, False])
def test_sigterm_while_a_handler_runs(api, start, tmp_path, own_handler):
    marks_file, cue = tmp_path / "marks", tmp_path / "cue"
    env = {"MARKS": str(marks_file), **({"OWN_SIGTERM_HANDLER": "1"} if own_handler else {})}
    process = start("lifecycle.busy", env=env)
    api.queue_event({"cue": str(cue)})
    wait_until(lambda: marks(marks_file) == ["busy"], "the handler to start")
    process.proc.send_signal(signal.SIGTERM)
    if own_handler:
        wait_until(lambda: "own handler: signal 15" in marks(marks_file), "the function's SIGTERM handler")
        cue.touch()
        assert api.next_post().json() == "done"  # the invocation was not cut short
    else:
        assert process.wait() == 0
        assert marks(marks_file) == ["busy", "atexit ran"]


def test_the_opt_in_registers_a_no_op_internal_extension_before_the_first_event(api, start):
    start("cases.echo", env={"LAMBDA_ENABLE_SIGTERM": "true"})
    api.wait_for_next_calls(1)
    assert api.extensions == [("lambda-python-sigterm", {"events": []})]  # registered before the first /next
    wait_until(lambda: api.extension_waits == 1, "the extension waiting for its next event, as one must")
    api.queue_event({"still": "serving"})
    assert api.next_post().json() == {"still": "serving"}


def test_without_the_opt_in_no_extension_is_registered(api, start):
    start("cases.echo")
    api.queue_event({})
    api.next_post()
    assert (api.extensions, api.extension_waits) == ([], 0)
