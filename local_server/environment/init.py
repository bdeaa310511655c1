"""An environment's init phase: it starts, then ends once, ready or failed.

Init ends when the runtime and every extension have asked for their next event (AWS "Lambda
execution environment lifecycle"), or fails: an error posted to /init/error (the runtime's or
an extension's), a runtime that exits first, a runtime that cannot be started, or the init
timeout (10 s on Lambda). Its own lock: the first ending wins. The caller waits for the end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from lambda_runtime_api import RUNTIME_EXIT, SANDBOX_TIMEDOUT

from ..wire import lambda_errors
from ..wire.platform_log import ERROR, TIMEOUT

STARTING, READY, FAILED = "starting", "ready", "failed"


class Failure:
    """Why init failed: the error type, the body posted (if one was), the runtime's exit status (if it exited)."""

    __slots__ = ("body", "error_type", "returncode", "status")

    def __init__(self, error_type: str, body: bytes | None, returncode: int | None, status: str) -> None:
        self.error_type = error_type
        self.body = body
        self.returncode = returncode
        self.status = status  # the platform's: error, or timeout


class Init:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._state = STARTING
        self._started_at = time.monotonic()
        self.duration_ms = 0.0
        self.failure: Failure | None = None
        self.ended = threading.Event()
        self._runtime_asked = False  # the runtime has called /next once
        self._cold = True  # the first invocation reports the init's duration

    @property
    def ok(self) -> bool:
        return self._state == READY

    def runtime_asked(self) -> bool:
        """The runtime calls /next: True the first time (init may be over)."""
        with self._lock:
            first, self._runtime_asked = not self._runtime_asked, True
            return first

    @property
    def runtime_at_next(self) -> bool:
        return self._runtime_asked

    def succeed(self, then: Callable[[], None]) -> bool:
        """Ends init as ready, calls `then` before anyone waiting hears of it; False if it had ended already."""
        return self._end(READY, None, then)

    def fail(self, error_type: str, body: bytes | None, returncode: int | None, status: str,
             then: Callable[[], None]) -> bool:
        """Ends init as failed, calls `then` before anyone waiting hears of it; False if it had ended already."""
        return self._end(FAILED, Failure(error_type, body, returncode, status), then)

    def _end(self, state: str, failure: Failure | None, then: Callable[[], None]) -> bool:
        with self._lock:
            if self._state != STARTING:
                return False
            self._state, self.failure = state, failure
            self.duration_ms = (time.monotonic() - self._started_at) * 1000
        then()  # the platform's INIT lines go out before the first invocation's START
        self.ended.set()
        return True

    def cold_start_ms(self) -> float | None:
        """The init's duration for the first invocation the environment runs; None for the others."""
        with self._lock:
            cold, self._cold = self._cold, False
        return self.duration_ms if cold else None

    def outcome(self, request_id: str) -> tuple[str, str, bytes] | None:
        """After the end: None when init succeeded, else (status, error type, body) for the caller."""
        failure = self.failure
        if failure is None:
            return None
        if failure.body is not None:
            # Lambda passes the init error on as the runtime posted it.
            return ERROR, failure.error_type, failure.body
        if failure.error_type == SANDBOX_TIMEDOUT:
            return TIMEOUT, SANDBOX_TIMEDOUT, lambda_errors.timed_out(request_id, self.timeout)
        return ERROR, RUNTIME_EXIT, lambda_errors.runtime_exited(request_id, failure.returncode or 0)
