"""A scripted runtime: a client of the Runtime API that sends exactly the bytes a test asks for.

It stands in for the runtime where ours does not do a thing yet (response streaming,
managed-instance concurrency, extensions) and where a test needs a runtime to misbehave.
Each event says what to do:
  {"respond": TEXT}                      a buffered response
  {"stream": {"chunks": [TEXT...], "content_type": T, "prelude": {...}, "gate": PATH,
              "gate_after": N, "error": {"type": T, "body": {...}}}}
                                         a streamed response: chunked, with the error trailers
                                         declared; waits for the file `gate` to exist after N chunks
  {"hold": N, "reply": TEXT}             waits until N invocations are held at once, then answers
  {"gate": PATH, "reply": TEXT}          waits for the file, then answers
  {"exit": CODE}                         exits at once, mid-invocation
  {"drop": true}                         this worker closes its connection and stops
  {"post_twice": TEXT}                   answers, then answers the same invocation again
  {"error": {...}, "type": T}            POST /error
  {"stale": TEXT}                        answers with another invocation's id first (what a timed-out
                                         invocation's late answer echoes), then with its own
Every post echoes the invocation's Lambda-Runtime-Invocation-Id when "echo" is true in the event.
A function URL request carries these in its body. Every status the API answers is appended to
$SCRIPT_LOG as a JSON line.
Environment: SCRIPT_WORKERS=N (N connections calling /next at once), SCRIPT_EXTENSION=internal
(register a no-op internal extension; `internal-shutdown`: one that asks for SHUTDOWN),
SCRIPT_MARKER=PATH (on SIGTERM write PATH, then exit unless SCRIPT_SIGTERM=ignore),
SCRIPT_INIT_ERROR=TYPE (post /init/error and exit 1).
"""

import base64
import json
import os
import signal
import socket
import sys
import threading
import time

HOST, _, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
LOG = os.environ.get("SCRIPT_LOG")
HELD = {"count": 0}
HELD_LOCK = threading.Condition()
API = "/2018-06-01/runtime"


def log(entry: dict) -> None:
    if LOG:
        with open(LOG, "a") as f:
            f.write(json.dumps(entry) + "\n")


