"""A telemetry extension with the OpenTelemetry Lambda collector's lifecycle
(open-telemetry/opentelemetry-lambda collector/internal/lifecycle/manager.go, telemetryapi/):
registers for INVOKE and SHUTDOWN (accepting the accountId feature), starts an HTTP listener on
sandbox.localdomain, subscribes to the Telemetry API with the collector's very body, and exits 1
on any answer but 200; on each INVOKE it waits until platform.runtimeDone of that request has
arrived, then asks for its next event; on SHUTDOWN it exits 0. Standard library only, so that
it runs in the image as it is, as an external extension (an executable in /opt/extensions).

Environment (all optional):
  TELEMETRY_EXT_LOG     a file to append one JSON line per thing seen; default: stdout, each line
                        prefixed "telemetry-extension: " (the extension does not take its own lines)
  TELEMETRY_EXT_LISTEN  the host to listen on (default sandbox.localdomain, as the collector)
  TELEMETRY_EXT_API     telemetry (default) or logs: the Logs API, schema 2021-03-18
  TELEMETRY_EXT_TYPES   comma-separated types (default platform, the collector's)
  TELEMETRY_EXT_VERSION the schema version (default the collector's 2022-12-13)
  TELEMETRY_EXT_BUFFERING  a JSON object (default the collector's: 1000 items, 262144 bytes, 25 ms)
  TELEMETRY_EXT_SECOND  set: a second subscription with the same identifier to a second listener,
                        for every type (the collector's telemetryapi receiver does this), named by
                        Lambda's short name, http://sandbox:PORT (as Serverless's extension names it)
  TELEMETRY_EXT_WAIT    runtimeDone (default) or none: on INVOKE, ask for the next event at once
  TELEMETRY_EXT_LATE    set: after the first INVOKE, subscribe again (after init: refused)
  TELEMETRY_EXT_GO_ON   set: a refused subscription is noted and the extension goes on (not exit 1)
  TELEMETRY_EXT_METADATA  set: asks the metadata endpoint once, at start, and notes its answer
"""

import json
import os
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"]
NAME = os.path.basename(sys.argv[0])
LOG = os.environ.get("TELEMETRY_EXT_LOG")
LOGS_API = os.environ.get("TELEMETRY_EXT_API") == "logs"
LOCK = threading.Condition()
DONE: dict = {}  # request id -> the status of its platform.runtimeDone


def note(entry: dict) -> None:
    entry = dict(entry, pid=os.getpid(), extension=NAME)
    with LOCK:
        if LOG:
            with open(LOG, "a") as f:
                f.write(json.dumps(entry) + "\n")
        else:
            sys.stdout.write("telemetry-extension: " + json.dumps(entry) + "\n")
            sys.stdout.flush()


def call(method: str, path: str, body=None, headers=None):
    request = urllib.request.Request(API + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=600) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def listener(number: int) -> int:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            note({"batch": batch, "listener": number, "path": self.path, "method": self.command})
            with LOCK:
                for event in batch:
                    if event["type"] == "platform.runtimeDone":
                        DONE[event["record"]["requestId"]] = event["record"]["status"]
                LOCK.notify_all()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_PUT = do_POST

        def log_message(self, format: str, *args) -> None:
            pass

    server = ThreadingHTTPServer((os.environ.get("TELEMETRY_EXT_LISTEN", "sandbox.localdomain"), 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def subscribe(ext_id: str, port: int, types: list, host: str = "sandbox.localdomain") -> tuple:
    destination = {"protocol": "HTTP", "URI": f"http://{host}:{port}/", "method": "POST", "encoding": "JSON"}
    buffering = json.loads(os.environ.get("TELEMETRY_EXT_BUFFERING",
                                          '{"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25}'))
    version = os.environ.get("TELEMETRY_EXT_VERSION", "2021-03-18" if LOGS_API else "2022-12-13")
    body = json.dumps({"schemaVersion": version, "destination": destination, "types": types,
                       "buffering": buffering}).encode()
    path = "/2020-08-15/logs" if LOGS_API else "/2022-07-01/telemetry"
    status, _, answer = call("PUT", path, body, {"Content-Type": "application/json",
                                                 "Lambda-Extension-Identifier": ext_id})
    note({"subscribe": status, "answer": answer.decode(), "types": types})
    return status, answer


def wait_for_runtime_done(request_id: str) -> str:
    """As the collector's listener.Wait: until platform.runtimeDone of this request has come."""
    with LOCK:
        seen = LOCK.wait_for(lambda: request_id in DONE, 120)
        return DONE[request_id] if seen else "never came"


def main() -> None:
    _, headers, _ = call("POST", "/2020-01-01/extension/register", json.dumps(
        {"events": ["INVOKE", "SHUTDOWN"]}).encode(), {"Lambda-Extension-Name": NAME,
                                                       "Lambda-Extension-Accept-Feature": "accountId"})
    ext_id = {k.lower(): v for k, v in headers.items()}["lambda-extension-identifier"]
    types = os.environ.get("TELEMETRY_EXT_TYPES", "platform").split(",")
    go_on = bool(os.environ.get("TELEMETRY_EXT_GO_ON"))
    if subscribe(ext_id, listener(1), types)[0] != 200 and not go_on:
        sys.exit(1)  # the collector: logger.Fatal("Cannot register Telemetry API client")
    if os.environ.get("TELEMETRY_EXT_SECOND") and subscribe(
            ext_id, listener(2), ["platform", "function", "extension"], "sandbox")[0] != 200 and not go_on:
        sys.exit(1)
    if os.environ.get("TELEMETRY_EXT_METADATA"):
        request = urllib.request.Request(
            f"http://{os.environ['AWS_LAMBDA_METADATA_API']}/2026-01-15/metadata/execution-environment",
            headers={"Authorization": "Bearer " + os.environ["AWS_LAMBDA_METADATA_TOKEN"]})
        with urllib.request.urlopen(request, timeout=10) as reply:
            note({"metadata": reply.status, "answer": reply.read().decode()})
    late = bool(os.environ.get("TELEMETRY_EXT_LATE"))
    while True:
        _, _, body = call("GET", "/2020-01-01/extension/event/next", None, {"Lambda-Extension-Identifier": ext_id})
        event = json.loads(body)
        if event["eventType"] == "SHUTDOWN":
            note({"shutdown": event["shutdownReason"]})
            return
        request_id = event["requestId"]
        if os.environ.get("TELEMETRY_EXT_WAIT", "runtimeDone") == "runtimeDone":
            note({"invoke": request_id, "runtime_done": wait_for_runtime_done(request_id)})
        else:
            note({"invoke": request_id})
        if late:
            late = False
            subscribe(ext_id, listener(3), types)


if __name__ == "__main__":
    main()
