"""One subscription's records waiting to be sent: when they make a batch, and when there are too many.
Pure (the caller holds the lock and passes the time).

Buffering, as AWS's pages define it (telemetry-api.html, "Configuring memory usage and buffering"):
maxItems "the maximum number of events to buffer in memory", maxBytes "the maximum volume of
telemetry (in bytes) to buffer in memory", timeoutMs "the maximum time (in milliseconds) to
buffer a batch". So a batch is ready when it holds maxItems records or maxBytes bytes, or
timeoutMs after its first record (as AWS's RIE batches: internal/batch.go, internal/subscriber.go).

While the previous batch is still being delivered, records keep coming: they wait here, up to
twice maxItems and twice maxBytes (room for the next batch while one is sent; the page says to
"expect to receive payloads as large as 2 * maxBytes + metadataBytes"), and past that they are
dropped, counted, and reported to the subscriber in a platform.logsDropped record. The RIE
drops the whole batch as soon as the sender is busy; Lambda's own rule is not published
(unconfirmed), this one loses less.
"""

from __future__ import annotations

from typing import Optional

from .subscription import Buffering


class Buffer:
    def __init__(self, buffering: Buffering) -> None:
        self.max_items = buffering.max_items
        self.max_bytes = buffering.max_bytes
        self.timeout = buffering.timeout_ms / 1000
        self.events: list[bytes] = []
        self.size = 0
        self.opened_at = 0.0  # when the first record of the forming batch came

    def add(self, event: bytes, now: float) -> bool:
        """Keeps `event`; False when it is dropped (the buffer is at twice its bounds)."""
        if self.events and (len(self.events) >= 2 * self.max_items or self.size + len(event) > 2 * self.max_bytes):
            return False
        if not self.events:
            self.opened_at = now
        self.events.append(event)
        self.size += len(event)
        return True

    @property
    def full(self) -> bool:
        return len(self.events) >= self.max_items or self.size >= self.max_bytes

    def due_at(self) -> Optional[float]:
        """When the forming batch is due (timeoutMs after its first record); None when empty."""
        return self.opened_at + self.timeout if self.events else None

    def ready(self, now: float) -> bool:
        return bool(self.events) and (self.full or now >= self.opened_at + self.timeout)

    def take(self) -> list[bytes]:
        """The next batch: the oldest records, up to maxItems and until maxBytes is reached (the
        record that reaches it included, as the RIE's batch.go counts). What is left waits, due
        at the same time as the records before it (so at once, if they were)."""
        count, size = 0, 0
        for event in self.events:
            if count >= self.max_items or size >= self.max_bytes:
                break
            count += 1
            size += len(event)
        events, self.events = self.events[:count], self.events[count:]
        self.size -= size
        return events
