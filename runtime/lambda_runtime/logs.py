"""Where logs go, in awslambdaric's formats.

- A sink writes one record: to stdout, or as frames to the telemetry fd Lambda passes
  in `_LAMBDA_TELEMETRY_LOG_FD`.
- Error reports (init and invoke) are one record each, TEXT or JSON.
- The root logger gets one handler, as in awslambdaric. The runtime itself never
  imports `logging` (about 5 ms at start): the handler is installed the moment the
  user's code imports it, before that code can log anything.
"""

from __future__ import annotations

import contextvars
import os
import sys
import time

# (request id, tenant id) of the invocation running in this thread or task, for log records.
current_request: contextvars.ContextVar = contextvars.ContextVar("lambda_request", default=("", None))

# Frame types of the telemetry protocol, by level (awslambdaric's lambda_runtime_log_utils).
_JSON_FRAME = {level: code.to_bytes(4, "big") for level, code in (
    (0, 0xA55A0002), (10, 0xA55A000A), (20, 0xA55A000E), (30, 0xA55A0012), (40, 0xA55A0016),
    (50, 0xA55A001A))}
_TEXT_FRAME = {level: code.to_bytes(4, "big") for level, code in (
    (0, 0xA55A0003), (10, 0xA55A000B), (20, 0xA55A000F), (30, 0xA55A0013), (40, 0xA55A0017),
    (50, 0xA55A001B))}

_TEXT_LINE = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_TEXT_TIME = "%Y-%m-%dT%H:%M:%S"
_JSON_TIME = "%Y-%m-%dT%H:%M:%SZ"

# Record attributes that are not "extra" keys of a JSON log line (awslambdaric's list).
_RESERVED = frozenset((
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
    "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
    "relativeCreated", "thread", "threadName", "processName", "process", "aws_request_id",
    "tenant_id", "_frame_type",
))

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


class StdoutSink:
    """Records go to whatever `sys.stdout` is at the time, as awslambdaric writes them."""

    def write(self, msg: str, frame_type: bytes | None = None) -> None:
        sys.stdout.write(msg)

    def write_error(self, lines: list, frame_type: bytes) -> None:
        # One record: the lines joined with \r, which CloudWatch keeps in one event.
        sys.stdout.write("\r".join(lines) + "\n")


