"""One subscription's delivery: its buffer, its sender thread, what it drops, and its flush.

Whoever produces records (the runtime's connection, the output reader, the Extensions API)
only calls add(): a few list operations under this subscriber's lock, never a socket, so a
slow or absent listener never slows the function or the server. One thread per subscription
sends its batches in order, one at a time, so its records arrive in the order they were added.

Records that cannot be delivered are counted and reported to the subscriber (when it takes
platform records) in a platform.logsDropped record at the head of its next batch: "Lambda emits
the platform.logsDropped event when an extension can't process one or more events"
(telemetry-schema-reference.html). Two ways to lose records: the buffer is at twice its bounds
while the listener is slow or absent (batching.py), or a batch is refused (an answer of 400 or
more) or unanswered (transport.py). A listener that is not there is retried with backoff.

At shutdown, flush() sends what is buffered without waiting for the batch's timeoutMs and
waits, up to a deadline, until every record added before it is delivered or lost ("If any of
the input streams are closed, Lambda flushes the logs", telemetry-api.html; AWS's RIE flushes
each subscriber, waiting at most 1 s: rapid/shutdown.go).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Optional

from .batching import Buffer
from .subscription import Subscription
from .transport import SendError, Transport

RETRY_FIRST, RETRY_MAX = 0.025, 1.0  # seconds: the backoff of a listener that is not there
# (drops: records, bytes, reason) -> the encoded platform.logsDropped record for this subscriber.
DropNotice = Callable[[int, int, str], bytes]


class Subscriber:
    def __init__(self, name: str, subscription: Subscription, transport: Transport,
                 drop_notice: Optional[DropNotice], slow_reason: str) -> None:
        self.name = name  # the extension's
        self.subscription = subscription
        self.transport = transport
        self.drop_notice = drop_notice  # None: it takes no platform records, it is not told
        self.slow_reason = slow_reason
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)
        self.buffer = Buffer(subscription.buffering)
        self.overflow = [0, 0]  # records, bytes refused by the full buffer, not reported yet
        self.notices: list[bytes] = []  # platform.logsDropped records waiting to be sent
        self.notice_since = 0.0
        self.added = 0  # records accepted so far
        self.settled = 0  # of those, records delivered or lost
        self.flushing = 0  # flush() calls waiting: the buffer is sent as it is
        self.closed = False
        self.stop = threading.Event()  # ends a backoff at once
        self.thread = threading.Thread(target=self._run, name=f"telemetry-{name}", daemon=True)
        self.thread.start()

    # --- the producers' side ---------------------------------------------------------------

    def add(self, event: bytes) -> None:
        with self.lock:
            if self.closed:
                return
            if not self.buffer.add(event, time.monotonic()):
                self.overflow[0] += 1
                self.overflow[1] += len(event)
                return
            self.added += 1
            if len(self.buffer.events) == 1 or self.buffer.full:
                self.wake.notify()  # a batch opens (its timer starts), or is ready

    def flush(self, timeout: float) -> bool:
        """Sends what is buffered now; True when all of it is delivered (or lost) within `timeout` s."""
        return self.flush_wait(self.flush_start(), timeout)

    def flush_start(self) -> int:
        """Starts a flush (the buffer goes as it is, not at its timeoutMs); what flush_wait waits for."""
        with self.lock:
            self.flushing += 1
            self.wake.notify_all()
            return self.added

    def flush_wait(self, target: int, timeout: float) -> bool:
        with self.lock:
            try:
                return self.wake.wait_for(lambda: self.closed or (self.settled >= target and not self.notices),
                                          timeout) and self.settled >= target
            finally:
                self.flushing -= 1

    def close(self, timeout: float) -> bool:
        """Flushes (up to `timeout` s), then stops the sender; True when everything was delivered."""
        flushed = self.flush(timeout)
        with self.lock:
            self.closed = True
            self.wake.notify_all()
        self.stop.set()
        self.transport.abort()
        self.thread.join(1.0)
        self.transport.close()
        return flushed

    # --- the sender ------------------------------------------------------------------------

    def _ready(self, now: float) -> bool:
        if self.buffer.events and (self.flushing or self.buffer.ready(now)):
            return True
        return bool(self.notices) and (self.flushing > 0 or now >= self.notice_since + self.buffer.timeout)

    def _next_batch(self) -> Optional[tuple[list[bytes], int]]:
        """Waits for the next batch: (its events, how many are records); None once closed."""
        with self.lock:
            while not self.closed:
                now = time.monotonic()
                if self._ready(now):
                    if self.overflow[0] and self.drop_notice:
                        self.notices.append(self.drop_notice(self.overflow[0], self.overflow[1], self.slow_reason))
                    self.overflow = [0, 0]
                    records = self.buffer.take()
                    batch, self.notices = self.notices + records, []
                    return batch, len(records)
                due = [at for at in (self.buffer.due_at(), self.notice_since + self.buffer.timeout
                                     if self.notices else None) if at is not None]
                self.wake.wait(max(0.0, min(due) - now) if due else None)
        return None

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            events, records = batch
            lost = self._deliver(events)
            with self.lock:
                self.settled += records
                if lost and records and self.drop_notice and not self.closed:
                    if not self.notices:
                        self.notice_since = time.monotonic()
                    self.notices.append(self.drop_notice(records, sum(map(len, events[-records:])), lost))
                self.wake.notify_all()

    def _deliver(self, events: list[bytes]) -> Optional[str]:
        """Sends one batch, retrying a listener that is not there; None, or why it was lost."""
        delay = RETRY_FIRST
        while True:
            try:
                self.transport.send(events)
                return None
            except SendError as error:
                if not error.retry:
                    return str(error)
            if self.stop.wait(delay):
                return "the environment ended"
            delay = min(2 * delay, RETRY_MAX)
