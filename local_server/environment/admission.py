"""The line of requests waiting for an environment, and the concurrency Lambda would count.

Lambda scales: a request that finds no free environment gets a new one. Locally the server runs
at most --max-environments at once, so such a request waits in line instead (a `Ticket`), first
come, first served, `Event` invocations included (Lambda queues those anyway). Nobody is turned
away for the machine's sake: a synchronous request waits until an environment is free for it, or
its own timeout has passed (then it gets the account-level 429: the server's concurrency, all of
it, was busy all that time), or its client has gone (its place is given up). An Event invocation
waits as Lambda keeps it queued: up to the maximum event age, 6 hours.

Lambda's own throttle is the reserved concurrency the user sets: a request that would take the
function past it gets 429 at once (an Event invocation stays queued until it fits, as Lambda
retries it; with 0, Lambda sends it to the function's failure destination without running it).
Concurrency counts the invocations running and the synchronous ones waiting here for an
environment (on Lambda those would be running).

Everything here is called with the pool's lock held (the line and the environments change
together) but `Ticket.wait`, which the ticket's own thread calls, and `settle`, which runs what
the Event tickets were given once the lock is released.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .environment import Environment

# Why a request got no environment.
THROTTLED = "throttled"  # past the reserved concurrency: Lambda's 429, at once
TIMED_OUT = "timed out"  # waited its own timeout without an environment
FULL = "full"  # managed instances: every slot taken (Lambda Managed Instances throttle)
GONE = "gone"  # its client went away while it waited
CLOSED = "closed"  # the server is stopping
DROPPED = "dropped"  # an Event invocation that will not run (reserved concurrency 0, too old)

# Lambda retries a queued Event invocation for up to 6 hours (docs/facts.md Q1): its maximum age here.
MAX_EVENT_AGE = 6 * 3600.0

# Places an invocation of a tenant (None without tenant isolation): (an environment, whether it
# is new and still to be started), or (None, False) when none can take it now.
Place = Callable[[Optional[str]], "tuple[Environment | None, bool]"]


class Ticket:
    """A request's place in line: granted an environment, or ended without one."""

    __slots__ = ("_latch", "admitted", "deadline", "env", "fresh", "on_grant", "outcome", "request_id", "tenant")

    def __init__(self, tenant: str | None, deadline: float, request_id: str = "",
                 on_grant: Callable[[Environment | None, str], None] | None = None) -> None:
        self.tenant = tenant
        self.deadline = deadline  # monotonic
        self.request_id = request_id
        self.on_grant = on_grant  # an Event invocation's: called (off the lock) with its environment
        self.admitted = on_grant is None  # a synchronous request holds concurrency while it waits
        self.env: Environment | None = None
        self.fresh = False
        self.outcome: str | None = None  # None while it waits
        self._latch = threading.Lock()
        self._latch.acquire()

    def grant(self, env: Environment, fresh: bool) -> None:
        self.env, self.fresh, self.outcome = env, fresh, "granted"
        self._latch.release()

    def end(self, outcome: str) -> None:
        if self.outcome is None:
            self.outcome = outcome
            self._latch.release()

    def wait(self, at_most: float = threading.TIMEOUT_MAX) -> None:
        """Returns when the ticket is granted or ended, or its deadline has passed, or `at_most` seconds
        (its own thread)."""
        left = min(self.deadline - time.monotonic(), at_most, threading.TIMEOUT_MAX)
        if left > 0 and self._latch.acquire(timeout=left):
            self._latch.release()


class Line:
    def __init__(self, reserved: int | None, by_tenant: bool) -> None:
        self.reserved = reserved  # the reserved concurrency, None when not set
        self.by_tenant = by_tenant  # a ticket that cannot be placed does not hold up other tenants'
        self.waiting: collections.deque[Ticket] = collections.deque()
        self.admitted = 0  # invocations holding concurrency: running, or waiting here (synchronous)

    def admit(self) -> bool:
        """A request takes concurrency; False past the reserved concurrency (Lambda's 429)."""
        if self.reserved is not None and self.admitted >= self.reserved:
            return False
        self.admitted += 1
        return True

    def leave(self) -> None:
        """An invocation that held concurrency has ended (or never got an environment)."""
        self.admitted -= 1

    def dispatch(self, place: Place, now: float) -> list[Ticket]:
        """Gives environments to the tickets in line, first come first served; returns the Event
        tickets granted or dropped, whose callbacks the caller runs once the lock is released.

        Without tenant isolation every ticket wants the same thing, so the first that cannot be
        placed stops the round. With it, one tenant's ticket that must wait (its environments busy,
        none idle to retire) does not hold up another's whose environment is free; the first in
        line still has the first choice, so nobody waits behind later comers."""
        events: list[Ticket] = []
        for ticket in list(self.waiting):
            if ticket.on_grant is not None and ticket.deadline <= now:
                self.waiting.remove(ticket)
                ticket.end(DROPPED)
                events.append(ticket)
                continue
            if not (ticket.admitted or self.reserved is None or self.admitted < self.reserved):
                continue  # an Event past the reserved concurrency; those behind hold theirs already
            env, fresh = place(ticket.tenant)
            if env is None:
                if self.by_tenant:
                    continue
                break
            self.waiting.remove(ticket)
            if not ticket.admitted:
                ticket.admitted = True
                self.admitted += 1
            ticket.grant(env, fresh)
            if ticket.on_grant is not None:
                events.append(ticket)
        return events

    def close(self) -> list[Ticket]:
        """The server stops: every ticket ends; returns the Event tickets, dropped."""
        events = [ticket for ticket in self.waiting if ticket.on_grant is not None]
        for ticket in self.waiting:
            ticket.end(DROPPED if ticket.on_grant is not None else CLOSED)
        self.waiting.clear()
        return events


def settle(events: list[Ticket]) -> None:
    """Off the pool's lock: Event invocations given an environment run, each on a thread of its own
    (starting the environment first if it is new); those dropped hear of it."""
    for ticket in events:
        if ticket.on_grant is None:
            continue
        if ticket.env is None:
            ticket.on_grant(None, ticket.outcome or DROPPED)
        else:
            threading.Thread(target=_run_event, args=(ticket, ticket.env, ticket.on_grant), daemon=True).start()


def _run_event(ticket: Ticket, env: Environment, run: Callable[[Environment | None, str], None]) -> None:
    if ticket.fresh:
        env.start()
    run(env, "granted")
