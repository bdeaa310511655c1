"""What the environment tells its telemetry: the function, and each moment of the lifecycle. Pure values.

Times are `time.time()` values (seconds since the epoch): records carry them as Lambda's
timestamps, and durations are their differences, in milliseconds with microsecond precision
as Lambda's RAPID computes them (RIE internal/lambda/telemetry/events_api.go CalculateDuration).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# Status: "success | failure | error | timeout" (telemetry-schema-reference.html, Status).
SUCCESS, ERROR, FAILURE, TIMEOUT = "success", "error", "failure", "timeout"
STATUSES = (SUCCESS, ERROR, FAILURE, TIMEOUT)
ON_DEMAND, PROVISIONED, MANAGED_INSTANCES = "on-demand", "provisioned-concurrency", "lambda-managed-instances"
INIT_PHASE, INVOKE_PHASE = "init", "invoke"  # InitPhase; "invoke": an init re-run in an invoke


def fault_status(error_type: str) -> str:
    """The status of an invocation the platform ended (the runtime crashed, or failed otherwise):
    "failure" for the platform's own errors (Sandbox.*), "error" for the rest, as RAPID decides
    (RIE internal/lambda/rapid/handlers.go handleReset). A timeout is TIMEOUT."""
    return FAILURE if error_type.startswith("Sandbox.") else ERROR


def milliseconds(start: float, end: float) -> float:
    return round((end - start) * 1000, 3)


@dataclass(frozen=True)
class FunctionFacts:
    """The function and its environment, known before init."""

    name: str
    version: str = "$LATEST"
    arn: str = ""
    memory_mb: int = 128
    init_type: str = ON_DEMAND  # AWS_LAMBDA_INITIALIZATION_TYPE
    log_format: str = "Text"  # AWS_LAMBDA_LOG_FORMAT: with JSON, log lines that are JSON become objects
    managed: bool = False  # Lambda Managed Instances (AWS_LAMBDA_MAX_CONCURRENCY set)
    runtime_version: Optional[str] = None  # e.g. "python:3.13.v20"; a container image has none
    runtime_version_arn: Optional[str] = None
    instance_id: Optional[str] = None  # managed instances
    instance_max_memory: Optional[int] = None  # managed instances, bytes (RIE MI initStart)

    @property
    def json_logs(self) -> bool:
        return self.log_format.upper() == "JSON"


@dataclass(frozen=True)
class Invoke:
    """One invocation, as known when it starts."""

    request_id: str
    trace_id: Optional[str] = None  # X-Amzn-Trace-Id: becomes the records' "tracing"
    tenant_id: Optional[str] = None  # X-Amz-Tenant-Id of a tenant-isolated function


@dataclass(frozen=True)
class Span:
    name: str
    start: float
    duration_ms: float


@dataclass(frozen=True)
class ResponseTimes:
    """When the runtime got the invocation and answered it."""

    delivered: float  # the invocation handed to the runtime (its /next answered)
    response_started: Optional[float] = None  # the runtime began to post /response or /error
    response_finished: Optional[float] = None  # the body of that post read to its end

    def response_spans(self) -> tuple[Span, ...]:
        """responseLatency ("how long it took your Lambda function to start sending the response")
        and responseDuration ("to finish sending the entire response"), schema reference, Span;
        none when the runtime never answered (RIE GetRuntimeDoneSpans)."""
        if self.response_started is None or self.response_finished is None:
            return ()
        return (Span("responseLatency", self.delivered, milliseconds(self.delivered, self.response_started)),
                Span("responseDuration", self.response_started,
                     milliseconds(self.response_started, self.response_finished)))


@dataclass(frozen=True)
class RuntimeDone:
    """The runtime is done with an invocation: it called /next again ("Lambda generates the
    platform.runtimeDone log message when the runtime sends a Next or Error runtime API request",
    runtimes-logs-api.html), or it crashed or timed out."""

    status: str
    times: ResponseTimes
    done: float  # the runtime's next /next, or the moment the crash or timeout was seen
    produced_bytes: int = 0  # the response's size
    error_type: Optional[str] = None  # with ERROR and FAILURE

    @property
    def duration_ms(self) -> float:
        # "time taken from sending the invoke to the sandbox until the runtime calls GET /next" (RIE).
        return milliseconds(self.times.delivered, self.done)

    def spans(self) -> tuple[Span, ...]:
        spans = self.times.response_spans()
        if spans and self.times.response_finished is not None:
            # runtimeOverhead: "how long the runtime took to call the next invocation API ... after
            # returning your function response" (schema reference).
            spans += (Span("runtimeOverhead", self.times.response_finished,
                           milliseconds(self.times.response_finished, self.done)),)
        return spans


@dataclass(frozen=True)
class Report:
    """An invocation's end: what its REPORT line says."""

    status: str
    duration_ms: float
    billed_ms: int
    max_memory_used_mb: int
    init_duration_ms: Optional[float] = None  # on a cold start
    error_type: Optional[str] = None
    function_error: bool = False  # the function's own error (posted to /error), not a platform fault
    extension_overhead: Optional[Span] = None  # from the runtime's /next until every extension's
    times: Optional[ResponseTimes] = None  # managed instances: their report carries the response spans
