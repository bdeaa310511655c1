"""The durable execution engine: executions, their invocations and their timers.

It owns every execution under one lock; invocations run outside it, one thread each, through
the injected `invoke` callable (engine/invocations.py), at most one in flight per execution.
A scheduler thread sleeps until the earliest deadline of any execution (a wait's end, a step
retry, a callback timeout, an invocation retry, the execution timeout) under the time scale
of engine/clock.py, each execution on its own model time (`now`). The 12 API operations are in
engine/api_operations.py.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from typing import Optional

from ..model import EXECUTION, PAUSED, PAUSING, RUNNING, STARTED, STOPPED, TIMED_OUT, Execution, JsonObject, Operation
from ..store.sqlite_store import SqliteStore, StateFileError
from ..wire import shapes
from ..wire.arns import ExecutionArn, check_execution_name, function_arn, new_execution_id, parse_function_name
from ..wire.errors import DurableError, invalid, not_found, service_error
from . import history, progress, scheduling
from .clock import Clock
from .config import EngineConfig, FunctionConfig
from .ending import end_invocation, record_end
from .invocations import InvocationOutcome, InvocationRequest, Invoke
from .launch import begin_invocation

RESTART_ERROR = {"ErrorType": "Local.ServerRestart",
                 "ErrorMessage": "The local server stopped while this invocation ran; "
                                 "the execution goes on from its last checkpoint"}
CLOCK_OFFSET = "clock_offset"


@dataclasses.dataclass(frozen=True)
class StartedExecution:
    arn: str
    created: bool  # False: an execution of the same name and payload already existed (idempotent start)


class DurableEngine:
    def __init__(self, config: EngineConfig, invoke: Invoke, store: Optional[SqliteStore] = None,
                 clock: Optional[Clock] = None) -> None:
        self.config = config
        self._invoke = invoke
        self._store = store
        offset = float(store.get_meta(CLOCK_OFFSET) or 0.0) if store else 0.0
        self.clock = clock or Clock(config.time_scale, offset)
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.executions: dict[str, Execution] = {}  # whole: every running one, and the latest ended
        self.ended: dict[str, Execution] = {}  # the other ended ones, in the state file: their summary only
        self.callbacks: dict[str, tuple[str, str]] = {}  # CallbackId -> (execution ARN, operation id)
        self._closed = False
        self._scheduler: Optional[threading.Thread] = None
        self._threads: set[threading.Thread] = set()

    # --- life -------------------------------------------------------------------------------

    def start(self) -> DurableEngine:
        """Load the executions of the state file and go on with them."""
        with self.lock:
            for execution in self._store.load() if self._store else []:
                self.executions[execution.arn] = execution
                for op in execution.operations.values():
                    if op.callback_id:
                        self.callbacks[op.callback_id] = (execution.arn, op.id)
            for execution in self.executions.values():
                if execution.in_flight and not execution.terminal:
                    now = self.now(execution)
                    record_end(execution, now, RESTART_ERROR)
                    execution.invoke_wanted = True
                    if execution.status == PAUSING:
                        self.paused(execution, now, interrupted=True)
                    self.save(execution)
            scheduling.retire_ended(self)  # what ended long ago is read back when asked for, not held from the start
            self._scheduler = threading.Thread(target=self._schedule, name="durable-scheduler", daemon=True)
            self._scheduler.start()
        return self

    def close(self, wait: float = 5.0) -> None:
        """Stop scheduling; invocations in flight are left to end (a restart re-runs them)."""
        with self.lock:
            if self._closed:
                return
            self._closed = True
            self.changed.notify_all()
            if self._store:
                self._store.set_meta(CLOCK_OFFSET, repr(self.clock.offset))
        if self._scheduler is not None:
            self._scheduler.join(wait)
        for thread in list(self._threads):
            thread.join(wait)
        if self._store:
            self._store.close()

    # --- the Invoke path ----------------------------------------------------------------

    def start_execution(self, function_name: str, qualifier: Optional[str], payload: str,
                        name: Optional[str] = None, trace_id: Optional[str] = None) -> StartedExecution:
        """Invoke of a durable function: a new execution, or the one of the same name and payload
        ("Idempotency", docs/facts.md D13)."""
        target = parse_function_name(function_name, qualifier)
        config = self.config.function(target.name)
        arn = function_arn(self.config.region, self.config.account, target.name, target.qualifier)
        if config is None or (target.qualifier not in (None, "$LATEST")):
            raise not_found(f"Function not found: {arn}")
        if target.qualifier is None:
            # Third-party quote of the service's message (docs/facts.md D13).
            raise invalid("You cannot invoke a durable function using an unqualified ARN.")
        with self.lock:
            if name is not None:
                check_execution_name(name)
                existing = self._named(config.name, name)
                if existing is not None:
                    if existing.input_payload != payload:
                        raise DurableError("DurableExecutionAlreadyStartedException",
                                           f"Durable execution {name} has already been started with a different "
                                           f"payload: {existing.arn}")
                    return StartedExecution(existing.arn, False)
            execution = self.create(config, target.qualifier, payload, name, trace_id)
            return StartedExecution(execution.arn, True)

    def wait_for_end(self, arn: str, timeout: float) -> Optional[JsonObject]:
        """The GetDurableExecution body once the execution has ended, or None after `timeout`
        real seconds (a synchronous invoke waits at most 15 minutes: docs/facts.md D13)."""
        with self.lock:
            execution = self.get(arn)
            self.changed.wait_for(lambda: execution.terminal or self._closed, timeout)
            return shapes.get_execution(execution, True) if execution.terminal else None

    # --- what the API operations and the scheduler share --------------------------------------

    def now(self, execution: Optional[Execution] = None) -> float:
        """Model time: the clock's, plus what the time scale skipped for this execution."""
        return self.clock.now() + (execution.skipped if execution is not None else 0.0)

    def get(self, arn: str) -> Execution:
        execution = self.find(arn)
        if execution is None:
            raise not_found(f"Durable execution not found: {arn}")
        return execution

    @property
    def store(self) -> Optional[SqliteStore]:
        return self._store

    def find(self, arn: str) -> Optional[Execution]:
        """The execution, whole: from memory, or read back from the state file if it ended a while ago."""
        self.sweep()
        execution = self.executions.get(arn)
        if execution is None and arn in self.ended and self._store:
            try:
                execution = self._store.load_one(arn)
            except StateFileError as problem:  # changed behind the server's back: say so, keep serving
                raise service_error(str(problem)) from None
            if execution is None:  # its row went behind the server's back: so does the execution
                self._drop(arn)
        return execution

    def every(self) -> list[Execution]:
        """Every execution kept: whole, or (ended a while ago) its summary, enough for a listing."""
        self.sweep()
        return [*self.executions.values(), *self.ended.values()]

    def sweep(self) -> None:
        """Forget executions past their retention ("After this period, execution history is no
        longer available", model doc of `RetentionPeriodInDays`)."""
        for kept in (self.executions, self.ended):
            for arn in [a for a, e in kept.items() if e.expires_at is not None and e.expires_at <= self.now(e)]:
                self.forget(arn)

    def forget(self, arn: str) -> None:
        self._drop(arn)
        if self._store:
            self._store.delete(arn)

    def _drop(self, arn: str) -> None:
        """Out of memory: the execution, whole or summary, and its callbacks."""
        if self.executions.pop(arn, None) is None:
            self.ended.pop(arn, None)
        for callback_id in [c for c, (owner, _) in self.callbacks.items() if owner == arn]:
            del self.callbacks[callback_id]

    def save(self, execution: Execution) -> None:
        if self._store and not self._closed:
            self._store.save(execution)
            if execution.arn in self.ended:  # a copy read back (a late callback answer): not kept
                self._store.release(execution.arn)
        self.changed.notify_all()

    def create(self, config: FunctionConfig, qualifier: str, payload: str, name: Optional[str],
               trace_id: Optional[str], parent: Optional[tuple[str, str]] = None) -> Execution:
        now = self.clock.now()
        execution_id = new_execution_id()
        arn = ExecutionArn("aws", self.config.region, self.config.account, config.name, "$LATEST",
                           name or new_execution_id(), execution_id)
        execution = Execution(
            arn=str(arn), name=arn.execution_name, function_name=config.name, version="$LATEST",
            function_arn=function_arn(self.config.region, self.config.account, config.name, qualifier),
            input_payload=payload, start=now, execution_timeout=config.execution_timeout,
            retention_days=config.retention_days, timeout_deadline=now + config.execution_timeout,
            trace_id=trace_id, parent_arn=parent[0] if parent else None, parent_op_id=parent[1] if parent else None)
        execution.operations[execution_id] = Operation(id=execution_id, type=EXECUTION, status=STARTED, start=now,
                                                       seq=0, input_payload=payload)
        execution.next_seq, execution.invoke_wanted = 1, True
        history.execution_started(execution)
        self.executions[execution.arn] = execution
        self.save(execution)
        self.maybe_invoke(execution)
        return execution

    def _named(self, function_name: str, name: str) -> Optional[Execution]:
        for execution in self.every():
            if execution.function_name == function_name and execution.name == name:
                return self.find(execution.arn)  # whole: its payload is compared
        return None

    def external(self, execution: Execution, op_id: str, status: str, result: Optional[str] = None,
                 error: Optional[JsonObject] = None) -> None:
        """A CALLBACK or CHAINED_INVOKE ended from outside (engine/progress.py says when it counts)."""
        op = execution.operations.get(op_id)
        if op is None or op.done or execution.terminal:
            return
        if execution.in_flight:
            execution.pending_external.append({"op": op_id, "status": status, "result": result, "error": error})
        else:
            progress.complete(execution, op, status, self.now(execution), result, error)
            self.maybe_invoke(execution)
        self.save(execution)

    def finish(self, execution: Execution, status: str, result: Optional[str] = None,
               error: Optional[JsonObject] = None) -> None:
        now = self.now(execution)
        progress.finish(execution, status, now, result, error)
        self.save(execution)
        parent = self.executions.get(execution.parent_arn) if execution.parent_arn else None
        if parent is not None and execution.parent_op_id:
            self.external(parent, execution.parent_op_id, status, result, error)
        if status in (STOPPED, TIMED_OUT):
            # "Any in-progress operations are terminated" (model doc of StopDurableExecution).
            for op in execution.operations.values():
                child = self.executions.get(op.child_arn) if op.child_arn and not op.done else None
                if child is not None and not child.terminal:
                    self.finish(child, STOPPED, None, {"ErrorType": "Execution.Stopped",
                                                       "ErrorMessage": f"The calling execution {execution.arn} "
                                                                       f"ended {status}"})

    def paused(self, execution: Execution, now: float, interrupted: bool) -> None:
        pause = execution.pause
        assert pause is not None
        execution.status, pause.interrupted = PAUSED, interrupted
        if pause.timeout_paused:
            pause.timeout_left = max(0.0, execution.timeout_deadline - now)
            execution.timeout_deadline = execution.start + shapes.PAUSED_TIMEOUT_SECONDS
        details: JsonObject = {"PauseRequestTimestamp": round(pause.requested, 3),
                               "ExecutionTimeoutPaused": pause.timeout_paused}
        if pause.reason is not None:
            details["Reason"] = history.reason(pause.reason)
        history.record(execution, "ExecutionPaused", now, None, details)

    # --- invocations ------------------------------------------------------------------------

    def maybe_invoke(self, execution: Execution) -> None:
        if self._closed or execution.terminal or execution.in_flight or execution.status != RUNNING:
            return
        if execution.retry_at is not None and execution.retry_at > self.now(execution):
            return
        if execution.retry_at is not None or execution.invoke_wanted or execution.unseen:
            request = begin_invocation(execution, self.now(execution), str(uuid.uuid4()), self.config.event_page_bytes)
            self.save(execution)
            thread = threading.Thread(target=self._run, args=(request,), daemon=True,
                                      name=f"durable-invoke-{request.request_id[:8]}")
            self._threads.add(thread)
            thread.start()

    def _run(self, request: InvocationRequest) -> None:
        try:
            outcome = self._invoke(request)
        except Exception as problem:  # the injected callable's own failure: an invocation error
            outcome = InvocationOutcome.failed("Local.InvokeError", f"{type(problem).__name__}: {problem}")
        with self.lock:
            self._threads.discard(threading.current_thread())
            execution = self.executions.get(request.execution_arn)
            if not self._closed and execution is not None and execution.request_id == request.request_id:
                end_invocation(self, execution, outcome)

    # --- the scheduler ------------------------------------------------------------------------

    def _schedule(self) -> None:
        with self.lock:
            while not self._closed:
                self.changed.wait(scheduling.on_time(self))  # None: until something changes
