"""The functions the benchmark runs, and the floors (bare programs), written to a task root."""

from __future__ import annotations

import sys
from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "runtime"

HANDLER_SOURCE = "def handler(event, context):\n    return {'statusCode': 200, 'body': event['rawPath']}\n"

# The same handler, as an `async def`.
ASYNC_HANDLER_SOURCE = (
    "async def handler(event, context):\n    return {'statusCode': 200, 'body': event['rawPath']}\n")

STREAM_CHUNK = 64 * 1024

# A streaming handler: one preallocated chunk, yielded `event["chunks"]` times.
STREAM_HANDLER_SOURCE = f"""\
CHUNK = bytes({STREAM_CHUNK})


def handler(event, context):
    for _ in range(event["chunks"]):
        yield CHUNK
"""

# A module with a realistic init: sizeable parts of the standard library imported at import.
HEAVY_HANDLER_SOURCE = """\
import asyncio
import decimal
import email.message
import email.parser
import json
import logging

logger = logging.getLogger(__name__)
PARSER = email.parser.BytesParser()


def handler(event, context):
    return {'statusCode': 200, 'body': event['rawPath']}
"""

# The floor: the least a Python runtime can do (socket + json, nothing else).
FLOOR_SOURCE = r'''
import json, os, socket, sys
sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
from app import handler
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
s = socket.create_connection((host, int(port)))
r = s.makefile("rb")
def call(head, body=b""):
    s.sendall(head + body)
    length, rid = 0, None
    r.readline()
    while True:
        line = r.readline()
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"lambda-runtime-aws-request-id":
            rid = value.strip().decode()
    return rid, r.read(length)
while True:
    rid, event = call(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
    out = json.dumps(handler(json.loads(event), None)).encode()
    call(b"POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
         % (rid.encode(), len(out)), out)
'''

# The streaming floor: the same handler's chunks, sent as the same chunked request, each chunk's
# size line, bytes and CRLF in one system call (sendmsg), then the connection closed, as the
# runtime does after a streamed response.
FLOOR_STREAM_SOURCE = r'''
import json, os, socket, sys
sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
from stream_app import handler
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
def reply(r):
    length, rid = 0, None
    r.readline()
    while True:
        line = r.readline()
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"lambda-runtime-aws-request-id":
            rid = value.strip().decode()
    return rid, r.read(length)
while True:
    s = socket.create_connection((host, int(port)))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    r = s.makefile("rb")
    s.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
    rid, event = reply(r)
    s.sendall(b"POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/octet-stream\r\nLambda-Runtime-Function-Response-Mode: streaming\r\n"
              b"Transfer-Encoding: chunked\r\n"
              b"Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n"
              % rid.encode())
    for chunk in handler(json.loads(event), None):
        parts = (b"%x\r\n" % len(chunk), chunk, b"\r\n")
        sent = s.sendmsg(parts)
        if sent < len(parts[0]) + len(chunk) + 2:  # a partial send: the rest as it comes
            s.sendall(b"".join(parts)[sent:])
    s.sendall(b"0\r\n\r\n")
    reply(r)
    s.close()
'''


def write_task_root(task_root: str) -> None:
    files = {
        "app.py": HANDLER_SOURCE, "async_app.py": ASYNC_HANDLER_SOURCE, "stream_app.py": STREAM_HANDLER_SOURCE,
        "heavy_app.py": HEAVY_HANDLER_SOURCE, "floor.py": FLOOR_SOURCE, "floor_stream.py": FLOOR_STREAM_SOURCE,
    }
    for name, text in files.items():
        Path(task_root, name).write_text(text)
    write_bootstrap(task_root)


def write_bootstrap(task_root: str) -> Path:
    """Our runtime as the image starts it: bootstrap with its first line pinned to the
    interpreter (the Dockerfile does the same), so the kernel starts Python without a shell;
    the packages beside it. Written to `runtime/` in the task root; returns its path."""
    folder = Path(task_root, "runtime")
    folder.mkdir()
    (folder / "lambda_runtime").symlink_to(RUNTIME_DIR / "lambda_runtime")
    (folder / "lambda_runtime_api").symlink_to(RUNTIME_DIR / "lambda_runtime_api")
    bootstrap = folder / "bootstrap"
    bootstrap.write_text(f"#!{sys.executable} -u\n" + (RUNTIME_DIR / "bootstrap").read_text().split("\n", 1)[1])
    bootstrap.chmod(0o755)
    return bootstrap
