"""An invocation's one table of transitions: who may end it, and what a late answer frees."""

import threading

import pytest
from kit.responders import Recorder

from local_server.environment import invocation
from local_server.environment.invocation import (
    ASSIGNED,
    DONE,
    NEW,
    OVERTIME,
    QUEUED,
    RUNNING,
    STREAMING,
    TRANSITIONS,
    Invocation,
)
from local_server.wire.platform_log import ERROR, TIMEOUT


class Slot:
    """The environment's slot a managed invocation holds: freed once, by its late end."""

    def __init__(self) -> None:
        self.freed = threading.Semaphore(0)
        self.count = 0

    def free(self) -> None:
        self.count += 1
        self.freed.release()


def _at(state: str, managed: bool = False):
    inv = Invocation(b"{}", Recorder())
    slot = Slot()
    answered = []
    if state == NEW:
        return inv, slot, answered
    inv.assign(lambda inv: b"REPORT\n", lambda: answered.append(True), slot.free if managed else None)
    if state != ASSIGNED:
        inv.dispatch(1)
    if state in (RUNNING, STREAMING, OVERTIME):
        inv.claim("conn", b"START\n", lambda: 12.5)
    if state in (STREAMING, OVERTIME):
        inv.stream_start("text/plain")
    if state == OVERTIME:
        inv.time_out(b"timeout")
    assert inv.state == state
    return inv, slot, answered


def test_every_state_but_done_can_be_ended_by_the_platform():
    for state in (NEW, ASSIGNED, QUEUED, RUNNING, STREAMING, OVERTIME):
        assert TRANSITIONS[(state, invocation.ABORT)] == DONE
    assert not [pair for pair in TRANSITIONS if pair[0] == DONE]  # nothing leaves DONE


def test_claim_records_the_connection_start_and_cold_init():
    inv, _, answered = _at(RUNNING)
    assert (inv.connection, inv.start_line, inv.init_ms, inv.deadline_ms) == ("conn", b"START\n", 12.5, 1)
    assert inv.take_start_line() == b"START\n" and inv.take_start_line() == b""
    assert answered == []


def test_a_queued_invocation_that_ends_is_never_claimed_and_asks_no_init():
    inv, _, answered = _at(QUEUED)
    assert inv.abort(ERROR, "Runtime.ExitError", b"{}") is True
    asked = []
    assert inv.claim("conn", b"", lambda: asked.append(1)) is False and asked == []
    assert answered == [True] and inv.duration_ms == 0.0


@pytest.mark.parametrize("managed", [False, True])
def test_a_timeout_in_the_queue_ends_it_even_on_managed_instances(managed):
    inv, slot, _ = _at(QUEUED, managed)
    assert inv.time_out(b"t") and inv.state == DONE
    assert inv.settle() is False  # the caller frees the slot: nothing held it
    assert slot.count == 0


def test_a_standard_timeout_ends_it_and_a_late_post_gets_410():
    # On-demand the runtime is reset at the timeout; a post that comes before it is gone is the
    # stale answer Lambda refuses with 410 InvokeTimeout (aws-lambda-dotnet PR 2508), each time,
    # and it frees nothing: the caller frees the environment.
    inv, _, _ = _at(RUNNING)
    assert inv.time_out(b"t") and inv.state == DONE and inv.status == TIMEOUT
    assert inv.respond(b"late", "x") == inv.fail(b"{}", "E") == inv.stream_start("x") == 410
    assert inv.settle() is False


def test_a_post_after_another_ending_is_refused_with_403():
    for ending in (lambda inv: inv.respond(b"ok", "x"), lambda inv: inv.abort(ERROR, "Runtime.ExitError", b"{}")):
        inv, _, _ = _at(RUNNING)
        ending(inv)
        assert inv.respond(b"late", "x") == inv.fail(b"{}", "E") == 403


def test_a_managed_timeout_holds_the_slot_until_the_late_answer():
    inv, slot, answered = _at(OVERTIME, managed=True)
    assert inv.answered.is_set() and answered == [True]
    assert inv.responder.calls[-1][:2] == ("stream_end", "Sandbox.Timedout")
    assert inv.settle() is True  # the late end frees it, not the caller
    assert inv.stream_data(b"more") is False
    assert inv.stream_end(None, None) == 410
    assert slot.freed.acquire(timeout=10) and inv.state == DONE
    assert inv.stream_end(None, None) == 403 and inv.settle() is True
    assert slot.count == 1


def test_a_managed_worker_that_ends_frees_the_slot_of_what_it_held_past_its_timeout():
    inv, slot, _ = _at(OVERTIME, managed=True)
    assert inv.abort(ERROR, "Runtime.ExitError", b"{}") is False  # the caller has its answer already
    assert slot.freed.acquire(timeout=10) and slot.count == 1
    assert inv.respond(b"late", "x") == 403


def test_a_managed_invocation_answered_in_time_is_freed_by_its_caller():
    inv, slot, _ = _at(RUNNING, managed=True)
    assert inv.respond(b"ok", "x") == 202
    assert inv.time_out(b"t") is False
    assert inv.settle() is False and slot.count == 0


def test_report_is_written_once_and_kept_in_the_tail():
    inv = Invocation(b"{}", Recorder(), tail=True)
    calls = []
    inv.assign(lambda inv: calls.append(inv) or b"END\n", lambda: None, None)
    inv.add_log(b"output\n")
    assert inv.report() == b"output\nEND\n" and inv.report() == b"output\nEND\n"
    assert len(calls) == 1
