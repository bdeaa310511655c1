"""awslambdaric's JSON log record (AWS_LAMBDA_LOG_FORMAT=JSON): fixed keys, then the extras.

Imported only once the user's code has imported `logging` (see root_logger).
"""

from __future__ import annotations

import logging

from .log_sinks import json_line

JSON_TIME = "%Y-%m-%dT%H:%M:%SZ"

# Record attributes that are not "extra" keys of a JSON log line (awslambdaric's list).
_RESERVED = frozenset((
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
    "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
    "relativeCreated", "thread", "threadName", "processName", "process", "aws_request_id",
    "tenant_id", "_frame_type",
))


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(datefmt=JSON_TIME)

    def format(self, record: logging.LogRecord) -> str:
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc_info = record.exc_info
        stack = None
        if exc_info:
            import traceback

            stack = traceback.format_tb(exc_info[2])
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": (record.msg if isinstance(record.msg, dict) and not record.args
                        else record.getMessage()),
            "logger": record.name,
            "stackTrace": stack,
            "errorType": exc_info[0].__name__ if exc_info and exc_info[0] else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_info else None,
        }
        tenant_id = getattr(record, "tenant_id", None)
        if tenant_id is not None:
            result["tenantId"] = tenant_id
        result.update((k, v) for k, v in record.__dict__.items() if k not in _RESERVED and k not in result)
        return json_line({k: v for k, v in result.items() if v is not None})
