"""Enforces invocation timeouts from one thread, so that no request pays for a timer of its own.

The thread that drives an invocation blocks on the runtime's socket without a timeout (a
timeout there costs system calls on every read). The watchdog sleeps until the earliest
deadline of the invocations in flight; when one passes, it calls that invocation's
`on_timeout`, which answers the caller and, outside managed instances, kills the runtime:
its socket closes and the blocked driver wakes up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .invocation import Invocation

OnTimeout = Callable[[Invocation], None]


class Watchdog:
    def __init__(self) -> None:
        self._active: dict[Invocation, tuple[float, OnTimeout]] = {}  # -> (monotonic deadline, on_timeout)
        self._cond = threading.Condition()
        self._wake_at = float("inf")  # when the thread wakes next on its own
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
        self._thread.start()

    def watch(self, inv: Invocation, deadline: float, on_timeout: OnTimeout) -> None:
        with self._cond:
            self._active[inv] = (deadline, on_timeout)
            # Deadlines are the function's timeout after dispatch: a new one is almost never
            # earlier than the one the thread sleeps until, so it is seldom woken for it.
            if deadline < self._wake_at:
                self._wake_at = deadline
                self._cond.notify()

    def forget(self, inv: Invocation) -> None:
        with self._cond:
            self._active.pop(inv, None)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopped:
                    return
                now = time.monotonic()
                expired = [(inv, entry[1]) for inv, entry in self._active.items() if entry[0] <= now]
                for inv, _ in expired:
                    del self._active[inv]
                if not expired:
                    self._wake_at = min((entry[0] for entry in self._active.values()), default=float("inf"))
                    self._cond.wait(None if self._wake_at == float("inf") else self._wake_at - now)
                    continue
            for inv, on_timeout in expired:
                # A thread each: answering a slow client must not hold up the other timeouts.
                threading.Thread(target=on_timeout, args=(inv,), daemon=True).start()
