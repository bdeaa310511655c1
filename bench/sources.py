"""The functions the benchmark runs, and the floors (bare programs), written to a task root."""

from __future__ import annotations

from pathlib import Path

HANDLER_SOURCE = "def handler(event, context):\n    return {'statusCode': 200, 'body': event['rawPath']}\n"

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

def write_task_root(task_root: str) -> None:
    files = {"app.py": HANDLER_SOURCE, "floor.py": FLOOR_SOURCE}
    for name, text in files.items():
        Path(task_root, name).write_text(text)
