"""The telemetry of one execution environment: its subscriptions, and every record it sends them.

The environment owns one TelemetryHub and tells it each moment of the lifecycle and every
piece of output of its processes (the calls and their moments: this package's __init__). The
hub turns each into records for every subscriber that asked for that type, at that
subscriber's API and schema version, and hands them to the subscriber's own sender
(subscriber.py): no call here waits for a listener.

Records of init are kept until the first invocation starts and replayed to each extension
that subscribes meanwhile, as Lambda does: an extension subscribes after it registered, yet
receives platform.initStart and the function's init logs (AWS's managed-instances RIE keeps
and replays them the same way, relay.go; measured: initStart delivered to a later subscriber).
At most REPLAY_LIMIT are kept; a subscriber that misses some is told in a platform.logsDropped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

from . import emissions
from .emissions import Build
from .encoding import encode
from .facts import INIT_PHASE, FunctionFacts, Invoke, Report, RuntimeDone
from .lines import LineSplitter
from .protocol import EXTENSION, FUNCTION, PLATFORM, SANDBOX_ADDRESS, Answer, api_of, method_not_allowed
from .rules import SUBSCRIBED, Existing, decide
from .subscriber import DropNotice, Subscriber
from .subscription import Destination
from .telemetry_records import event
from .transport import Transport, transport_for

REPLAY_LIMIT = 10_000  # records of init kept for later subscribers (the largest maxItems)


@dataclass(frozen=True)
class _Moment:
    kind: str  # PLATFORM, FUNCTION or EXTENSION: the type a subscriber asks for
    epoch: float
    build: Build
    size: int = 0  # a log line's bytes (what a late subscriber is told it missed)


class _Subscribed:
    def __init__(self, existing: Existing, subscriber: Subscriber) -> None:
        self.existing = existing
        self.subscriber = subscriber
        self.api = existing.subscription.api
        self.version = existing.subscription.schema_version
        self.types = existing.subscription.types


class TelemetryHub:
    def __init__(self, function: FunctionFacts, clock: Callable[[], float] = time.time,
                 address: str = SANDBOX_ADDRESS,
                 transport: Optional[Callable[[Destination], Transport]] = None) -> None:
        self.function = function
        self.clock = clock  # the records' times
        self.transport = transport or (lambda destination: transport_for(destination, address))
        self.lock = threading.Lock()
        self.subscribed: list[_Subscribed] = []
        self.wanted: set[str] = set()  # the types some subscriber takes
        self.replay: Optional[list[_Moment]] = []  # None once init is over
        self.missed = [0, 0]  # records, bytes of init past REPLAY_LIMIT
        self.splitters: dict[str, tuple[str, LineSplitter]] = {}  # source -> (kind, its lines)
        self.output_lock = threading.Lock()  # the splitters'; pipes may be read on several threads

    @property
    def any_subscription(self) -> bool:
        return bool(self.subscribed)

    # --- subscriptions ----------------------------------------------------------------------

    @staticmethod
    def handles(path: str) -> bool:
        """True for the paths of the two subscription APIs (the Runtime API's router asks first)."""
        return api_of(path) is not None

    def subscribe(self, method: str, path: str, extension_name: str, body: bytes, init_over: bool) -> Answer:
        """The answer to an extension's subscription request. The router has checked its
        Lambda-Extension-Identifier (and answered 403 if it is missing or unknown) and found its
        name; `init_over`: the environment's init has ended (subscriptions are closed)."""
        api = api_of(path)
        if api is None:
            raise ValueError(f"not a subscription path: {path}")
        if method != "PUT":
            return method_not_allowed()
        with self.lock:
            decision = decide(api, body, extension_name, init_over, self.function.managed,
                              [sub.existing for sub in self.subscribed])
            subscription = decision.subscription
            if subscription is None or decision.state is None:
                return decision.answer
            if decision.state == SUBSCRIBED:
                notice = self._drop_notice(api) if PLATFORM in subscription.types else None
                subscriber = Subscriber(extension_name, subscription, self.transport(subscription.destination),
                                        notice, emissions.slow_consumer(api))
                added = _Subscribed(Existing(extension_name, subscription), subscriber)
                self.subscribed.append(added)
                self.wanted |= subscription.types
                self._replay_to(added)
            self._emit(PLATFORM, emissions.subscription(api, extension_name, decision.state,
                                                        subscription.ordered_types))
        return decision.answer

    def _drop_notice(self, api: str) -> DropNotice:
        def notice(records: int, size: int, reason: str) -> bytes:
            kind, record = emissions.logs_dropped(api, records, size, reason)
            return encode(event(kind, record, self.clock()))
        return notice

    def _replay_to(self, added: _Subscribed) -> None:
        if self.replay is None:
            return
        if self.missed[0] and PLATFORM in added.types:
            kind, record = emissions.logs_dropped(added.api, self.missed[0], self.missed[1],
                                                  emissions.slow_consumer(added.api))
            added.subscriber.add(encode(event(kind, record, self.clock())))
        for moment in self.replay:
            if moment.kind in added.types:
                for kind, record in moment.build(added.api, added.version):
                    added.subscriber.add(encode(event(kind, record, moment.epoch)))

    # --- records ---------------------------------------------------------------------------

    def _emit(self, kind: str, build: Build, size: int = 0) -> None:
        """Sends one moment's records to every subscriber that takes `kind` (lock held)."""
        epoch = self.clock()
        if self.replay is not None:
            if len(self.replay) < REPLAY_LIMIT:
                self.replay.append(_Moment(kind, epoch, build, size))
            else:
                self.missed[0] += 1
                self.missed[1] += size
        made: dict[tuple[str, str], list[bytes]] = {}
        for sub in self.subscribed:
            if kind in sub.types:
                key = (sub.api, sub.version)
                if key not in made:
                    made[key] = [encode(event(name, record, epoch)) for name, record in build(*key)]
                for data in made[key]:
                    sub.subscriber.add(data)

    def _moment(self, kind: str, build: Build, size: int = 0) -> None:
        if self.replay is None and kind not in self.wanted:
            return  # nobody listens and nobody can come: the cost of telemetry without subscribers
        with self.lock:
            self._emit(kind, build, size)

    # --- the lifecycle (the environment's calls; see __init__) -------------------------------

    def init_start(self, phase: str = INIT_PHASE) -> None:
        self._moment(PLATFORM, emissions.init_start(self.function, phase))

    def init_runtime_done(self, status: str, error_type: Optional[str] = None, phase: str = INIT_PHASE) -> None:
        self._moment(PLATFORM, emissions.init_runtime_done(self.function, phase, status, error_type))

    def extension_state(self, name: str, events: list[str], state: str = "Ready",
                        error_type: Optional[str] = None) -> None:
        self._moment(PLATFORM, emissions.extension_state(name, events, state, error_type))

    def init_report(self, duration_ms: float, status: str, error_type: Optional[str] = None,
                    phase: str = INIT_PHASE) -> None:
        self._moment(PLATFORM, emissions.init_report(self.function, phase, status, error_type, duration_ms))

    def invoke_start(self, invoke: Invoke) -> None:
        with self.lock:
            self.replay = None  # init is over: no one can subscribe now
            self.missed = [0, 0]
            if PLATFORM in self.wanted:
                self._emit(PLATFORM, emissions.start(self.function, invoke))

    def runtime_done(self, invoke: Invoke, done: RuntimeDone) -> None:
        self._moment(PLATFORM, emissions.runtime_done(self.function, invoke, done))

    def report(self, invoke: Invoke, done: Report) -> None:
        self._moment(PLATFORM, emissions.report(self.function, invoke, done))

    # --- output ----------------------------------------------------------------------------

    def function_output(self, source: str, data: bytes) -> None:
        """Bytes read from a pipe of the runtime (or a process it started); `source` names the
        pipe, e.g. "runtime:stdout": lines are cut per pipe."""
        self._output(FUNCTION, source, data)

    def extension_output(self, source: str, data: bytes) -> None:
        """Bytes read from a pipe of an extension's process, e.g. source "otel-extension:stderr"."""
        self._output(EXTENSION, source, data)

    def output_ended(self, source: str) -> None:
        """The pipe is closed (its process ended): its last line, if it had no newline, is sent."""
        with self.output_lock:
            kind, splitter = self.splitters.pop(source, ("", None))
            lines = splitter.end() if splitter is not None else []
        self._lines(kind, lines)

    def _output(self, kind: str, source: str, data: bytes) -> None:
        if self.replay is None and kind not in self.wanted:
            return
        with self.output_lock:
            splitter = self.splitters.get(source)
            if splitter is None:
                splitter = self.splitters[source] = (kind, LineSplitter())
            lines = splitter[1].feed(data)
        self._lines(kind, lines)

    def _lines(self, kind: str, lines: list[str]) -> None:
        for line in lines:
            self._moment(kind, emissions.log_line(self.function, kind, line), len(line.encode("utf-8")))

    # --- shutdown --------------------------------------------------------------------------

    def flush(self, timeout: float) -> bool:
        """Delivers what every subscriber has buffered, all at once, for at most `timeout` s;
        True if everything arrived. Nothing is cut off: records may follow."""
        deadline = time.monotonic() + timeout
        with self.lock:
            subscribers = [sub.subscriber for sub in self.subscribed]
        targets = [subscriber.flush_start() for subscriber in subscribers]
        return all([subscriber.flush_wait(target, max(0.0, deadline - time.monotonic()))
                    for subscriber, target in zip(subscribers, targets)])

    def close(self, timeout: float) -> bool:
        """The environment ends: the last lines, a flush of at most `timeout` s, the senders stopped."""
        with self.output_lock:
            sources = list(self.splitters)
        for source in sources:
            self.output_ended(source)
        flushed = self.flush(timeout)
        with self.lock:
            subscribers = [sub.subscriber for sub in self.subscribed]
            self.replay = None
        for subscriber in subscribers:
            subscriber.close(0.0)
        return flushed
