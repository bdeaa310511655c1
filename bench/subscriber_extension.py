"""The benchmark's external extension: a log shipper as telemetry vendors write them. It registers,
listens on 127.0.0.1, subscribes to the Telemetry API for platform and function records in 25 ms
batches (the OpenTelemetry collector's buffering), and counts what it receives; it registers for
BENCH_EXTENSION_EVENTS (default SHUTDOWN: so the figure is what telemetry costs the server, not
the extension's own round trip at each INVOKE). Standard library only; bench/subscribed.py
installs it in an extensions folder with the benchmark's interpreter."""

import http.client
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST, _, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")


class Listener(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = 0

    def do_POST(self) -> None:
        Listener.received += len(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    api = http.client.HTTPConnection(HOST, int(PORT))
    events = os.environ.get("BENCH_EXTENSION_EVENTS", "SHUTDOWN").split(",")
    api.request("POST", "/2020-01-01/extension/register", json.dumps({"events": events}),
                {"Lambda-Extension-Name": "subscriber"})
    reply = api.getresponse()
    reply.read()
    ext_id = reply.getheader("Lambda-Extension-Identifier") or ""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    body = {"schemaVersion": "2022-12-13", "types": ["platform", "function"], "buffering": {"timeoutMs": 25},
            "destination": {"protocol": "HTTP", "URI": f"http://sandbox.localdomain:{server.server_address[1]}/"}}
    api.request("PUT", "/2022-07-01/telemetry", json.dumps(body), {"Lambda-Extension-Identifier": ext_id})
    reply = api.getresponse()
    if reply.status != 200:
        raise SystemExit(f"subscriber: the Telemetry API answered {reply.status} {reply.read()!r}")
    reply.read()
    while True:
        api.request("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": ext_id})
        if json.loads(api.getresponse().read())["eventType"] == "SHUTDOWN":
            return


if __name__ == "__main__":
    main()
