"""The platform's own log lines (START, END, REPORT) and JSON records, as Lambda writes them. Pure functions.

Text format, from real CloudWatch lines (docs/facts.md L1): tab-separated fields, each
followed by a tab; `Init Duration` only on a cold start, after `Max Memory Used`; a failed
invocation ends with `Status: timeout` (or `Status: error` and `Error Type: ...`, as a real
line quoted there shows). JSON format (`AWS_LAMBDA_LOG_FORMAT=JSON`): one `platform.*` record
per line, with the fields of a real capture and the telemetry schema reference (docs/facts.md
L3, T4).
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

SUCCESS, TIMEOUT, ERROR = "success", "timeout", "error"


def iso_time(epoch: float) -> str:
    """2024-05-20T16:29:44.833Z"""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"


def billed_ms(duration_ms: float, init_ms: float | None) -> int:
    # Billed in 1 ms steps; since 2025 a cold start's init is billed too (docs/facts.md L2:
    # 3000.00 ms and a 67.49 ms init bill 3068 ms).
    return math.ceil(duration_ms + (init_ms or 0.0))


def megabytes(kib: int) -> int:
    return math.ceil(kib / 1024)


def _record(kind: str, record: dict[str, Any], epoch: float) -> bytes:
    return (json.dumps({"time": iso_time(epoch), "type": kind, "record": record}, separators=(",", ":"))
            + "\n").encode()


def _tenant(record: dict[str, Any], tenant_id: str | None) -> dict[str, Any]:
    # A tenant-isolated function's records name the tenant (docs/facts.md T8: platform.start and
    # platform.report; the RIE's telemetry adds it to runtimeDone too, when set).
    if tenant_id:
        record["tenantId"] = tenant_id
    return record


class Platform:
    """Formats the platform's lines for one function, in its log format."""

    def __init__(self, log_format: str, function_name: str, version: str, memory_mb: int,
                 init_type: str = "on-demand") -> None:
        self.json = log_format.upper() == "JSON"
        self.init_type = init_type  # on-demand, or lambda-managed-instances
        self.function_name = function_name
        self.version = version
        self.memory_mb = memory_mb

    def init_start(self, epoch: float) -> bytes:
        if not self.json:
            return b""  # the text format's INIT_START names a managed runtime version: none here
        return _record("platform.initStart", {
            "initializationType": self.init_type, "phase": "init",
            "functionName": self.function_name, "functionVersion": self.version}, epoch)

    def init_done(self, epoch: float, duration_ms: float, status: str, error_type: str | None) -> bytes:
        """initRuntimeDone + initReport in JSON; in text, a line only when init failed."""
        if not self.json:
            if status == SUCCESS:
                return b""
            tail = f"\tError Type: {error_type}" if error_type else ""
            return (f"INIT_REPORT Init Duration: {duration_ms:.2f} ms\tPhase: init\tStatus: {status}{tail}\n"
                    ).encode()
        done: dict[str, Any] = {"initializationType": self.init_type, "phase": "init", "status": status}
        if error_type:
            done["errorType"] = error_type
        report = dict(done, metrics={"durationMs": round(duration_ms, 3)})
        return _record("platform.initRuntimeDone", done, epoch) + _record("platform.initReport", report, epoch)

    def start(self, request_id: str, epoch: float, tenant_id: str | None = None) -> bytes:
        if self.json:
            return _record("platform.start", _tenant({"requestId": request_id, "version": self.version}, tenant_id),
                           epoch)
        return f"START RequestId: {request_id} Version: {self.version}\n".encode()

    def end(self, request_id: str, epoch: float, duration_ms: float, status: str, error_type: str | None,
            produced_bytes: int, tenant_id: str | None = None) -> bytes:
        if self.json:
            record: dict[str, Any] = _tenant({"requestId": request_id, "status": status}, tenant_id)
            if error_type and status != SUCCESS:
                record["errorType"] = error_type
            record["metrics"] = {"durationMs": round(duration_ms, 3), "producedBytes": produced_bytes}
            return _record("platform.runtimeDone", record, epoch)
        return f"END RequestId: {request_id}\n".encode()

    def report(self, request_id: str, epoch: float, duration_ms: float, init_ms: float | None,
               max_memory_kib: int, status: str, error_type: str | None, function_error: bool = False,
               tenant_id: str | None = None) -> bytes:
        """The REPORT line or record. A function's own error (posted to /error) has status "error"
        in JSON records but no Status field in the text line, where Lambda marks platform faults only."""
        billed = billed_ms(duration_ms, init_ms)
        used = megabytes(max_memory_kib)
        if self.json:
            metrics: dict[str, Any] = {"durationMs": round(duration_ms, 3), "billedDurationMs": billed,
                                       "memorySizeMB": self.memory_mb, "maxMemoryUsedMB": used}
            if init_ms is not None:
                metrics["initDurationMs"] = round(init_ms, 3)
            report: dict[str, Any] = _tenant({"requestId": request_id, "status": status}, tenant_id)
            if error_type and status != SUCCESS:
                report["errorType"] = error_type
            report["metrics"] = metrics
            return _record("platform.report", report, epoch)
        line = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
                f"Memory Size: {self.memory_mb} MB\tMax Memory Used: {used} MB\t")
        if init_ms is not None:
            line += f"Init Duration: {init_ms:.2f} ms\t"
        if status == TIMEOUT:
            line += "Status: timeout"
        elif status != SUCCESS and not function_error:
            line += f"Status: {status}" + (f"\tError Type: {error_type}" if error_type else "")
        return (line + "\n").encode()
