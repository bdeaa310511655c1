"""Model time, and a time scale that lets waits and retry delays elapse faster.

Every timestamp the engine records is model time: real time plus the time skipped so far. A
deadline of a wait, a step retry or an invocation retry is *skippable*: with scale `s` it is
reached after `s` times its remaining real time (0: at once), and the clock then jumps forward
to it, so histories keep the modelled durations (AWS's emulator's `--skip-time` does the same:
`clock.py` `SkipClock`, docs/facts.md D12). Timeouts (execution, callback, heartbeat) are not
skippable: they run at real speed in model time, so a callback answered from outside gets the
time its timeout promises.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional


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
        """The model time skipped so far (the store keeps it: a restart keeps the same model time)."""
        with self._lock:
            return self._offset

    def now(self) -> float:
        with self._lock:
            return self._source() + self._offset

    def real_delay(self, deadline: float, skippable: bool) -> float:
        """The real seconds until `deadline` is due."""
        left = max(0.0, deadline - self.now())
        return left * self.scale if skippable else left

    def reach(self, deadline: float) -> None:
        """A skippable deadline is due: model time jumps to it if it is still ahead."""
        with self._lock:
            ahead = deadline - (self._source() + self._offset)
            if ahead > 0:
                self._offset += ahead

    def wait(self, condition: threading.Condition, deadline: Optional[float], skippable: bool) -> bool:
        """Wait on `condition` (held) until notified or the deadline is due; True if it is due."""
        if deadline is None:
            condition.wait()
            return False
        delay = self.real_delay(deadline, skippable)
        if delay > 0 and condition.wait(delay):
            return False
        if skippable:
            self.reach(deadline)
        return True
