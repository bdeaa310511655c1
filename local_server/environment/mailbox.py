"""An environment's mailbox: invocations between the callers and the runtime's connections.

Queued invocations wait for a connection at `/next`; connections at `/next` wait for an
invocation (parked). The invocations the runtime holds are found by request id for its posts,
and the answered ones are remembered a while, so that a second post gets 403, not 400. Its
own lock; nothing else keeps these lists.
"""

from __future__ import annotations

import collections
import threading
from typing import Protocol, Union

from ..wire.platform_log import TIMEOUT
from .invocation import Invocation

_KEEP_FINISHED = 64  # answered invocations remembered


class Answered:
    """Stands for an invocation that has been answered: any further post for it gets 403, or 410
    InvokeTimeout when it timed out (what Lambda answers a stale post, on-demand too)."""

    overtime = False

    def __init__(self, refusal: int = 403) -> None:
        self.refusal = refusal

    def respond(self, body: bytes, content_type: str) -> int:
        return self.refusal

    def fail(self, body: bytes, error_type: str) -> int:
        return self.refusal

    def stream_start(self, content_type: str) -> int:
        return self.refusal

    def stream_data(self, data: bytes) -> bool:
        return False

    def stream_end(self, error_type: str | None, error_body: bytes | None) -> int:
        return self.refusal

    def abort(self, status: str, error_type: str, body: bytes) -> bool:
        return False


ANSWERED, TIMED_OUT = Answered(), Answered(410)


class Closed:
    """What a connection at /next gets when the environment is gone."""


END = Closed()
Delivery = Union[Invocation, Closed]


class Waiter(Protocol):
    """A Runtime API connection parked at /next: the mailbox hands it what comes."""

    def deliver(self, item: Delivery) -> None: ...


class Mailbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: collections.deque[Invocation] = collections.deque()  # no runtime has taken them yet
        self._parked: list[Waiter] = []  # connections whose runtime waits at /next
        self._running: dict[str, Invocation] = {}  # request id -> invocation the runtime holds
        self._finished: collections.OrderedDict[str, Invocation | Answered] = collections.OrderedDict()
        self._closed = False

    def post(self, inv: Invocation) -> None:
        """An invocation for the runtime: to a connection waiting at /next, or queued for the next one."""
        with self._lock:
            waiter = self._parked.pop() if self._parked else None
            if waiter is None:
                self._pending.append(inv)
        if waiter is not None:
            waiter.deliver(inv)

    def collect(self, waiter: Waiter) -> Delivery | None:
        """GET /next: a queued invocation, END when the environment is gone, or None once parked."""
        with self._lock:
            if self._closed:
                return END
            if self._pending:
                return self._pending.popleft()
            self._parked.append(waiter)
            return None

    def take_queued(self) -> list[Invocation]:
        """The queued invocations, which no runtime will take now (it crashed)."""
        with self._lock:
            found = list(self._pending)
            self._pending.clear()
        return found

    def hold(self, inv: Invocation) -> None:
        """The runtime took `inv`: its posts find it by request id."""
        with self._lock:
            self._running[inv.request_id] = inv

    def running(self) -> list[Invocation]:
        with self._lock:
            return list(self._running.values())

    def find(self, request_id: str) -> Invocation | Answered | None:
        with self._lock:
            return self._running.get(request_id) or self._finished.get(request_id)

    def release(self, inv: Invocation) -> None:
        """Its END is written: a later post for it is refused (or, in OVERTIME, answered late)."""
        with self._lock:
            if self._running.pop(inv.request_id, None) is not None:
                # Only a managed instance's timed-out invocation is kept whole (its late answer
                # frees its slot); of the others, the id is enough to refuse a second answer.
                self._finished[inv.request_id] = inv if inv.overtime else TIMED_OUT if inv.status == TIMEOUT \
                    else ANSWERED
                while len(self._finished) > _KEEP_FINISHED:
                    self._finished.popitem(last=False)

    def leave(self, waiter: Waiter) -> list[Invocation]:
        """A connection closed: it waits no more; returns what it held (running, or in OVERTIME)."""
        with self._lock:
            if waiter in self._parked:
                self._parked.remove(waiter)
            held = [inv for inv in self._running.values() if inv.connection is waiter]
            held += [inv for inv in self._finished.values()
                     if isinstance(inv, Invocation) and inv.overtime and inv.connection is waiter]
        return held

    def close(self) -> list[Waiter]:
        """The environment is gone: /next answers END from now on; returns the connections parked."""
        with self._lock:
            self._closed = True
            parked, self._parked = self._parked, []
        return parked
