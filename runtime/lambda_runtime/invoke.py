"""One invocation: event in, handler called, result (buffered or streamed) or error out.

`Invoker` is given everything it uses (the handler, the Runtime API client, the config);
it keeps no state between invocations but the event loop of `async def` handlers.
Buffered answers leave through `LambdaRuntimeClient`'s awslambdaric-named methods, where
code that hooks the runtime (an error tracker's flush) expects them (bootstrap.py).
"""

from __future__ import annotations

import sys
import types

from . import errors
from .api_client import InvocationRejected
from .api_protocol import (
    HTTP_INTEGRATION_CONTENT_TYPE,
    HTTP_PRELUDE_DELIMITER,
    MAX_BUFFERED_RESPONSE,
    MAX_STREAMED_RESPONSE,
)
from .context import LambdaContext
from .log_sinks import say
from .marshal import decode_event
from .request_context import current_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
    from typing import TypeVar

    from .api_client import ResponseStream
    from .api_protocol import Invocation
    from .bootstrap import LambdaRuntimeClient
    from .config import Config
    from .error_reports import ErrorReporter
    from .event_loop import EventLoop
    from .log_sinks import Sink
    from .marshal import Encoder

    T = TypeVar("T")

RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"

# Results that are written as JSON at once: everything else is looked at more closely.
_PLAIN_RESULTS = frozenset((dict, list, str, int, float, bool, type(None), bytes))
_GENERATORS = (types.GeneratorType, types.AsyncGeneratorType)


class Invoker:
    def __init__(self, handler: Callable[..., object], client: LambdaRuntimeClient, config: Config,
                 encoder: Encoder, report: ErrorReporter, sink: Sink, event_loop: EventLoop | None = None) -> None:
        self.handler = handler
        self.client = client
        self.config = config
        self.encoder = encoder
        self.report = report
        self.sink = sink
        self.event_loop = event_loop

    def __call__(self, inv: Invocation, handler: Callable[..., object]) -> None:
        """Answers `inv` with `handler`: the loaded one, or a wrapper of it (bootstrap.py)."""
        current_request.set((inv.request_id, inv.tenant_id))
        try:
            context = LambdaContext(inv, self.config, self.sink)
            result = handler(decode_event(inv.body, inv.content_type), context)
            if type(result) not in _PLAIN_RESULTS:
                if not _is_stream(result) and hasattr(result, "__await__"):
                    result = self._event_loop().run(result)  # an async def handler
                if _is_stream(result):
                    return self._stream(inv, result)
            body, content_type = self.encoder.result(result)
        except Exception as exc:
            return self.fail(inv, exc)
        if len(body) > MAX_BUFFERED_RESPONSE:
            return self.fail(inv, _too_large(len(body), MAX_BUFFERED_RESPONSE))
        try:
            self.client.post_invocation_result(inv.request_id, body, content_type, inv.invocation_id)
        except InvocationRejected as exc:
            say(str(exc))

    def _event_loop(self) -> EventLoop:
        if self.event_loop is None:  # asyncio is imported only by those who need it
            from .event_loop import EventLoop

            self.event_loop = EventLoop()
        return self.event_loop

    def _run(self, awaitable: Awaitable[T]) -> T:
        return self._event_loop().run(awaitable)

    def fail(self, inv: Invocation, exc: BaseException) -> None:
        """Reports an invocation error: logged as one record, then posted to /error."""
        error, cause = errors.from_exception(exc, inv.request_id)
        self.report.error(error, errors.chain_of(exc))
        encode = self.encoder.encode
        try:
            self.client.post_invocation_error(inv.request_id, encode(error), encode(cause), inv.invocation_id)
        except InvocationRejected as rejected:
            say(str(rejected))

    # --- streamed responses ---------------------------------------------------------------

    def _stream(self, inv: Invocation, result: object) -> None:
        content_type, prelude, body = _unpack(result)
        run = self._run
        chunks: Iterator[object] | AsyncIterator[object]
        if isinstance(body, (bytes, str)):
            chunks = iter((body,))
        elif hasattr(body, "__aiter__"):
            chunks = body.__aiter__()
        else:
            chunks = iter(body)  # type: ignore[call-overload]  # not iterable: TypeError, an invocation error
        is_async = hasattr(chunks, "__anext__")
        # The response begins with the first chunk: an error before it is an ordinary one.
        try:
            first = run(_next_async(chunks)) if is_async else next(chunks, _END)  # type: ignore[arg-type]
            first_bytes = b"" if first is _END else _as_bytes(first)
        except Exception as exc:
            _close(chunks, run)
            return self.fail(inv, exc)
        stream = self.client.api.start_streamed_response(inv, content_type)
        if prelude:
            stream.write(prelude)
        error = self._write(stream, first_bytes)
        if error is None and first is not _END:
            if is_async:
                error = run(self._pump_async(stream, chunks))  # type: ignore[arg-type]
            else:
                error = self._pump(stream, chunks)  # type: ignore[arg-type]
        if error is None:
            return self._finish(stream)
        # After the first byte, the error goes in the trailers; the chunks sent stand.
        _close(chunks, run)
        error_body, _ = errors.from_exception(error, inv.request_id)
        self.report.error(error_body, errors.chain_of(error))
        self._finish(stream, error_body["errorType"], self.encoder.encode(error_body).encode("utf-8"))

    def _pump(self, stream: ResponseStream, chunks: Iterator[object]) -> BaseException | None:
        try:
            for chunk in chunks:
                error = self._write(stream, _as_bytes(chunk))
                if error is not None:
                    return error
        except Exception as exc:
            return exc
        return None

    async def _pump_async(self, stream: ResponseStream, chunks: AsyncIterator[object]) -> BaseException | None:
        try:
            async for chunk in chunks:
                error = self._write(stream, _as_bytes(chunk))
                if error is not None:
                    return error
        except Exception as exc:
            return exc
        return None

    @staticmethod
    def _write(stream: ResponseStream, data: bytes | bytearray | memoryview) -> BaseException | None:
        if stream.bytes_sent + len(data) > MAX_STREAMED_RESPONSE:
            return _too_large(stream.bytes_sent + len(data), MAX_STREAMED_RESPONSE)
        stream.write(data)
        return None

    @staticmethod
    def _finish(stream: ResponseStream, error_type: str | None = None, error_body: bytes | None = None) -> None:
        try:
            stream.finish(error_type, error_body)
        except InvocationRejected as exc:
            say(str(exc))


