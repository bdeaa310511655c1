"""Powertools' Logger and Tracer follow the trace id of a request to the local server
(`X-Amzn-Trace-Id`), as on Lambda; the RIE in the image drops that header."""

from __future__ import annotations

import json
import socket

from kit.polling import wait_until
from kit.server_harness import call

TRACE_ROOT = "1-6743a1b2-0123456789abcdef01234567"
TRACE_HEADER = f"Root={TRACE_ROOT};Parent=53995c3f42cd8ad8;Sampled=1"


def test_logger_and_tracer_correlate_with_the_requests_trace_id(serve, xray_sdk_folder):
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # stands in for the X-Ray daemon
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(20)
    try:
        server = serve("powertools_cases.http_handler", env={
            "POWERTOOLS_SERVICE_NAME": "payment", "POWERTOOLS_METRICS_NAMESPACE": "Shop",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}"})
        # A plain HTTP request: a function URL event, which APIGatewayHttpResolver routes.
        reply = call(server.port, "GET", "/hello/ada", headers={"X-Amzn-Trace-Id": TRACE_HEADER})
        assert (reply.status, json.loads(reply.body)) == (200, {"message": "hello ada", "path": "/hello/ada"})
        greeting = wait_until(lambda: next((json.loads(line) for line in server.console.stdout.decode().splitlines()
                                             if '"greeting"' in line), None), what="Logger's record")
        assert (greeting["who"], greeting["xray_trace_id"]) == ("ada", TRACE_ROOT)
        header, _, document = daemon.recv(65536).decode().partition("\n")
        assert json.loads(header) == {"format": "json", "version": 1}
        assert json.loads(document)["trace_id"] == TRACE_ROOT
    finally:
        daemon.close()
