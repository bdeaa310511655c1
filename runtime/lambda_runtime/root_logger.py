"""The root logger's handler, as awslambdaric installs it: TEXT or JSON records to the sink.

This module imports `logging`, so it is itself imported only once the user's code has
imported `logging` (`install_root_handler` arranges that): the handler is in place
before that code can log anything, and a handler that never logs never pays for it.
"""

from __future__ import annotations

import logging
import time

from .log_json import JsonFormatter
from .log_sinks import JSON_FRAME, TEXT_FRAME
from .request_context import current_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .config import Config
    from .log_sinks import Sink

TEXT_LINE = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
TEXT_TIME = "%Y-%m-%dT%H:%M:%S"


class LambdaLoggerHandler(logging.Handler):
    """Writes each record to the sink, typed by level where awslambdaric types frames."""

    def __init__(self, sink: Sink, frames: dict[int, bytes] | None) -> None:
        super().__init__()
        self.log_sink = sink  # where awslambdaric keeps it; context.log looks there
        self._frames = frames

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = self.format(record)
            frames = self._frames
            frame = frames.get(min(50, max(0, record.levelno)) // 10 * 10) if frames else None
            self.log_sink.write(msg, frame)
        except Exception:
            self.handleError(record)


class LambdaLoggerHandlerWithFrameType(LambdaLoggerHandler):
    """The same handler under the name awslambdaric gives it when frames are typed by level."""


class LambdaLoggerFilter(logging.Filter):
    """Stamps each record with the request (and tenant) id of the invocation that logs it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id, record.tenant_id = current_request.get()
        return True


def configure(config: Config, sink: Sink) -> None:
    logging.Formatter.converter = time.gmtime  # awslambdaric sets this globally too
    json_format = config.log_format == "JSON"
    # awslambdaric types frames by level only with JSON or an explicit level.
    typed = json_format or bool(config.log_level)
    if typed:
        handler: LambdaLoggerHandler = LambdaLoggerHandlerWithFrameType(sink, JSON_FRAME if json_format else TEXT_FRAME)
    else:
        handler = LambdaLoggerHandler(sink, None)
    handler.setFormatter(JsonFormatter() if json_format else logging.Formatter(TEXT_LINE, TEXT_TIME))
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    if config.log_level in logging._nameToLevel:  # an unknown level leaves the logger alone, as awslambdaric
        root.setLevel(config.log_level)
    root.addHandler(handler)
