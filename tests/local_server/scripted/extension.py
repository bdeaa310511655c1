"""A scripted external extension: registers under its file name for INVOKE and SHUTDOWN and logs
every event it gets to $SCRIPT_EXT_LOG (one JSON line each); exits after SHUTDOWN.

The tests copy it into an extensions folder with a shebang for their interpreter, as an
executable: that is what makes it external (its name is a file in that folder).
"""

import json
import os
import socket
import sys

HOST, _, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
NAME = os.path.basename(sys.argv[0])
EVENTS = json.loads(os.environ.get("SCRIPT_EXT_EVENTS", '["INVOKE", "SHUTDOWN"]'))


def call(sock, request: bytes) -> tuple:
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body


def log(entry) -> None:
    with open(os.environ["SCRIPT_EXT_LOG"], "a") as f:
        f.write(json.dumps(entry) + "\n")


def main() -> None:
    sock = socket.create_connection((HOST, int(PORT)))
    body = json.dumps({"events": EVENTS}).encode()
    status, headers, reply = call(sock, b"POST /2020-01-01/extension/register HTTP/1.1\r\nHost: x\r\n"
                                  b"Lambda-Extension-Name: %s\r\nContent-Length: %d\r\n\r\n%s"
                                  % (NAME.encode(), len(body), body))
    log({"register": status, "body": json.loads(reply)})
    ext_id = headers["lambda-extension-identifier"].encode()
    while True:
        status, _, event = call(sock, b"GET /2020-01-01/extension/event/next HTTP/1.1\r\nHost: x\r\n"
                                b"Lambda-Extension-Identifier: %s\r\n\r\n" % ext_id)
        event = json.loads(event)
        log(event)
        if event["eventType"] == "SHUTDOWN":
            return


if __name__ == "__main__":
    main()
