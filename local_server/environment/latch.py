"""A latch: set once, waited for by one thread."""

from __future__ import annotations

import threading


class Latch:
    """Set once, waited for by one thread (the caller's): a lock held until it is set.

    Lighter than threading.Event (a Condition, and a lock made for every wait): the caller's
    wake-up is on the way between one answer and its next request.
    """

    __slots__ = ("_lock", "_set")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()
        self._set = False

    def set(self) -> None:
        if not self._set:
            self._set = True
            self._lock.release()

    def is_set(self) -> bool:
        return self._set

    def wait(self) -> None:
        with self._lock:
            pass
