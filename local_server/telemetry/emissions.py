"""What each moment of the lifecycle becomes for a subscriber of either API, at either version. Pure.

A moment is kept as a Build: given (api, schema version), the records it makes there, as
(type, record) pairs, in order. The hub builds each moment once per kind of subscriber, and
again for a subscriber that comes later in init (to which init's records are replayed).

Per API:
- Telemetry API: every platform.* record of telemetry_records; platform.runtimeDone not under
  managed instances.
- Logs API: platform.start, platform.runtimeDone (2021-03-18), then at the end platform.fault
  (when the platform ended the invocation), platform.end and platform.report - the order of a
  real payload: runtimeDone, end, report (serverless/aws-lambda-otel-extension reporter_test.go);
  platform.extension and platform.logsSubscription; no init records (logs_records.py says why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

from . import logs_records as logs
from . import telemetry_records as tel
from .facts import FunctionFacts, Invoke, Report, RuntimeDone
from .protocol import TELEMETRY

Records = list[tuple[str, object]]
Build = Callable[[str, str], Records]  # (api, schema version) -> [(type, record)]


def _only(kind: str, record: Optional[object]) -> Records:
    return [] if record is None else [(kind, record)]


def init_start(fn: FunctionFacts, phase: str) -> Build:
    def build(api: str, version: str) -> Records:
        return _only("platform.initStart", tel.init_start(version, fn, phase) if api == TELEMETRY else None)
    return build


def init_runtime_done(fn: FunctionFacts, phase: str, status: str, error_type: Optional[str]) -> Build:
    def build(api: str, version: str) -> Records:
        record = tel.init_runtime_done(fn, phase, status, error_type) if api == TELEMETRY else None
        return _only("platform.initRuntimeDone", record)
    return build


def init_report(fn: FunctionFacts, phase: str, status: str, error_type: Optional[str], duration_ms: float) -> Build:
    def build(api: str, version: str) -> Records:
        record = tel.init_report(fn, phase, status, error_type, duration_ms) if api == TELEMETRY else None
        return _only("platform.initReport", record)
    return build


def extension_state(name: str, events: list[str], state: str, error_type: Optional[str]) -> Build:
    def build(api: str, version: str) -> Records:
        if api == TELEMETRY:
            return [("platform.extension", tel.extension(name, state, events, error_type))]
        return [("platform.extension", logs.extension(name, state, events))]
    return build


def subscription(api_of_record: str, name: str, state: str, types: list[str]) -> Build:
    """platform.telemetrySubscription to the Telemetry API's subscribers, platform.logsSubscription
    to the Logs API's: each API tells of its own subscriptions (which API hears of the other's is
    unconfirmed; AWS's managed-instances RIE tells every subscriber of its one API)."""
    def build(api: str, version: str) -> Records:
        if api != api_of_record:
            return []
        if api == TELEMETRY:
            return [("platform.telemetrySubscription", tel.subscription(name, state, types))]
        return [("platform.logsSubscription", logs.subscription(name, state, types))]
    return build


def start(fn: FunctionFacts, invoke: Invoke) -> Build:
    def build(api: str, version: str) -> Records:
        if api == TELEMETRY:
            return [("platform.start", tel.start(version, fn, invoke))]
        return [("platform.start", logs.start(fn, invoke))]
    return build


def runtime_done(fn: FunctionFacts, invoke: Invoke, done: RuntimeDone) -> Build:
    def build(api: str, version: str) -> Records:
        if api == TELEMETRY:
            return _only("platform.runtimeDone", tel.runtime_done(fn, invoke, done))
        return _only("platform.runtimeDone", logs.runtime_done(version, invoke, done))
    return build


def report(fn: FunctionFacts, invoke: Invoke, done: Report) -> Build:
    def build(api: str, version: str) -> Records:
        if api == TELEMETRY:
            return [("platform.report", tel.report(fn, invoke, done))]
        return [*_only("platform.fault", logs.fault(invoke, done)), ("platform.end", logs.end(invoke)),
                ("platform.report", logs.report(fn, invoke, done))]
    return build


def log_line(fn: FunctionFacts, kind: str, line: str) -> Build:
    """A "function" or "extension" line."""
    def build(api: str, version: str) -> Records:
        return [(kind, tel.log_line(version, fn, line) if api == TELEMETRY else line)]
    return build


def logs_dropped(api: str, dropped_records: int, dropped_bytes: int, reason: str) -> tuple[str, object]:
    if api == TELEMETRY:
        return "platform.logsDropped", tel.logs_dropped(dropped_bytes, dropped_records, reason)
    return "platform.logsDropped", logs.logs_dropped(dropped_bytes, dropped_records, reason)


def slow_consumer(api: str) -> str:
    """The reason of records dropped because a subscriber's listener is slower than the function."""
    return tel.SLOW_CONSUMER if api == TELEMETRY else logs.SLOW_CONSUMER
