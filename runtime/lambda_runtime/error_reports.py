"""Error reports (init and invoke errors) and the runtime's own warnings, as log records.

Each report is one record, TEXT or JSON, written like awslambdaric's `log_error`.
"""

from __future__ import annotations

import time

from .log_sinks import JSON_FRAME, TEXT_FRAME, json_line
from .request_context import current_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .config import Config
    from .errors import ChainedError, ErrorBody
    from .log_sinks import Sink
    from .marshal import Encoder

_TEXT_TIME = "%Y-%m-%dT%H:%M:%S"
_JSON_TIME = "%Y-%m-%dT%H:%M:%SZ"

UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this error "
    "by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


class ErrorReporter:
    """Writes error reports and the runtime's own records in the configured format."""

    def __init__(self, config: Config, sink: Sink, encoder: Encoder) -> None:
        self._json = config.log_format == "JSON"
        self._sink = sink
        self._encode = encoder.encode
        self._warnings_shown = config.log_level in ("", "NOTSET", "DEBUG", "INFO", "WARNING", "WARN")

    def error(self, error: ErrorBody, chain: list[ChainedError] | None = None) -> None:
        """One record for an init or invoke error: awslambdaric's `log_error`, followed by the
        exceptions behind it when there are any (errors.chain_of), which awslambdaric leaves out.

        TEXT: after the traceback, for each exception of the chain, a line
        `Caused by: Type: message` (raise ... from) or `While handling: Type: message`
        (raised in an except block), then its own traceback. JSON: a `causes` list of
        {relation, errorType, errorMessage, stackTrace}, outermost first.
        """
        if self._json:
            record: dict[str, object] = {"timestamp": time.strftime(_JSON_TIME, time.gmtime()),
                                         "level": "ERROR", **error}
            if chain:
                record["causes"] = chain
            self._sink.write_error([self._encode(record)], JSON_FRAME[40])
            return
        lines = _described("[ERROR]", error["errorType"], error["errorMessage"], error["stackTrace"])
        for link in chain or ():
            prefix = "Caused by:" if link["relation"] == "cause" else "While handling:"
            lines += _described(prefix, link["errorType"], link["errorMessage"], link["stackTrace"])
        self._sink.write_error(lines, TEXT_FRAME[40])

    def warning(self, message: str) -> None:
        """A WARNING record from the runtime, shaped like one from the root logger."""
        if not self._warnings_shown:
            return
        now = time.time()
        request_id, tenant_id = current_request.get()
        if self._json:
            record = {"timestamp": time.strftime(_JSON_TIME, time.gmtime(now)), "level": "WARNING",
                      "message": message, "logger": "root", "requestId": request_id}
            if tenant_id is not None:
                record["tenantId"] = tenant_id
            self._sink.write(json_line(record), JSON_FRAME[30])
        else:
            stamp = f"{time.strftime(_TEXT_TIME, time.gmtime(now))}.{int((now % 1) * 1000):03d}Z"
            self._sink.write(f"[WARNING]\t{stamp}\t{request_id}\t{message}\n", TEXT_FRAME[30])


def _described(prefix: str, error_type: str, message: str, stack_trace: list[str]) -> list[str]:
    description = prefix
    if error_type:
        description += f" {error_type}"
    if message:
        description += (":" if error_type else "") + f" {message}"
    lines = [description, "Traceback (most recent call last):"]
    for element in stack_trace:
        # Leading spaces become no-break spaces, so log viewers keep the indent.
        lines.extend([_keep_indent(line) for line in element.splitlines()] if element else [""])
    return lines


def _keep_indent(line: str) -> str:
    stripped = line.lstrip(" ")
    return "\u00a0" * (len(line) - len(stripped)) + stripped
