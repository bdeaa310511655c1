"""Error bodies as awslambdaric posts them, and the stack traces inside them.

Only the user's frames appear in a stack trace: the runtime's own frames (this
package) and importlib's machinery are cut out.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType
    from typing import TypedDict

    class ErrorBody(TypedDict):
        errorMessage: str
        errorType: str
        requestId: str
        stackTrace: list[str]

    class ChainedError(TypedDict):
        relation: str  # "cause" (raise ... from) or "context" (raised while handling)
        errorType: str
        errorMessage: str
        stackTrace: list[str]

    # (file, line, function, source line) of one stack frame.
    Frame = tuple[str, "int | None", str, "str | None"]

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_IMPORT_MACHINERY = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>")


class FaultError(Exception):
    """An error the runtime itself reports, with a Lambda error type (`Runtime.*`)."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace


def make_error(message: str, error_type: str, stack_trace: list[str] | None,
               request_id: str | None = None) -> ErrorBody:
    """The JSON error body: the same keys, order and defaults as awslambdaric's."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace or [],
    }


def user_frames(tb: TracebackType | None) -> list[Frame]:
    """(file, line, function, code) for each frame of `tb` that belongs to the user."""
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    # The runtime's frames lead, and for an `async def` handler asyncio's next (the loop
    # that ran the coroutine): neither is the user's code.
    leading: tuple[str, ...] = (_RUNTIME_DIR,)
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None and asyncio.__file__:
        leading += (os.path.dirname(asyncio.__file__) + os.sep,)
    start = 0
    while start < len(frames) and frames[start][0].startswith(leading):
        start += 1
    return [f for f in frames[start:]
            if f[0] not in _IMPORT_MACHINERY and not _is_importlib_init(f[0])]


def _is_importlib_init(filename: str) -> bool:
    return filename.endswith(os.sep + os.path.join("importlib", "__init__.py"))


def format_frames(frames: list[Frame]) -> list[str]:
    """`traceback.format_list` of plain tuples, so no 3.11+ caret lines are added."""
    import traceback

    return traceback.format_list(frames)  # type: ignore[arg-type]  # a None line number prints as None


def from_exception(exc: BaseException, request_id: str | None = None) -> tuple[ErrorBody, dict[str, object]]:
    """The error body and the X-Ray cause for an exception raised by user code."""
    if isinstance(exc, FaultError):
        return (make_error(exc.message, exc.error_type, exc.stack_trace, request_id),
                xray_cause("LambdaValidationError", exc.message, []))
    frames = user_frames(exc.__traceback__)
    error_type = type(exc).__name__
    message = str(exc)
    return (make_error(message, error_type, format_frames(frames), request_id),
            xray_cause(error_type, message, frames))


def xray_cause(error_type: str, message: str, frames: list[Frame]) -> dict[str, object]:
    """The `Lambda-Runtime-Function-XRay-Error-Cause` document, as awslambdaric builds it."""
    return {
        "working_directory": os.getcwd(),
        "exceptions": [{
            "message": message,
            "type": error_type,
            "stack": [{"label": name, "path": path, "line": line} for path, line, name, _ in frames],
        }],
        "paths": list(dict.fromkeys(path for path, _, _, _ in frames)),
    }


def chain_of(exc: BaseException) -> list[ChainedError]:
    """The exceptions behind `exc`, outermost first: its `__cause__` (`raise X from Y`), or its
    `__context__` (raised while handling Y) unless suppressed (`from None`), and theirs."""
    chain: list[ChainedError] = []
    seen = {id(exc)}
    while True:
        if exc.__cause__ is not None:
            relation, exc = "cause", exc.__cause__
        elif exc.__context__ is not None and not exc.__suppress_context__:
            relation, exc = "context", exc.__context__
        else:
            return chain
        if id(exc) in seen:  # a cycle: each exception is shown once
            return chain
        seen.add(id(exc))
        chain.append({"relation": relation, "errorType": type(exc).__name__, "errorMessage": str(exc),
                      "stackTrace": format_frames(user_frames(exc.__traceback__))})
