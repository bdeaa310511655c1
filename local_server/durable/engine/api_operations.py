"""The 12 durable operations of botocore's Lambda model, on the engine's executions.

Semantics: the model's docs (docs/facts.md D4); where Lambda publishes nothing the
choice is said beside the code. Each method runs under the engine's lock.
"""

from __future__ import annotations

import copy
from typing import Callable, Optional

from ..model import PAUSED, PAUSING, RUNNING, STOPPED, SUCCEEDED, Execution, JsonObject, Operation, Pause
from ..wire import requests as rq
from ..wire import responses as rs
from ..wire.arns import function_arn, parse_function_name, random_token
from ..wire.errors import DurableError, conflict, invalid, invalid_token, not_found
from . import history, progress
from .engine import DurableEngine
from .updates import Services, apply_updates


class ApiOperations:
    def __init__(self, engine: DurableEngine) -> None:
        self.engine = engine
        self._services = Services(new_callback_id=self._new_callback_id, start_chained=self._start_chained)
        self._table: dict[type, Callable[..., rs.DurableResult]] = {
            rq.Checkpoint: self.checkpoint, rq.GetState: self.get_state, rq.GetExecution: self.get_execution,
            rq.GetHistory: self.get_history, rq.ListByFunction: self.list_by_function, rq.Stop: self.stop,
            rq.Pause: self.pause, rq.Resume: self.resume, rq.Delete: self.delete,
            rq.CallbackSuccess: self.callback_success, rq.CallbackFailure: self.callback_failure,
            rq.CallbackHeartbeat: self.callback_heartbeat}

    def handle(self, request: rq.DurableRequest) -> rs.DurableResult:
        with self.engine.lock:
            return self._table[type(request)](request)

    # --- for the SDK ------------------------------------------------------------------------

    def checkpoint(self, request: rq.Checkpoint) -> rs.CheckpointResult:
        engine = self.engine
        execution = engine.get(request.arn)
        cached = execution.client_tokens.get(request.client_token or "")
        if cached is not None and cached["used"] == request.checkpoint_token:
            # The same request again (botocore resends the same body, same ClientToken: docs/facts.md D7).
            return rs.CheckpointResult(cached["token"], self._ops(execution, cached["ops"]))
        if execution.terminal or request.checkpoint_token != execution.token:
            raise invalid_token()
        now = engine.now(execution)
        progress.settle(execution, now)
        saved = (copy.deepcopy(execution.operations), len(execution.events), execution.next_seq,
                 list(execution.pending_external))
        try:
            applied = apply_updates(execution, request.updates, now, self._services)
        except DurableError:
            execution.operations, execution.next_seq, execution.pending_external = saved[0], saved[2], saved[3]
            del execution.events[saved[1]:]
            raise
        touched = applied.touched + [i for i in execution.unseen if i not in applied.touched]
        execution.unseen = []
        token: Optional[str] = None
        if applied.completion is not None:
            execution.completion = applied.completion  # ends with the invocation (engine._end)
        elif execution.status == PAUSING:
            # The pause takes effect at this checkpoint: no token, so the SDK ends the invocation
            # with PENDING ("Checkpoint token revoked", docs/facts.md D8), AWS's emulator's way.
            engine.paused(execution, now, interrupted=True)
        else:
            token = random_token()
            execution.tokens.append(token)
        execution.token = token
        if request.client_token:
            execution.client_tokens = {request.client_token: {"used": request.checkpoint_token, "token": token,
                                                              "ops": touched}}
        for child_arn in applied.cancelled_children:
            child = engine.executions.get(child_arn)
            if child is not None and not child.terminal:
                engine.finish(child, STOPPED, None, {"ErrorType": "Execution.Stopped",
                                                     "ErrorMessage": "The chained invoke was cancelled"})
        engine.save(execution)
        return rs.CheckpointResult(token, self._ops(execution, touched))

    def get_state(self, request: rq.GetState) -> rs.StatePage:
        execution = self.engine.get(request.arn)
        if request.checkpoint_token not in execution.tokens:
            raise invalid_token()
        ops = progress.visible_operations(execution)
        start = _offset(request.marker)
        end = start + request.max_items
        return rs.StatePage(ops[start:end], str(end) if end < len(ops) else None)

    @staticmethod
    def _ops(execution: Execution, ids: list[str]) -> list[Operation]:
        ops = [execution.operations[i] for i in ids if i in execution.operations]
        return sorted(ops, key=lambda op: op.seq)

    # --- reading ------------------------------------------------------------------------------

    def get_execution(self, request: rq.GetExecution) -> rs.ExecutionView:
        return rs.ExecutionView(copy.deepcopy(self.engine.get(request.arn)), request.include_data)

    def get_history(self, request: rq.GetHistory) -> rs.HistoryPage:
        events = list(self.engine.get(request.arn).events)
        if request.reverse:
            events.reverse()
        start = _offset(request.marker)
        end = start + request.max_items
        return rs.HistoryPage(copy.deepcopy(events[start:end]), str(end) if end < len(events) else None,
                              request.include_data)

    def list_by_function(self, request: rq.ListByFunction) -> rs.ExecutionList:
        engine = self.engine
        target = parse_function_name(request.function_name, request.qualifier)
        if engine.config.function(target.name) is None:
            raise not_found("Function not found: " + function_arn(engine.config.region, engine.config.account,
                                                                  target.name, target.qualifier))
        found = [e for e in engine.every() if e.function_name == target.name
                 and (target.qualifier is None or target.qualifier in (e.version, e.function_arn.rsplit(":", 1)[-1]))
                 and (request.execution_name is None or e.name == request.execution_name)
                 and (not request.statuses or e.status in request.statuses)
                 and (request.started_after is None or e.start >= request.started_after)
                 and (request.started_before is None or e.start <= request.started_before)]
        # "Set to true to return results in chronological order (oldest first). Default is false."
        found.sort(key=lambda e: e.start, reverse=not request.reverse)
        start = _offset(request.marker)
        end = start + request.max_items
        return rs.ExecutionList(copy.deepcopy(found[start:end]), str(end) if end < len(found) else None)

    # --- control ------------------------------------------------------------------------------

    def stop(self, request: rq.Stop) -> rs.Stopped:
        execution = self.engine.get(request.arn)
        if execution.terminal:
            # Stop declares no ResourceConflictException; the model's 400 for a bad request.
            raise invalid(f"The durable execution is already {execution.status}: {execution.arn}")
        self.engine.finish(execution, STOPPED, None, request.error)
        assert execution.end is not None
        return rs.Stopped(execution.end)

    def pause(self, request: rq.Pause) -> rs.Accepted:
        engine = self.engine
        execution = engine.get(request.arn)
        if execution.terminal:
            raise conflict(f"Cannot pause a {execution.status} durable execution: {execution.arn}")
        if execution.status == RUNNING:
            now = engine.now(execution)
            execution.pause = Pause(now, request.reason, request.timeout_paused)
            if execution.in_flight:
                execution.status = PAUSING  # "until the invocation reaches its next checkpoint"
            else:
                engine.paused(execution, now, interrupted=False)
            engine.save(execution)
        return rs.Accepted()

    def resume(self, request: rq.Resume) -> rs.Accepted:
        engine = self.engine
        execution = engine.get(request.arn)
        if execution.terminal:
            raise conflict(f"Cannot resume a {execution.status} durable execution: {execution.arn}")
        pause = execution.pause
        if execution.status == PAUSING:
            execution.status, execution.pause = RUNNING, None  # "this operation cancels the pause"
        elif execution.status == PAUSED and pause is not None:
            now = engine.now(execution)
            execution.status, execution.pause = RUNNING, None
            if pause.timeout_left is not None:
                execution.timeout_deadline = now + pause.timeout_left
            details: JsonObject = {"ResumeRequestTimestamp": round(now, 3)}
            if request.reason is not None:
                details["Reason"] = history.reason(request.reason)
            history.record(execution, "ExecutionResumed", now, None, details)
            # "If the pause interrupted an invocation, or an operation completed while the
            # execution was paused, Lambda invokes your function."
            execution.invoke_wanted = execution.invoke_wanted or pause.interrupted
            engine.maybe_invoke(execution)
        engine.save(execution)
        return rs.Accepted()

    def delete(self, request: rq.Delete) -> rs.Deleted:
        execution = self.engine.get(request.arn)
        if not execution.terminal:
            raise conflict(f"Only a completed durable execution can be deleted; this one is {execution.status}")
        now = self.engine.now(execution)
        self.engine.forget(execution.arn)
        return rs.Deleted(now)

    # --- callbacks ----------------------------------------------------------------------------

    def _open_callback(self, callback_id: str) -> tuple[Execution, str]:
        where = self.engine.callbacks.get(callback_id)
        execution = self.engine.find(where[0]) if where else None
        if where is None or execution is None:
            raise not_found(f"Callback not found: {callback_id}")
        op = execution.operations[where[1]]
        if not execution.in_flight and progress.settle(execution, self.engine.now(execution)):
            self.engine.save(execution)  # a timeout that was due is applied first
        if op.done or execution.terminal or any(c["op"] == op.id for c in execution.pending_external):
            # The model's words for CallbackTimeoutException.
            raise DurableError("CallbackTimeoutException",
                               "The callback ID token has either expired or the callback associated with the "
                               "token has already been closed.")
        return execution, op.id

    def callback_success(self, request: rq.CallbackSuccess) -> rs.CallbackAccepted:
        execution, op_id = self._open_callback(request.callback_id)
        try:
            result = request.result.decode("utf-8")  # CallbackDetails.Result is a string
        except UnicodeDecodeError:
            raise invalid("Result must be UTF-8 text") from None
        self.engine.external(execution, op_id, SUCCEEDED, result, None)
        return rs.CallbackAccepted()

    def callback_failure(self, request: rq.CallbackFailure) -> rs.CallbackAccepted:
        execution, op_id = self._open_callback(request.callback_id)
        self.engine.external(execution, op_id, "FAILED", None, request.error or {})
        return rs.CallbackAccepted()

    def callback_heartbeat(self, request: rq.CallbackHeartbeat) -> rs.CallbackAccepted:
        execution, op_id = self._open_callback(request.callback_id)
        execution.operations[op_id].heartbeat_at = self.engine.now(execution)
        self.engine.save(execution)
        return rs.CallbackAccepted()

    # --- what applying updates needs ------------------------------------------------------------

    def _new_callback_id(self, execution: Execution, op: Operation) -> str:
        callback_id = random_token()
        self.engine.callbacks[callback_id] = (execution.arn, op.id)
        return callback_id

    def _start_chained(self, parent: Execution, op: Operation,
                       tenant_id: Optional[str]) -> tuple[Optional[str], str, Optional[JsonObject]]:
        """A chained invoke of a durable function this engine serves runs as its own execution;
        any other target fails the operation (Lambda: "The invoked function must be in the same
        AWS account", durable-invoking.html; here: served by this server)."""
        engine = self.engine
        try:
            target = parse_function_name(op.function_name or "")
        except DurableError as problem:
            return None, "$LATEST", {"ErrorType": problem.code, "ErrorMessage": problem.message}
        config = engine.config.function(target.name)
        if config is None or target.qualifier not in (None, "$LATEST"):
            arn = function_arn(engine.config.region, engine.config.account, target.name, target.qualifier)
            return None, "$LATEST", {"ErrorType": "ResourceNotFoundException",
                                     "ErrorMessage": f"Function not found: {arn}"}
        if target.qualifier is None:
            return None, "$LATEST", {"ErrorType": "InvalidParameterValueException",
                                     "ErrorMessage": "You cannot invoke a durable function using an unqualified ARN."}
        child = engine.create(config, target.qualifier, op.input_payload or "", None, parent.trace_id,
                              (parent.arn, op.id))
        return child.arn, child.version, None


def _offset(marker: Optional[str]) -> int:
    if marker is None:
        return 0
    if not marker.isdigit():
        raise invalid(f"Invalid Marker: {marker!r}")
    return int(marker)
