"""Where log records go: stdout, or as frames on the telemetry fd Lambda passes in
`_LAMBDA_TELEMETRY_LOG_FD` (awslambdaric's `lambda_runtime_log_utils` framing)."""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # typing is never imported at run time (about 5 ms at start)
if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping
    from typing import Protocol

    from .config import Config

    class Sink(Protocol):
        def write(self, msg: str, frame_type: bytes | None = None) -> None: ...
        def write_error(self, lines: list[str], frame_type: bytes) -> None: ...


# Frame types by level (NOTSET, DEBUG, INFO, WARNING, ERROR, CRITICAL), as awslambdaric's.
JSON_FRAME = {level: code.to_bytes(4, "big") for level, code in (
    (0, 0xA55A0002), (10, 0xA55A000A), (20, 0xA55A000E), (30, 0xA55A0012), (40, 0xA55A0016),
    (50, 0xA55A001A))}
TEXT_FRAME = {level: code.to_bytes(4, "big") for level, code in (
    (0, 0xA55A0003), (10, 0xA55A000B), (20, 0xA55A000F), (30, 0xA55A0013), (40, 0xA55A0017),
    (50, 0xA55A001B))}


class StdoutSink:
    """Records go to whatever `sys.stdout` is at the time, as awslambdaric writes them."""

    def write(self, msg: str, frame_type: bytes | None = None) -> None:
        sys.stdout.write(msg)

    def write_error(self, lines: list[str], frame_type: bytes) -> None:
        # One record: the lines joined with \r, which CloudWatch keeps in one event.
        sys.stdout.write("\r".join(lines) + "\n")


class TelemetrySink:
    """Frames on Lambda's telemetry fd: type u32 | length u32 | timestamp_us u64 | message."""

    def __init__(self, fd: int) -> None:
        self._file = os.fdopen(fd, "wb", 0)

    def write(self, msg: str, frame_type: bytes | None = None) -> None:
        data = msg.encode("utf-8")
        self._file.write((frame_type or TEXT_FRAME[0]) + len(data).to_bytes(4, "big")
                         + (time.time_ns() // 1000).to_bytes(8, "big") + data)

    def write_error(self, lines: list[str], frame_type: bytes) -> None:
        self.write("\n".join(lines), frame_type)


def open_sink(config: Config, environ: MutableMapping[str, str]) -> Sink:
    """The sink for this process. The fd variable is removed so child processes don't write to it."""
    if config.telemetry_fd is None:
        return StdoutSink()
    environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
    return TelemetrySink(config.telemetry_fd)


def json_line(record: Mapping[str, object]) -> str:
    """One JSON log record as a line, as awslambdaric writes it."""
    import json

    return json.dumps(record, ensure_ascii=False, default=str) + "\n"


def say(message: str) -> None:
    """One line from the runtime itself, on stderr, for what the platform cannot be told."""
    sys.stderr.write(f"lambda-runtime: {message}\n")
