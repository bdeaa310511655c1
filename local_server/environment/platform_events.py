"""What the platform tells of one environment: its own log lines, and its telemetry to the extensions
that subscribed; and the metadata endpoint beside its Runtime API.

The environment calls one method at each moment of its lifecycle; each writes the platform's
line to the log where there is one (INIT_REPORT, END, REPORT: wire.platform_log) and tells the
environment's TelemetryHub (the telemetry package's docstring says which call at which moment).
No call waits for a listener: the hub only queues records for each subscriber's own thread.

An invocation's platform records, on-demand, in Lambda's order:
  began        platform.start, when the runtime's /next hands it over
  responded    when the runtime's post for it began and ended (runtimeDone's spans)
  runtime_next / runtime_gone
               platform.runtimeDone, when the runtime asks for the next one ("Lambda generates the
               platform.runtimeDone log message when the runtime sends a Next or Error runtime API
               request", runtimes-logs-api.html), or is reset after a timeout, or crashed
  report, over REPORT's figures, then the extensions back at event/next: platform.report, sent
               once runtimeDone is out. An extension that waits for runtimeDone before its
               event/next (the OpenTelemetry collector) gets it; one that does not may be back
               before the runtime asks again, and gets the report right after the runtimeDone.
Managed instances have no platform.runtimeDone (telemetry-schema-reference.html): their
report, with its response spans, goes with the REPORT line. An invocation that never reached
the runtime (init failed, or its runtime crashed while it was queued) gets its start,
runtimeDone and report together, with its END and REPORT lines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Optional, Union

from ..config import Config
from ..console import Console
from ..telemetry.facts import SUCCESS, FunctionFacts, Invoke, Report, ResponseTimes, RuntimeDone, Span, milliseconds
from ..telemetry.hub import TelemetryHub
from ..telemetry.metadata import MetadataEndpoint, new_token
from ..telemetry.protocol import Answer
from ..wire.platform_log import Platform, billed_ms, megabytes
from .invocation import Invocation

# Before SHUTDOWN, what the subscribers have buffered is delivered for at most this long (AWS's
# RIE: rapid/shutdown.go waits at most 1 s for every subscriber's batch).
FLUSH_LIMIT = 1.0


@dataclass
class _Told:
    """An invocation the hub heard start: what its platform.runtimeDone and report need."""

    inv: Invocation
    invoke: Invoke
    delivered: float
    extensions: bool  # extensions were given its INVOKE event: its report has their overhead
    response_started: Optional[float] = None
    response_finished: Optional[float] = None
    done: bool = False  # platform.runtimeDone is out
    report: Optional[Report] = None  # REPORT's figures, complete once `over`
    over: bool = False

    def times(self) -> ResponseTimes:
        return ResponseTimes(self.delivered, self.response_started, self.response_finished)


class PlatformEvents:
    def __init__(self, config: Config, platform: Platform, console: Console, address: str) -> None:
        self.platform = platform
        self.console = console
        self.managed = config.max_concurrency is not None
        self.hub = TelemetryHub(FunctionFacts(config.function_name, config.version, config.function_arn,
                                              config.memory_mb, config.init_type, config.log_format, self.managed))
        self.metadata = MetadataEndpoint(address, new_token())
        self.lock = threading.Lock()  # order among the runtime's, the caller's and the watchdog's calls
        self.reported = threading.Condition(self.lock)  # a report went out
        self._runtime_told = False  # platform.initRuntimeDone is out
        self._holding: Optional[_Told] = None  # on-demand: the invocation the runtime has not let go
        self._told: dict[str, _Told] = {}  # request id -> an invocation whose report is not out yet

    def environ(self) -> dict[str, str]:
        """AWS_LAMBDA_METADATA_API and AWS_LAMBDA_METADATA_TOKEN, for the runtime and every extension."""
        return self.metadata.environ()

    # --- the APIs beside the Runtime API, on its address -----------------------------------

    @staticmethod
    def serves(path: str) -> bool:
        """The metadata endpoint's paths, the Telemetry API's and the Logs API's."""
        return MetadataEndpoint.handles(path) or TelemetryHub.handles(path)

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes,
               identify: Callable[[dict[str, str]], Union[str, Answer]], init_over: bool) -> Answer:
        """One request on those paths. A subscription names its extension by its
        Lambda-Extension-Identifier, checked as the Extensions API checks it (`identify`: the
        extension's name, or the Extensions API's refusal)."""
        if MetadataEndpoint.handles(path):
            return self.metadata.handle(method, path, headers)
        name = identify(headers)
        if not isinstance(name, str):
            return name
        return self.hub.subscribe(method, path, name, body, init_over)

    # --- init ------------------------------------------------------------------------------

    def init_start(self) -> None:
        self.console.out(self.platform.init_start(time.time()))
        self.hub.init_start()

    def runtime_ready(self) -> None:
        """The runtime's first /next: its part of init is done."""
        self._runtime_done_once(SUCCESS, None)

    def _runtime_done_once(self, status: str, error_type: Optional[str]) -> None:
        with self.lock:
            told, self._runtime_told = self._runtime_told, True
            if not told:
                self.hub.init_runtime_done(status, error_type)

    def init_done(self, duration_ms: float, status: str, error_type: Optional[str],
                  ready: list[tuple[str, list[str]]]) -> None:
        """Init ended (`ready`: each extension that got to its event/next, and its events)."""
        if status != SUCCESS:  # the runtime's part failed with it, if it had not ended before
            self._runtime_done_once(status, error_type)
        for name, events in ready:
            self.hub.extension_state(name, events)
        self.hub.init_report(duration_ms, status, error_type)
        self.console.out(self.platform.init_done(time.time(), duration_ms, status, error_type))

    # --- invocations -----------------------------------------------------------------------

    def began(self, inv: Invocation, extensions: bool) -> None:
        """The runtime took `inv` at /next (`extensions`: they were given its INVOKE event)."""
        invoke = Invoke(inv.request_id, inv.trace_id, inv.tenant_id)
        self.hub.invoke_start(invoke)
        if self.hub.any_subscription:
            told = _Told(inv, invoke, time.time(), extensions)
            with self.lock:
                self._told[inv.request_id] = told
                if not self.managed:
                    self._holding = told

    def responded(self, inv: Invocation, started: float) -> None:
        """The runtime posted for `inv` (a response, streamed or not, or an error) from `started` until now."""
        if self._told:
            with self.lock:
                told = self._told.get(inv.request_id)
                if told is not None and told.response_started is None:
                    told.response_started, told.response_finished = started, time.time()

    @property
    def holding(self) -> bool:
        """The runtime holds an invocation the hub has heard start (cheap; the caller then drains
        the output, so that the function's last lines come before platform.runtimeDone)."""
        return self._holding is not None

    def runtime_next(self) -> None:
        """The runtime asks for its next invocation: it is done with the one it held."""
        with self.lock:
            told, self._holding = self._holding, None
            if told is not None:
                self._runtime_done(told, told.inv.status, told.inv.error_type)

    def runtime_gone(self, status: str, error_type: str) -> None:
        """The runtime was killed (a timeout) or crashed: what it held is done, with `status`."""
        with self.lock:
            told, self._holding = self._holding, None
            if told is not None:
                self._runtime_done(told, status, error_type)

    def _runtime_done(self, told: _Told, status: str, error_type: Optional[str]) -> None:
        # (lock held: the report cannot pass it)
        self.hub.runtime_done(told.invoke, RuntimeDone(status, told.times(), time.time(), told.inv.produced,
                                                       error_type))
        told.done = True
        self._report_when_due(told)

    def report(self, inv: Invocation, lines: bytes, memory_kib: int) -> bytes:
        """END and REPORT (after `lines`, the output up to them), written; returns what was written."""
        now = time.time()
        status, error_type = inv.status, inv.error_type
        tenant = inv.tenant_id
        if inv.connection is None:  # it never reached the runtime (init failed, or still queued)
            lines = self.platform.start(inv.request_id, now, tenant)
        lines += self.platform.end(inv.request_id, now, inv.duration_ms, status, error_type, inv.produced, tenant)
        lines += self.platform.report(inv.request_id, now, inv.duration_ms, inv.init_ms, memory_kib, status,
                                      error_type, inv.function_error, tenant)
        self.console.out(lines)
        if self.hub.any_subscription:
            report = Report(status, inv.duration_ms, billed_ms(inv.duration_ms, inv.init_ms), megabytes(memory_kib),
                            inv.init_ms, error_type, inv.function_error)
            self._figures(inv, report, now)
        return lines

    def _figures(self, inv: Invocation, report: Report, now: float) -> None:
        with self.lock:
            told = self._told.get(inv.request_id)
            if told is None:  # never began: its whole story at once
                invoke = Invoke(inv.request_id, inv.trace_id, inv.tenant_id)
                self.hub.invoke_start(invoke)
                self.hub.runtime_done(invoke, RuntimeDone(status=report.status, times=ResponseTimes(now), done=now,
                                                          error_type=report.error_type))
                self.hub.report(invoke, report)
            elif self.managed:
                del self._told[inv.request_id]
                self.hub.report(told.invoke, replace(report, times=told.times()))
            else:
                told.report = report

    def over(self, inv: Invocation, waited_from: float, waited_to: float) -> None:
        """The invocation's end: the extensions given its INVOKE event were waited for, from
        `waited_from` until `waited_to` (their overhead, in its report)."""
        if self._told:
            with self.lock:
                told = self._told.get(inv.request_id)
                if told is None or told.report is None:
                    return
                if told.extensions:
                    told.report = replace(told.report, extension_overhead=Span(
                        "extensionOverhead", waited_from, milliseconds(waited_from, waited_to)))
                told.over = True
                self._report_when_due(told)

    def _report_when_due(self, told: _Told) -> None:
        # (lock held)
        if told.done and told.over and told.report is not None:
            del self._told[told.invoke.request_id]
            self.hub.report(told.invoke, told.report)
            self.reported.notify_all()

    # --- shutdown --------------------------------------------------------------------------

    def flush(self, budget: float) -> float:
        """Before SHUTDOWN goes to the extensions: every subscriber's buffer delivered, for at most
        FLUSH_LIMIT of the `budget` seconds; returns the seconds it took. After a timeout or a
        crash, the report of the invocation it ended goes first: it is sent once the extensions
        that had its INVOKE event are back at event/next, as Lambda ends an invocation, and they
        come back when its runtimeDone reaches them - before SHUTDOWN, which they would get then."""
        if not self.hub.any_subscription:
            return 0.0
        started = time.monotonic()
        limit = max(0.0, min(FLUSH_LIMIT, budget))
        with self.reported:
            self.reported.wait_for(lambda: not any(told.done for told in self._told.values()), limit)
        self.hub.flush(max(0.0, limit - (time.monotonic() - started)))
        return time.monotonic() - started

    def close(self) -> None:
        """The environment is gone, and with it every process that could listen: the senders stop."""
        self.hub.close(0.0)
