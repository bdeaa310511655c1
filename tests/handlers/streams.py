"""Streaming handlers: generators, async generators, StreamingResponse, errors mid-stream."""

import asyncio

from cue import wait_for
from lambda_runtime.streaming import StreamingResponse


def generator(event, context):
    """A generator function: it is the stream."""
    for i in range(event.get("count", 3)):
        yield f"chunk {i}\n"


def returns_generator(event, context):
    return (part.encode() for part in ("a", "b", "c"))


async def async_generator(event, context):
    for i in range(3):
        await asyncio.sleep(0)
        yield f"async {i};".encode()


def gated(event, context):
    """Sends one chunk, then waits for the test's cue before the second."""
    yield b"first"
    wait_for(event["cue"])
    yield b"second"


def http_stream(event, context):
    return StreamingResponse(iter([b"<p>", b"hi", b"</p>"]), status_code=201,
                             headers={"x-custom": "1"}, cookies=["a=1", "b=2"], content_type="text/html")


def typed_stream(event, context):
    return StreamingResponse("one chunk of text", content_type="text/plain")


def empty_stream(event, context):
    return StreamingResponse([], status_code=204)


def fails_before_first_chunk(event, context):
    raise ValueError("nothing to stream")
    yield b"never"  # a generator function all the same


def fails_mid_stream(event, context):
    yield b"part one;"
    raise RuntimeError("the database went away")


def bad_chunk(event, context):
    yield b"ok;"
    yield 42


def big_stream(event, context):
    """`total` bytes in chunks of `chunk` bytes, never held in memory at once."""
    chunk = b"x" * event["chunk"]
    for _ in range(event["total"] // event["chunk"]):
        yield chunk


CLEANED_UP = []


def cleanup_on_close(event, context):
    """An async stream stopped half way (a bad chunk); `{"report": true}` lists the cleanups."""
    if event.get("report"):
        return CLEANED_UP
    return _closing_stream(context.aws_request_id)


async def _closing_stream(request_id):
    try:
        yield b"x" * 1024
        yield 3.5  # not a chunk: the runtime stops the stream here
    finally:
        await asyncio.sleep(0)
        CLEANED_UP.append(request_id)


def typed_memory(event, context):
    """Chunks given as bytearray and as a memoryview of 16-bit items."""
    import array

    yield bytearray(b"ab")
    yield memoryview(array.array("H", [0x6463, 0x6665]))  # b"cdef" on a little-endian machine


def endless(event, context):
    """More than a streamed response may carry (the test lowers the limit)."""
    while True:
        yield b"x" * 1024


async def endless_async(event, context):
    while True:
        yield b"x" * 1024


async def empty_async(event, context):
    return
    yield b"never"


def cleanup_fails(event, context):
    try:
        yield b"ok;"
        yield 1.5  # not a chunk: the stream stops, and the generator is closed...
    finally:
        raise OSError("...and its clean-up fails too")