def _is_stream(result: object) -> bool:
    if isinstance(result, _GENERATORS):
        return True
    # A StreamingResponse exists only if the function imported its module: never imported here first.
    streaming = sys.modules.get("lambda_runtime.streaming")
    return streaming is not None and isinstance(result, streaming.StreamingResponse)


def _unpack(result: object) -> tuple[str, bytes | None, object]:
    """(content type, HTTP prelude or None, body) of what a streaming handler returned."""
    from .streaming import DEFAULT_CONTENT_TYPE, StreamingResponse

    if not isinstance(result, StreamingResponse):
        return DEFAULT_CONTENT_TYPE, None, result
    if not result.is_http:
        return result.content_type or DEFAULT_CONTENT_TYPE, None, result.body
    import json

    headers = dict(result.headers or {})
    if result.content_type and not any(name.lower() == "content-type" for name in headers):
        headers["content-type"] = result.content_type
    prelude = {"statusCode": 200 if result.status_code is None else result.status_code, "headers": headers,
               "cookies": list(result.cookies or ())}
    return HTTP_INTEGRATION_CONTENT_TYPE, json.dumps(prelude).encode("utf-8") + HTTP_PRELUDE_DELIMITER, result.body


_END = object()  # no (more) chunks


async def _next_async(chunks: AsyncIterator[object]) -> object:
    try:
        return await chunks.__anext__()
    except StopAsyncIteration:
        return _END


def _as_bytes(chunk: object) -> bytes | bytearray | memoryview:
    """A chunk as bytes to send, never copied; str as UTF-8."""
    if isinstance(chunk, (bytes, bytearray)):
        return chunk
    if isinstance(chunk, memoryview):
        return chunk.cast("B")  # its length in bytes, whatever its item format
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    raise TypeError(f"a streamed chunk must be bytes or str, not {type(chunk).__name__}")


def _close(chunks: object, run: Callable[[Awaitable[object]], object]) -> None:
    """Lets a generator left unfinished run its `finally` blocks now, not at garbage collection."""
    try:
        if hasattr(chunks, "aclose"):
            run(chunks.aclose())
        elif hasattr(chunks, "close"):
            chunks.close()
    except Exception as exc:
        say(f"closing the response's generator failed: {type(exc).__name__}: {exc}")


def _too_large(size: int, limit: int) -> errors.FaultError:
    return errors.FaultError(RESPONSE_TOO_LARGE, f"Response payload size ({size} bytes) exceeded maximum "
                                                 f"allowed payload size ({limit} bytes).")