class Connection:
    def __init__(self) -> None:
        self.sock = socket.create_connection((HOST, int(PORT)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> tuple:
        while b"\r\n\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the API closed the connection")
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the API closed the connection inside a reply")
            self.buf += data
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def call(self, head: str, body: bytes = b"") -> tuple:
        self.send(head.encode("latin-1") + body)
        return self.reply()


def post(conn: Connection, path: str, body: bytes, headers: str = "") -> int:
    status, _, _ = conn.call(
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\n{headers}Content-Length: {len(body)}\r\n\r\n", body)
    return status


def wait_for(path: str, deadline: float = 20.0) -> None:
    give_up = time.monotonic() + deadline
    while not os.path.exists(path):
        if time.monotonic() > give_up:
            raise TimeoutError(f"no {path}")
        time.sleep(0.005)


def stream(conn: Connection, request_id: str, spec: dict) -> int:
    head = (f"POST {API}/invocation/{request_id}/response HTTP/1.1\r\nHost: {HOST}\r\n"
            "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
            "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"
            f"Content-Type: {spec.get('content_type', 'application/octet-stream')}\r\n\r\n")
    conn.send(head.encode())
    chunks = [c.encode() for c in spec.get("chunks", [])]
    if "prelude" in spec:
        chunks.insert(0, json.dumps(spec["prelude"]).encode() + b"\0" * 8)
    for index, data in enumerate(chunks):
        if spec.get("gate") and index == spec.get("gate_after", 1):
            wait_for(spec["gate"])
        conn.send(b"%x\r\n%s\r\n" % (len(data), data))
    trailers = b""
    if spec.get("error"):
        error = spec["error"]
        trailers = (f"Lambda-Runtime-Function-Error-Type: {error['type']}\r\n"
                    f"Lambda-Runtime-Function-Error-Body: "
                    f"{base64.b64encode(json.dumps(error['body']).encode()).decode()}\r\n").encode()
    conn.send(b"0\r\n" + trailers + b"\r\n")
    status, _, _ = conn.reply()
    return status


def serve(conn: Connection) -> None:
    while True:
        status, headers, body = conn.call(f"GET {API}/invocation/next HTTP/1.1\r\nHost: {HOST}\r\n\r\n")
        if status != 200:
            log({"call": "next", "status": status})
            return
        request_id = headers["lambda-runtime-aws-request-id"]
        event = json.loads(body)
        invocation_id = headers.get("lambda-runtime-invocation-id")
        log({"call": "next", "status": status, "request_id": request_id,
             "trace_id": headers.get("lambda-runtime-trace-id"),
             "client_context": headers.get("lambda-runtime-client-context"),
             "arn": headers.get("lambda-runtime-invoked-function-arn"),
             "deadline_ms": int(headers["lambda-runtime-deadline-ms"]),
             "invocation_id": invocation_id, "tenant_id": headers.get("lambda-runtime-aws-tenant-id"),
             "headers": sorted(headers)})
        if isinstance(event, dict) and ("rawPath" in event or "httpMethod" in event):
            # A function URL request: the instructions are its body.
            text = event.get("body") or "{}"
            event = json.loads(base64.b64decode(text) if event.get("isBase64Encoded") else text)
        if not isinstance(event, dict):
            event = {"respond": json.dumps(event)}
        if "exit" in event:
            os._exit(event["exit"])
        if "drop" in event:  # this worker dies: its connection closes, the others go on
            conn.sock.close()
            return
        if "gate" in event:
            wait_for(event["gate"])
        if "hold" in event:
            with HELD_LOCK:
                HELD["count"] += 1
                HELD_LOCK.notify_all()
                HELD_LOCK.wait_for(lambda wanted=event["hold"]: HELD["count"] >= wanted, 20)
                held = HELD["count"]
            event = {"respond": json.dumps({"held": held, "reply": event.get("reply")})}
        path = f"{API}/invocation/{request_id}"
        echo = f"Lambda-Runtime-Invocation-Id: {invocation_id}\r\n" if event.get("echo") else ""
        if "stale" in event:
            log({"call": "stale response", "status": post(conn, path + "/response", b'"stale"',
                                                          "Lambda-Runtime-Invocation-Id: not-this-one\r\n")})
            event, echo = {"respond": event["stale"]}, f"Lambda-Runtime-Invocation-Id: {invocation_id}\r\n"
        if "stream" in event:
            log({"call": "stream", "status": stream(conn, request_id, event["stream"])})
        elif "error" in event:
            status = post(conn, path + "/error", json.dumps(event["error"]).encode(),
                          f"Lambda-Runtime-Function-Error-Type: {event.get('type', 'Unhandled')}\r\n"
                          "Content-Type: application/json\r\n" + echo)
            log({"call": "error", "status": status})
        else:
            text = event.get("respond", event.get("reply", event.get("post_twice", "")))
            log({"call": "response", "status": post(conn, path + "/response", text.encode(),
                                                    "Content-Type: application/json\r\n" + echo)})
            if "post_twice" in event:
                log({"call": "response again", "status": post(conn, path + "/response", b'"again"')})


def register_internal_extension(events: str) -> None:
    conn = Connection()
    status, headers, body = conn.call(
        "POST /2020-01-01/extension/register HTTP/1.1\r\nHost: x\r\nLambda-Extension-Name: scripted-graceful-shutdown"
        f"\r\nContent-Length: {len(events)}\r\n\r\n", events.encode())
    log({"call": "register", "status": status, "body": json.loads(body)})
    if status != 200:
        return
    ext_id = headers["lambda-extension-identifier"]

    def block() -> None:
        try:
            conn.call(f"GET /2020-01-01/extension/event/next HTTP/1.1\r\nHost: x\r\n"
                      f"Lambda-Extension-Identifier: {ext_id}\r\n\r\n")
        except OSError:
            pass

    threading.Thread(target=block, daemon=True).start()


def on_sigterm(signum, frame) -> None:
    with open(os.environ["SCRIPT_MARKER"], "w") as f:
        f.write("SIGTERM")
    if os.environ.get("SCRIPT_SIGTERM") != "ignore":
        os._exit(0)


def main() -> None:
    if os.environ.get("SCRIPT_INIT_ERROR"):
        conn = Connection()
        error_type = os.environ["SCRIPT_INIT_ERROR"]
        status = post(conn, API + "/init/error", json.dumps({"errorType": error_type, "errorMessage": "x"}).encode(),
                      f"Lambda-Runtime-Function-Error-Type: {error_type}\r\n")
        log({"call": "init_error", "status": status})
        sys.exit(1)
    if os.environ.get("SCRIPT_MARKER"):
        signal.signal(signal.SIGTERM, on_sigterm)
    if os.environ.get("SCRIPT_EXTENSION") == "internal":
        register_internal_extension('{"events":[]}')
    elif os.environ.get("SCRIPT_EXTENSION") == "internal-shutdown":
        register_internal_extension('{"events":["SHUTDOWN"]}')
    workers = int(os.environ.get("SCRIPT_WORKERS", "1"))
    threads = [threading.Thread(target=serve, args=(Connection(),), daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
