"""The data of durable executions: operations, history events, executions. Pure data, no I/O.

Names and enums are botocore's Lambda model (API version 2025-12-01, botocore 1.44.8
`botocore/data/lambda/2015-03-31/service-2.json`: shapes `Operation`, `Event`,
`GetDurableExecutionResponse`, enums `OperationType`, `OperationStatus`, `ExecutionStatus`).
Every timestamp here is model time in epoch seconds (a float); the wire floor turns them into
what each reader expects (epoch seconds in API bodies, milliseconds in the handler's event).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

JsonObject = dict[str, Any]

EXECUTION = "EXECUTION"
CONTEXT = "CONTEXT"
STEP = "STEP"
WAIT = "WAIT"
CALLBACK = "CALLBACK"
CHAINED_INVOKE = "CHAINED_INVOKE"
OPERATION_TYPES = (EXECUTION, CONTEXT, STEP, WAIT, CALLBACK, CHAINED_INVOKE)
ACTIONS = ("START", "SUCCEED", "FAIL", "RETRY", "CANCEL")

# ExecutionStatus; DELETING never shows here: a deletion here is done before its answer.
RUNNING, PAUSING, PAUSED = "RUNNING", "PAUSING", "PAUSED"
SUCCEEDED, FAILED, TIMED_OUT, STOPPED = "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"
EXECUTION_STATUSES = (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED, "DELETING", PAUSING, PAUSED)
TERMINAL_EXECUTION = frozenset({SUCCEEDED, FAILED, TIMED_OUT, STOPPED})

# OperationStatus
STARTED, PENDING, READY, CANCELLED = "STARTED", "PENDING", "READY", "CANCELLED"
TERMINAL_OPERATION = frozenset({SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, STOPPED})


@dataclasses.dataclass
class Operation:
    """One operation (model shape `Operation`) plus what the service keeps to schedule it."""

    id: str
    type: str
    status: str
    start: float
    seq: int  # start order: GetDurableExecutionState lists "by start sequence number"
    parent_id: Optional[str] = None
    name: Optional[str] = None
    sub_type: Optional[str] = None
    end: Optional[float] = None
    input_payload: Optional[str] = None  # ExecutionDetails
    result: Optional[str] = None  # Context/Step/Callback/ChainedInvokeDetails.Result
    error: Optional[JsonObject] = None  # ... .Error (an ErrorObject)
    replay_children: Optional[bool] = None  # ContextDetails
    attempt: Optional[int] = None  # StepDetails.Attempt: attempts already made and retried
    next_attempt: Optional[float] = None  # StepDetails.NextAttemptTimestamp
    scheduled_end: Optional[float] = None  # WaitDetails.ScheduledEndTimestamp
    wait_seconds: Optional[int] = None
    callback_id: Optional[str] = None
    timeout_seconds: int = 0  # CallbackOptions: 0 = no timeout
    heartbeat_seconds: int = 0
    heartbeat_at: Optional[float] = None  # the last heartbeat (or the start)
    function_name: Optional[str] = None  # ChainedInvokeOptions.FunctionName
    child_arn: Optional[str] = None  # the execution a chained invoke started

    @property
    def done(self) -> bool:
        return self.status in TERMINAL_OPERATION


@dataclasses.dataclass
class Event:
    """One history event (model shape `Event`). `details` is the `<EventType>Details` member,
    already in its wire form (timestamps inside it as epoch-second floats)."""

    event_id: int
    event_type: str
    timestamp: float
    op_id: Optional[str] = None
    name: Optional[str] = None
    sub_type: Optional[str] = None
    parent_id: Optional[str] = None
    details: JsonObject = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Pause:
    """PauseDetails, and the execution timeout left when the pause also paused it."""

    requested: float
    reason: Optional[str]
    timeout_paused: bool
    interrupted: bool = False  # a pause that cut an invocation short: Resume invokes again
    timeout_left: Optional[float] = None


@dataclasses.dataclass
class Execution:
    """A durable execution: its record, its operations and history, and its scheduling state."""

    arn: str
    name: str
    function_name: str
    version: str  # $LATEST or a version number: the ARN carries it (docs/facts.md D3)
    function_arn: str  # with the qualifier the execution was started with
    input_payload: str
    start: float
    execution_timeout: int
    retention_days: int
    timeout_deadline: float
    status: str = RUNNING
    end: Optional[float] = None
    result: Optional[str] = None
    error: Optional[JsonObject] = None
    trace_id: Optional[str] = None
    pause: Optional[Pause] = None
    parent_arn: Optional[str] = None  # a chained invoke's execution: who waits for it
    parent_op_id: Optional[str] = None
    expires_at: Optional[float] = None
    next_seq: int = 0
    # The invocation in flight, if any (at most one per execution).
    request_id: Optional[str] = None
    invocation_start: Optional[float] = None
    token: Optional[str] = None  # the one token the next checkpoint must carry
    tokens: list[str] = dataclasses.field(default_factory=list)  # every token of this invocation
    # Changes the handler has not seen yet: the next checkpoint answer or invocation gets them.
    unseen: list[str] = dataclasses.field(default_factory=list)
    # Completions from outside (callback answers, chained executions' ends) that wait for the
    # invocation in flight to reach a checkpoint or to end, so history keeps Lambda's order.
    pending_external: list[JsonObject] = dataclasses.field(default_factory=list)
    # The EXECUTION update of a checkpoint, applied when the invocation ends (the terminal
    # event comes after the last InvocationCompleted: conformance histories).
    completion: Optional[JsonObject] = None
    invoke_wanted: bool = False
    # Model time the time scale skipped for this execution's own waits and retry delays: its clock
    # is the engine's plus this (engine/clock.py), so no other execution's skips shorten its timeouts.
    skipped: float = 0.0
    failures: int = 0  # failed invocations in a row
    retry_at: Optional[float] = None
    last_failure: Optional[JsonObject] = None
    client_tokens: dict[str, JsonObject] = dataclasses.field(default_factory=dict)
    operations: dict[str, Operation] = dataclasses.field(default_factory=dict)
    events: list[Event] = dataclasses.field(default_factory=list)

    @property
    def execution_id(self) -> str:
        # The SDK takes the EXECUTION operation's Id from the ARN's last segment (docs/facts.md D3).
        return self.arn.rsplit("/", 1)[-1]

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_EXECUTION

    @property
    def in_flight(self) -> bool:
        return self.request_id is not None
