"""Response streaming: what a handler returns to stream its response (Lambda's response
streaming, up to 200 MB; awslambdaric has none).

A handler streams when it returns a generator or an async generator, or is one: each
chunk it yields (`bytes`, or `str` sent as UTF-8) goes to the caller as it is produced::

    def handler(event, context):
        for row in rows():
            yield row.to_csv()

`StreamingResponse` sets the content type, and for function URLs and API Gateway the
status code, headers and cookies (sent first, as Lambda's HTTP integration prelude)::

    from lambda_runtime.streaming import StreamingResponse

    def handler(event, context):
        return StreamingResponse(rows(), status_code=200, headers={"content-type": "text/csv"})

An exception before the first chunk is an ordinary invocation error; after it, the
response has begun, so the error travels in the response's error trailers and the
caller sees the chunks sent so far.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterable, Iterable

    Body = bytes | str | Iterable[bytes | str] | AsyncIterable[bytes | str]

DEFAULT_CONTENT_TYPE = "application/octet-stream"


class StreamingResponse:
    """A streamed response: its body, content type, and HTTP status, headers and cookies.

    `body`: bytes or str (one chunk), or an iterable or async iterable of chunks.
    Giving `status_code`, `headers` or `cookies` makes it an HTTP response for function
    URLs and API Gateway (status 200 unless given); `content_type` then becomes its
    `content-type` header unless `headers` has one.
    """

    __slots__ = ("body", "content_type", "cookies", "headers", "status_code")

    def __init__(self, body: Body, *, content_type: str | None = None, status_code: int | None = None,
                 headers: dict[str, str] | None = None, cookies: list[str] | None = None) -> None:
        self.body = body
        self.content_type = content_type
        self.status_code = status_code
        self.headers = headers
        self.cookies = cookies

    @property
    def is_http(self) -> bool:
        return self.status_code is not None or self.headers is not None or self.cookies is not None

    def __repr__(self) -> str:
        return (f"StreamingResponse(content_type={self.content_type!r}, status_code={self.status_code!r}, "
                f"headers={self.headers!r}, cookies={self.cookies!r})")
