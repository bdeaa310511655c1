"""A recording proxy in front of an environment's Runtime API, for a test that looks at what a real
runtime sends: it starts the command it is given (its arguments) with AWS_LAMBDA_RUNTIME_API
pointing at itself, relays every HTTP message both ways unchanged, and appends one JSON line per
message to $PROXY_LOG before passing it on: which way it went, its request or status line, and
its Lambda-Runtime-Invocation-Id header. Messages framed by Content-Length only (no chunked
bodies: buffered responses, not streamed ones)."""

import json
import os
import socket
import subprocess
import sys
import threading

UPSTREAM_HOST, _, UPSTREAM_PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
LOG = os.environ["PROXY_LOG"]
LOCK = threading.Lock()


def log(entry: dict) -> None:
    with LOCK, open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\n")


def relay(source: socket.socket, target: socket.socket, direction: str) -> None:
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                data = source.recv(65536)
                if not data:
                    return
                buf += data
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            length = int(headers.get("content-length", "0"))
            while len(buf) < length:
                data = source.recv(65536)
                if not data:
                    return
                buf += data
            body, buf = buf[:length], buf[length:]
            log({"direction": direction, "line": lines[0],
                 "invocation_id": headers.get("lambda-runtime-invocation-id")})
            target.sendall(head + b"\r\n\r\n" + body)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(listener: socket.socket) -> None:
    while True:
        runtime, _ = listener.accept()
        api = socket.create_connection((UPSTREAM_HOST, int(UPSTREAM_PORT)))
        threading.Thread(target=relay, args=(runtime, api, "request"), daemon=True).start()
        threading.Thread(target=relay, args=(api, runtime, "reply"), daemon=True).start()


def main() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    threading.Thread(target=serve, args=(listener,), daemon=True).start()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{listener.getsockname()[1]}")
    sys.exit(subprocess.call(sys.argv[1:], env=env))


if __name__ == "__main__":
    main()
