"""Waiting for something to become true, by polling with a deadline (never a fixed sleep)."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_until(check: Callable[[], T], what: str, timeout: float = 20.0, every: float = 0.005) -> T:
    """Calls `check` until it returns something true, and returns that; fails after `timeout` s."""
    give_up = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > give_up:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(every)
