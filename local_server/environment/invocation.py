"""One invocation on its way through an environment: what was asked, how far it got, who answers.

Three parties touch it from their own threads: the caller's side that made it and waits for
its answer, the Runtime API connection that hands it to the runtime and receives the result,
and the platform (the watchdog at the deadline, the environment when its runtime crashes).
Every field is assigned here, and its state moves only along one table of transitions
(`TRANSITIONS`), under the invocation's lock: the first ending wins, and what comes later is
refused, as Lambda refuses a second post for an invocation (403).

Lambda Managed Instances keep a timed-out invocation's code running: the caller gets the
timeout, but the runtime still holds the invocation (OVERTIME), and its slot in the
environment stays taken until the runtime answers late (410 InvokeTimeout) or its worker
ends. Leaving OVERTIME is what frees the slot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from lambda_runtime_api import SANDBOX_TIMEDOUT

from ..wire.platform_log import ERROR, SUCCESS, TIMEOUT
from ..wire.runtime_api import new_request_id
from .latch import Latch

TAIL_BYTES = 4096  # X-Amz-Log-Result: "The last 4 KB of the execution log, which is base64 encoded."
_KEEP_LOG = 4 * TAIL_BYTES

# States.
NEW = "new"  # made by the caller's side
ASSIGNED = "assigned"  # an environment will run it (once its init is over)
QUEUED = "queued"  # in the environment's mailbox: its deadline runs
RUNNING = "running"  # the runtime took it at /next
STREAMING = "streaming"  # the runtime is streaming its response
OVERTIME = "overtime"  # answered with a timeout; the runtime still holds it (managed instances)
DONE = "done"  # answered, and nobody holds it

# Events: the runtime's (claim, respond, fail, stream_*), the platform's (the others).
ASSIGN, DISPATCH, CLAIM = "assign", "dispatch", "claim"
RESPOND, FAIL, STREAM_START, STREAM_DATA, STREAM_END = "respond", "fail", "stream_start", "stream_data", "stream_end"
ABORT, TIME_OUT, TIME_OUT_HELD = "abort", "time_out", "time_out_held"

# (state, event) -> the next state; a pair that is not here is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (NEW, ASSIGN): ASSIGNED,
    (ASSIGNED, DISPATCH): QUEUED,
    (QUEUED, CLAIM): RUNNING,
    (RUNNING, RESPOND): DONE,
    (RUNNING, FAIL): DONE,
    (RUNNING, STREAM_START): STREAMING,
    (STREAMING, STREAM_DATA): STREAMING,
    (STREAMING, STREAM_END): DONE,
    # The platform ends it: init failed, the runtime crashed, a response too large.
    (NEW, ABORT): DONE, (ASSIGNED, ABORT): DONE, (QUEUED, ABORT): DONE, (RUNNING, ABORT): DONE,
    (STREAMING, ABORT): DONE,
    # The deadline: the runtime is reset, so nothing holds the invocation any more...
    (QUEUED, TIME_OUT): DONE, (RUNNING, TIME_OUT): DONE, (STREAMING, TIME_OUT): DONE,
    # ...except on managed instances, where the runtime goes on with what it holds.
    (QUEUED, TIME_OUT_HELD): DONE, (RUNNING, TIME_OUT_HELD): OVERTIME, (STREAMING, TIME_OUT_HELD): OVERTIME,
    # The runtime's late answer (refused with 410), or its worker's end.
    (OVERTIME, RESPOND): DONE, (OVERTIME, FAIL): DONE, (OVERTIME, STREAM_START): DONE,
    (OVERTIME, STREAM_END): DONE, (OVERTIME, ABORT): DONE,
}
_ANSWERED = frozenset((OVERTIME, DONE))


class Responder(Protocol):
    """Turns the result into the caller's answer (`front.responders`); called under the invocation's lock."""

    def response(self, inv: Invocation, body: bytes, content_type: str) -> None: ...

    def error(self, inv: Invocation, body: bytes, error_type: str) -> None: ...

    def stream_start(self, inv: Invocation, content_type: str) -> None: ...

    def stream_data(self, inv: Invocation, data: bytes) -> None: ...

    def stream_end(self, inv: Invocation, error_type: str | None, error_body: bytes | None) -> None: ...


class Invocation:
    """The request, its progress, and the responder that turns the result into an HTTP answer."""

    def __init__(self, payload: bytes, responder: Responder, *, request_id: str | None = None,
                 trace_id: str | None = None, client_context: bytes | None = None, tail: bool = False,
                 tenant_id: str | None = None) -> None:
        self.request_id = request_id or new_request_id()
        self.payload, self.trace_id = payload, trace_id
        self.client_context = client_context  # decoded JSON text, as bytes
        self.tenant_id = tenant_id  # X-Amz-Tenant-Id of a tenant-isolated function (for telemetry too)
        self.responder = responder
        self.lock = threading.Lock()
        self.answered = Latch()  # set when the caller has its answer
        self.log = bytearray() if tail else None  # the output kept for X-Amz-Log-Result
        self._state = NEW
        self.deadline_ms = 0  # epoch ms, from dispatch
        self.started = 0.0  # monotonic, when the runtime took it (or the platform ended it first)
        self.finished = 0.0
        self.status = SUCCESS
        self.error_type: str | None = None
        self.function_error = False  # the error came from the function (/error), not the platform
        self.produced = 0  # response bytes
        self.connection: object | None = None  # the Runtime API connection it was handed out on
        self.init_ms: float | None = None  # the environment's init, on its first invocation
        self.start_line = b""  # START, until it is written (before the first output, or with END)
        self._reporter: Callable[[Invocation], bytes] | None = None
        self._on_answer: Callable[[], None] | None = None
        self._on_late_end: Callable[[], None] | None = None
        self._late_ended = False  # it left OVERTIME: its late end has freed the slot
        self._tail: bytes | None = None

    @property
    def state(self) -> str:
        return self._state

    @property
    def overtime(self) -> bool:
        return self._state == OVERTIME

    def _move(self, event: str) -> str | None:
        """Takes the transition for `event` (lock held); the state it left, or None if refused."""
        before = self._state
        after = TRANSITIONS.get((before, event))
        if after is None:
            return None
        self._state = after
        if after in _ANSWERED and before not in _ANSWERED:
            self.finished = time.monotonic()
            if before in (NEW, ASSIGNED, QUEUED):
                self.started = self.finished
            if self._on_answer is not None:
                self._on_answer()
        return before

    # --- the platform's side: an environment, then the mailbox ----------------------------

    def assign(self, reporter: Callable[[Invocation], bytes], on_answer: Callable[[], None],
               on_late_end: Callable[[], None] | None) -> bool:
        """An environment takes it: who writes its END and REPORT, who hears that it is answered,
        and, on managed instances, who frees its slot when it leaves OVERTIME."""
        with self.lock:
            if self._move(ASSIGN) is None:
                return False
            self._reporter, self._on_answer, self._on_late_end = reporter, on_answer, on_late_end
            return True

    def dispatch(self, deadline_ms: int) -> bool:
        with self.lock:
            if self._move(DISPATCH) is None:
                return False
            self.deadline_ms = deadline_ms
            return True

    # --- the runtime's side (called by the Runtime API connection) -----------------------

    def claim(self, connection: object, start_line: bytes, init_ms: Callable[[], float | None]) -> bool:
        """The runtime takes it (GET /next); False if it ended while queued. `init_ms` is asked
        only when the claim succeeds: the first invocation an environment runs reports its init."""
        with self.lock:
            if self._move(CLAIM) is None:
                return False
            self.started = time.monotonic()
            self.connection, self.start_line, self.init_ms = connection, start_line, init_ms()
            return True

    def respond(self, body: bytes, content_type: str) -> int:
        """A buffered response; returns the status for the runtime (202, or why not)."""
        with self.lock:
            before = self._move(RESPOND)
            if before != RUNNING:
                return self._refused(before)
            self.produced = len(body)
            self.responder.response(self, body, content_type)
        self.answered.set()
        return 202

    def fail(self, body: bytes, error_type: str) -> int:
        """The function's error (POST /error)."""
        with self.lock:
            before = self._move(FAIL)
            if before != RUNNING:
                return self._refused(before)
            self.status, self.error_type, self.function_error = ERROR, error_type, True
            self.responder.error(self, body, error_type)
        self.answered.set()
        return 202

    def stream_start(self, content_type: str) -> int:
        with self.lock:
            before = self._move(STREAM_START)
            if before != RUNNING:
                return self._refused(before)
            self.responder.stream_start(self, content_type)
        return 202

    def stream_data(self, data: bytes) -> bool:
        """Forwards a piece of a streamed response; False once the invocation has ended."""
        with self.lock:
            if self._move(STREAM_DATA) is None:
                return False
            self.produced += len(data)
            self.responder.stream_data(self, data)
            return True

    def stream_end(self, error_type: str | None, error_body: bytes | None) -> int:
        with self.lock:
            before = self._move(STREAM_END)
            if before != STREAMING:
                return self._refused(before)
            if error_type:
                self.status, self.error_type, self.function_error = ERROR, error_type, True
            self.responder.stream_end(self, error_type, error_body)
        self.answered.set()
        return 202

    def _refused(self, before: str | None) -> int:
        """The status a refused post gets (lock held): 410 for a late answer, which frees the slot."""
        if before != OVERTIME:
            return 403
        self._late_end()
        return 410

    def _late_end(self) -> None:
        end, self._on_late_end, self._late_ended = self._on_late_end, None, True
        if end is not None:
            # On its own thread: freeing the slot takes the pool's lock, not under this one.
            threading.Thread(target=end, daemon=True).start()

    # --- the platform's side: it ends it --------------------------------------------------

    def abort(self, status: str, error_type: str, body: bytes) -> bool:
        """Ends it with a platform error unless it has ended already; True if this call answered it."""
        with self.lock:
            before = self._move(ABORT)
            if before is None:
                return False
            if before == OVERTIME:  # a managed worker ended while it held a timed-out invocation
                self._late_end()
                return False
            self._answer_with(before, status, error_type, body)
        self.answered.set()
        return True

    def time_out(self, body: bytes) -> bool:
        """The deadline passed: Lambda's timeout answer; True if this call answered it."""
        with self.lock:
            before = self._move(TIME_OUT if self._on_late_end is None else TIME_OUT_HELD)
            if before is None:
                return False
            self._answer_with(before, TIMEOUT, SANDBOX_TIMEDOUT, body)
        self.answered.set()
        return True

    def settle(self) -> bool:
        """The caller is done with it. True if the runtime holds or held it past its timeout (managed
        instances): leaving OVERTIME frees the slot. Else the caller frees it, and no late end will."""
        with self.lock:
            if self._state == OVERTIME or self._late_ended:
                return True
            self._on_late_end = None
            return False

    def _answer_with(self, before: str, status: str, error_type: str, body: bytes) -> None:
        self.status, self.error_type, self.function_error = status, error_type, False
        if before == STREAMING:
            self.responder.stream_end(self, error_type, body)
        else:
            self.responder.error(self, body, error_type)

    # --- reports and the log --------------------------------------------------------------

    @property
    def duration_ms(self) -> float:
        return max(0.0, (self.finished or time.monotonic()) - self.started) * 1000

    def add_log(self, data: bytes) -> None:
        """Output of the function while it runs (the environment's output, under its lock)."""
        log = self.log
        if log is not None:
            log += data
            if len(log) > _KEEP_LOG:
                del log[:len(log) - TAIL_BYTES]

    def take_start_line(self) -> bytes:
        """START, the first time it is asked for (the environment's output, under its lock)."""
        start, self.start_line = self.start_line, b""
        return start

    def report(self) -> bytes:
        """Has END and REPORT written, once; returns the tail of the log (X-Amz-Log-Result)."""
        if self._tail is None:
            self._tail = b""
            if self._reporter is not None:
                self.add_log(self._reporter(self))
            self._tail = bytes(self.log[-TAIL_BYTES:]) if self.log is not None else b""
        return self._tail
