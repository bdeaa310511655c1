"""Model time, and a time scale that lets waits and retry delays elapse faster.

Every timestamp the engine records is model time: real time, plus a base offset (kept in the
state file), plus what was skipped for that very execution (`Execution.skipped`). A deadline of
an execution's wait, step retry or invocation retry is *skippable*: with scale `s` it is reached
after `s` times its remaining real time (0: at once), and that execution's clock then jumps
forward to it, so its history keeps the modelled durations (AWS's emulator's `--skip-time` does
the same: `clock.py` `SkipClock`, docs/facts.md D12). Timeouts (execution, callback, heartbeat)
are not skippable: they run at real speed in model time, so a callback answered from outside
gets the time its timeout promises; and since each execution skips only its own time, one
execution's skipped waits never shorten another's timeouts.
"""

from __future__ import annotations

import threading
import time
from typing import Callable


class Clock:
    def __init__(self, scale: float = 1.0, offset: float = 0.0,
                 source: Callable[[], float] = time.time) -> None:
        if scale < 0:
            raise ValueError(f"time scale must be 0 or more, not {scale}")
        self.scale = scale
        self._offset = offset
        self._source = source
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        """The base model time added to real time (the store keeps it: a restart keeps the same model time)."""
        with self._lock:
            return self._offset

    def now(self) -> float:
        """Base model time: an execution's own is this plus its `skipped` (DurableEngine.now)."""
        with self._lock:
            return self._source() + self._offset

    def real_delay(self, left: float, skippable: bool) -> float:
        """The real seconds until a deadline `left` model seconds away is due."""
        return left * self.scale if skippable else left

    def reach(self, deadline: float) -> None:
        """Base model time jumps to `deadline` if it is still ahead (every execution's clock moves)."""
        with self._lock:
            ahead = deadline - (self._source() + self._offset)
            if ahead > 0:
                self._offset += ahead
