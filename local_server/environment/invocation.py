"""One invocation on its way through an environment: what was asked, how far it got, who answers.

Three parties touch it from their own threads: the front server that waits for it, the
Runtime API connection that hands it to the runtime and receives the result, and the
environment's supervisor (a crash) or the front server (a timeout) that may end it first.
The lock makes the first ending win; later ones are refused, as Lambda refuses a second
post for an invocation (403) or a post after a timeout.
"""

from __future__ import annotations

import os
import threading
import time

from .reports import ERROR, SUCCESS

QUEUED, RUNNING, STREAMING, DONE = "queued", "running", "streaming", "done"
TAIL_BYTES = 4096  # X-Amz-Log-Result: "The last 4 KB of the execution log, which is base64 encoded."
_KEEP_LOG = 4 * TAIL_BYTES


def new_request_id() -> str:
    """A random (version 4) UUID, without the uuid module's import cost."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Invocation:
    """The request, its progress, and the responder that turns the result into an HTTP answer."""

    def __init__(self, payload: bytes, responder, *, request_id: str | None = None, trace_id: str | None = None,
                 client_context: bytes | None = None, tail: bool = False) -> None:
        self.request_id = request_id or new_request_id()
        self.payload = payload
        self.trace_id = trace_id
        self.client_context = client_context  # decoded JSON text, as bytes
        self.responder = responder
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.state = QUEUED
        self.deadline_ms = 0  # epoch ms, set when dispatched
        self.started = 0.0  # monotonic, when the runtime got it
        self.finished = 0.0
        self.status = SUCCESS
        self.error_type: str | None = None
        self.function_error = False  # the error came from the function (/error), not the platform
        self.produced = 0  # response bytes
        self.late_ok = False  # managed instances: a post after the timeout is answered 410, not 403
        self.log = bytearray() if tail else None
        self.connection = None  # the Runtime API connection it was handed out on
        self.on_late_end = None  # managed instances: called when the runtime ends a timed-out invocation
        self.on_answer = None  # called when it ends, before its caller is answered (invoking.py)
        self.init_ms: float | None = None  # the environment's init, on its first invocation
        self.start_line = b""  # START, until it is written (before the first output, or with END)
        self._report_fn = None
        self._reported: bytes | None = None

    # --- the runtime's side (called by the Runtime API connection) -----------------------

    def claim(self) -> bool:
        """The runtime takes it (GET /next); False if it ended while queued."""
        with self.lock:
            if self.state != QUEUED:
                return False
            self.state = RUNNING
            self.started = time.monotonic()
            return True

    def respond(self, body: bytes, content_type: str) -> int:
        """A buffered response; returns the status for the runtime (202, or why not)."""
        with self.lock:
            if self.state != RUNNING:
                return self._refused()
            self.produced = len(body)
            self._finish()
            self.responder.response(self, body, content_type)
        self.done.set()
        return 202

    def fail(self, body: bytes, error_type: str) -> int:
        """The function's error (POST /error)."""
        with self.lock:
            if self.state != RUNNING:
                return self._refused()
            self.status, self.error_type, self.function_error = ERROR, error_type, True
            self._finish()
            self.responder.error(self, body, error_type)
        self.done.set()
        return 202

    def stream_start(self, content_type: str) -> int:
        with self.lock:
            if self.state != RUNNING:
                return self._refused()
            self.state = STREAMING
            self.responder.stream_start(self, content_type)
        return 202

    def stream_data(self, data: bytes) -> bool:
        """Forwards a piece of a streamed response; False once the invocation has ended."""
        with self.lock:
            if self.state != STREAMING:
                return False
            self.produced += len(data)
            self.responder.stream_data(self, data)
            return True

    def stream_end(self, error_type: str | None, error_body: bytes | None) -> int:
        with self.lock:
            if self.state != STREAMING:
                return self._refused()
            if error_type:
                self.status, self.error_type, self.function_error = ERROR, error_type, True
            self._finish()
            self.responder.stream_end(self, error_type, error_body)
        self.done.set()
        return 202

    def _refused(self) -> int:
        # Called with the lock held: the invocation has ended (or never started).
        if self.state == DONE and self.late_ok:
            end, self.on_late_end, self.late_ok = self.on_late_end, None, False
            if end is not None:
                threading.Thread(target=end, daemon=True).start()
            return 410
        return 403

    # --- the platform's side (a timeout, a crash, an init failure) ---------------------------

    def abort(self, status: str, error_type: str, body: bytes) -> bool:
        """Ends it with a platform error unless it has ended already; True if this call ended it."""
        with self.lock:
            if self.state == DONE:
                return False
            streaming = self.state == STREAMING
            if self.state == QUEUED:
                self.started = time.monotonic()
            self.status, self.error_type, self.function_error = status, error_type, False
            self._finish()
            if streaming:
                self.responder.stream_end(self, error_type, body)
            else:
                self.responder.error(self, body, error_type)
        self.done.set()
        return True

    def _finish(self) -> None:
        self.state = DONE
        self.finished = time.monotonic()
        if self.on_answer is not None:
            self.on_answer()

    # --- reports and the log --------------------------------------------------------------

    @property
    def duration_ms(self) -> float:
        return max(0.0, (self.finished or time.monotonic()) - self.started) * 1000

    def add_log(self, data: bytes) -> None:
        log = self.log
        if log is not None:
            log += data
            if len(log) > _KEEP_LOG:
                del log[:len(log) - TAIL_BYTES]

    def set_reporter(self, report_fn) -> None:
        self._report_fn = report_fn

    def report(self) -> bytes:
        """Writes END and REPORT once (the environment's reporter does); returns the tail of the log."""
        if self._reported is None:
            self._reported = b""
            if self._report_fn is not None:
                self._report_fn(self)
            self._reported = bytes(self.log[-TAIL_BYTES:]) if self.log is not None else b""
        return self._reported


class _Answered:
    """Stands for an invocation that has been answered: any further post for it gets 403."""

    late_ok = False

    def respond(self, body: bytes, content_type: str) -> int:
        return 403

    def fail(self, body: bytes, error_type: str) -> int:
        return 403

    def stream_start(self, content_type: str) -> int:
        return 403

    def stream_data(self, data: bytes) -> bool:
        return False

    def stream_end(self, error_type, error_body) -> int:
        return 403

    def abort(self, status: str, error_type: str, body: bytes) -> bool:
        return False


ANSWERED = _Answered()