class TelemetrySink:
    """Frames on Lambda's telemetry fd: type u32 | length u32 | timestamp_us u64 | message."""

    def __init__(self, fd: int) -> None:
        self._file = os.fdopen(fd, "wb", 0)

    def write(self, msg: str, frame_type: bytes | None = None) -> None:
        data = msg.encode("utf-8")
        self._file.write((frame_type or _TEXT_FRAME[0]) + len(data).to_bytes(4, "big")
                         + (time.time_ns() // 1000).to_bytes(8, "big") + data)

    def write_error(self, lines: list, frame_type: bytes) -> None:
        self.write("\n".join(lines), frame_type)


def open_sink(config, environ) -> StdoutSink | TelemetrySink:
    """The sink for this process. The fd variable is removed so child processes don't write to it."""
    if config.telemetry_fd is None:
        return StdoutSink()
    environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
    return TelemetrySink(config.telemetry_fd)


class ErrorReporter:
    """Writes error reports and the runtime's own records in the configured format."""

    def __init__(self, config, sink, encoder) -> None:
        self._json = config.log_format == "JSON"
        self._sink = sink
        self._encode = encoder.encode
        threshold = config.log_level
        self._warnings_shown = threshold in ("", "NOTSET", "DEBUG", "INFO", "WARNING", "WARN")

    def error(self, error: dict) -> None:
        """One record for an init or invoke error (awslambdaric's `log_error`)."""
        if self._json:
            record = {"timestamp": time.strftime(_JSON_TIME, time.gmtime()), "level": "ERROR", **error}
            self._sink.write_error([self._encode(record)], _JSON_FRAME[40])
            return
        description = "[ERROR]"
        if error.get("errorType"):
            description += " " + error["errorType"]
        if error.get("errorMessage"):
            description += (":" if error.get("errorType") else "") + " " + error["errorMessage"]
        lines = [description, "Traceback (most recent call last):"]
        for element in error.get("stackTrace") or ():
            # Leading spaces become no-break spaces, so log viewers keep the indent.
            lines.extend([_keep_indent(line) for line in element.splitlines()] if element else [""])
        self._sink.write_error(lines, _TEXT_FRAME[40])

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
            self._sink.write(_json_line(record), _JSON_FRAME[30])
        else:
            stamp = f"{time.strftime(_TEXT_TIME, time.gmtime(now))}.{int((now % 1) * 1000):03d}Z"
            self._sink.write(f"[WARNING]\t{stamp}\t{request_id}\t{message}\n", _TEXT_FRAME[30])


def _keep_indent(line: str) -> str:
    stripped = line.lstrip(" ")
    return "\u00a0" * (len(line) - len(stripped)) + stripped


def _json_line(record: dict) -> str:
    import json

    return json.dumps(record, ensure_ascii=False, default=str) + "\n"


# --- the root logger ---------------------------------------------------------------


def install_root_handler(config, sink) -> None:
    """Gives the root logger awslambdaric's handler, now or when `logging` is first imported."""
    if "logging" in sys.modules:
        _configure_logging(sys.modules["logging"], config, sink)
    else:
        sys.meta_path.insert(0, _AfterImport("logging", lambda m: _configure_logging(m, config, sink)))


class _AfterImport:
    """A meta path finder that runs `then(module)` right after `name` is first imported."""

    def __init__(self, name: str, then) -> None:
        self._name = name
        self._then = then

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self._name:
            return None
        sys.meta_path.remove(self)  # one use: the finders after it find the real module
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(fullname, path, target) if find_spec else None
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _ThenLoader(spec.loader, self._then)
        return spec


class _ThenLoader:
    def __init__(self, loader, then) -> None:
        self._loader = loader
        self._then = then

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        # The module's own loader is put back first, so nothing can see this wrapper.
        module.__loader__ = module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        self._then(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


def _configure_logging(logging, config, sink) -> None:
    logging.Formatter.converter = time.gmtime  # awslambdaric sets this globally too
    json_format = config.log_format == "JSON"
    frames = _JSON_FRAME if json_format else _TEXT_FRAME
    # awslambdaric types frames by level only with JSON or an explicit level.
    typed_frames = json_format or bool(config.log_level)

    class LambdaLoggerHandler(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.log_sink = sink  # where awslambdaric keeps it; context.log looks there

        def emit(self, record) -> None:
            try:
                msg = self.format(record)
                frame = frames.get(min(50, max(0, record.levelno)) // 10 * 10) if typed_frames else None
                sink.write(msg, frame)
            except Exception:
                self.handleError(record)

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record) -> bool:
            record.aws_request_id, record.tenant_id = current_request.get()
            return True

    handler = LambdaLoggerHandler()
    handler.setFormatter(_json_formatter(logging)() if json_format
                         else logging.Formatter(_TEXT_LINE, _TEXT_TIME))
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    if config.log_level in logging._nameToLevel:
        root.setLevel(config.log_level)
    root.addHandler(handler)


def _json_formatter(logging):
    class JsonFormatter(logging.Formatter):
        """awslambdaric's JSON record: fixed keys first, then the record's extra attributes."""

        def __init__(self) -> None:
            super().__init__(datefmt=_JSON_TIME)

        def format(self, record) -> str:
            record.levelno = min(50, max(0, record.levelno)) // 10 * 10
            record.levelname = logging.getLevelName(record.levelno)
            exc_info = record.exc_info
            if exc_info:
                import traceback

                stack = traceback.format_tb(exc_info[2])
            result = {
                "timestamp": self.formatTime(record, self.datefmt),
                "level": record.levelname,
                "message": (record.msg if isinstance(record.msg, dict) and not record.args
                            else record.getMessage()),
                "logger": record.name,
                "stackTrace": stack if exc_info else None,
                "errorType": exc_info[0].__name__ if exc_info else None,
                "errorMessage": str(exc_info[1]) if exc_info else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_info else None,
            }
            if getattr(record, "tenant_id", None) is not None:
                result["tenantId"] = record.tenant_id
            result.update((k, v) for k, v in record.__dict__.items()
                          if k not in _RESERVED and k not in result)
            return _json_line({k: v for k, v in result.items() if v is not None})

    return JsonFormatter
