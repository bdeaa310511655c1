"""The line of requests waiting for an environment, on its own: first come first served, the
reserved concurrency, tenants that do not hold each other up, Event invocations' age."""

import threading
import time

from local_server.environment.admission import CLOSED, DROPPED, MAX_EVENT_AGE, Line, Ticket


class Places:
    """A stand-in for the pool's placement: `free[tenant]` environments can be given out."""

    def __init__(self, **free):
        self.free = {None if name == "any" else name: count for name, count in free.items()}
        self.given = []

    def __call__(self, tenant):
        if self.free.get(tenant, 0) <= 0:
            return None, False
        self.free[tenant] -= 1
        env = f"env-{len(self.given)}"
        self.given.append((tenant, env))
        return env, True


def _sync(tenant=None, wait=60.0):
    return Ticket(tenant, time.monotonic() + wait)


def _event(tenant=None, age=MAX_EVENT_AGE):
    calls = []
    return Ticket(tenant, time.monotonic() + age, "req", lambda env, outcome: calls.append((env, outcome))), calls


def test_first_come_first_served_and_the_first_that_cannot_be_placed_stops_the_round():
    line = Line(None, by_tenant=False)
    tickets = [_sync() for _ in range(4)]
    line.waiting.extend(tickets)
    places = Places(any=2)
    assert line.dispatch(places, time.monotonic()) == []
    assert [t.outcome for t in tickets] == ["granted", "granted", None, None]
    assert [(t.env, t.fresh) for t in tickets[:2]] == [("env-0", True), ("env-1", True)]
    assert list(line.waiting) == tickets[2:]
    places.free[None] = 1
    line.dispatch(places, time.monotonic())
    assert [t.outcome for t in tickets] == ["granted", "granted", "granted", None]


def test_a_granted_ticket_wakes_its_waiter_and_an_ungranted_one_waits_out_its_deadline():
    ticket = _sync(wait=60)
    woke = threading.Event()

    def waiter():
        ticket.wait()
        woke.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    assert not woke.is_set()  # nothing granted it, and its deadline is a minute away
    ticket.grant("env", False)
    thread.join(10)
    assert woke.is_set() and ticket.env == "env"
    late = _sync(wait=0.05)
    late.wait()  # returns at its deadline, without an environment
    assert (late.outcome, late.env) == (None, None)


def test_reserved_concurrency_admits_up_to_its_number_and_zero_admits_nobody():
    line = Line(2, by_tenant=False)
    assert [line.admit(), line.admit(), line.admit()] == [True, True, False]
    line.leave()
    assert (line.admit(), line.admitted) == (True, 2)
    assert Line(0, by_tenant=False).admit() is False
    unlimited = Line(None, by_tenant=False)
    assert all(unlimited.admit() for _ in range(1000)) and unlimited.admitted == 1000


def test_an_event_waits_for_concurrency_and_those_behind_that_hold_theirs_go_first():
    line = Line(2, by_tenant=False)
    assert line.admit()  # one invocation runs
    assert line.admit()  # and a synchronous one waits for an environment: the reserved 2 are used up
    event, calls = _event()
    waiting_sync = _sync()
    line.waiting.extend([event, waiting_sync])
    granted = line.dispatch(Places(any=5), time.monotonic())
    assert (granted, event.outcome, waiting_sync.outcome, line.admitted) == ([], None, "granted", 2)
    line.leave()  # the first ended: concurrency for the event
    assert line.dispatch(Places(any=5), time.monotonic()) == [event]
    assert (event.outcome, line.admitted, calls) == ("granted", 2, [])  # the pool calls it, off the lock


def test_with_tenants_one_that_must_wait_does_not_hold_up_another_whose_environment_is_free():
    line = Line(None, by_tenant=True)
    first_a, then_b, then_a = _sync("a"), _sync("b"), _sync("a")
    line.waiting.extend([first_a, then_b, then_a])
    places = Places(b=1)
    line.dispatch(places, time.monotonic())
    assert [t.outcome for t in (first_a, then_b, then_a)] == [None, "granted", None]
    places.free["a"] = 1  # the first in line has the first choice
    line.dispatch(places, time.monotonic())
    assert [t.outcome for t in (first_a, then_a)] == ["granted", None]


def test_an_event_past_its_maximum_age_is_dropped_without_an_environment():
    line = Line(None, by_tenant=False)
    old, calls = _event(age=-1)
    fresh, _ = _event()
    line.waiting.extend([old, fresh])
    places = Places(any=1)
    assert line.dispatch(places, time.monotonic()) == [old, fresh]
    assert (old.outcome, old.env, fresh.outcome, fresh.env) == (DROPPED, None, "granted", "env-0")
    assert places.given == [(None, "env-0")] and line.admitted == 1
    assert calls == []  # (the pool calls it, off its lock)


def test_closing_ends_every_ticket():
    line = Line(None, by_tenant=False)
    waiting = _sync()
    event, _ = _event()
    line.waiting.extend([waiting, event])
    assert line.close() == [event]
    assert (waiting.outcome, event.outcome, list(line.waiting)) == (CLOSED, DROPPED, [])
    waiting.wait()  # its waiter wakes at once
