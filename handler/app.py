"""The example function: one handler for S3 uploads, HTTP requests and a schedule.

Shows: set-up done once per process at module level, one route table for every kind of
event, an HTTP endpoint (POST /lucky, in lucky.py) beside the catch-all echo.
Run it:  make run-local, then in another terminal:
    curl localhost:9000/hello                                  # a function URL request
    curl -X POST localhost:9000/lucky -d '{"name": "ada"}'
    make invoke EVENT=demo-s3                                  # or any file in handler/events/

What it answers (statusCode, headers, body), for the demo's flat events
{"source": ..., "detail": ...} and for real AWS event shapes alike:
- an S3 upload ("aws:s3", or S3's Records)          -> 200 "queued thumbnail job for <key>"
- an HTTP request ("aws:apigateway" with "METHOD /path", or an API Gateway REST or HTTP
  API or function URL request)                       -> 200 "HTTP 200 -- echoed <METHOD> <path>",
  except POST /lucky                                 -> the lucky-numbers endpoint (lucky.py)
- a schedule tick ("aws:events", or EventBridge's Scheduled Event)
                                                     -> 204 "ran scheduled task at tick <tick>"
- anything else                                      -> 400 "unknown source: <source>"
"""

from __future__ import annotations

import logging
import os
from urllib.parse import unquote_plus

import lucky

# Module level: runs once per process (at init), then every warm invocation reuses it.
# This is where a real function creates its boto3 clients.
logger = logging.getLogger(__name__)
THUMBNAIL_QUEUE = os.environ.get("THUMBNAIL_QUEUE", "thumbnails")
TEXT = {"content-type": "text/plain; charset=utf-8"}

# HTTP routes: (method, path) -> handler(event, context). Everything else is echoed.
ROUTES = {("POST", "/lucky"): lucky.handler}


def handler(event, context):
    source, detail = _classify(event)
    if source in ("aws:s3", "aws:apigateway", "aws:events") and not detail:
        return _answer(400, f"{source} event without a detail")
    if source == "aws:s3":
        logger.info("queueing %d thumbnail job(s) on %s", len(detail), THUMBNAIL_QUEUE)
        return _answer(200, "; ".join(f"queued thumbnail job for {key}" for key in detail))
    if source == "aws:apigateway":
        method, _, path = detail.partition(" ")
        route = ROUTES.get((method.upper(), path))
        if route is not None:
            return route(event, context)
        return _answer(200, f"HTTP 200 -- echoed {method} {path}")
    if source == "aws:events":
        return _answer(204, f"ran scheduled task at tick {detail}")
    return _answer(400, f"unknown source: {source}")


def _classify(event) -> tuple:
    """(source, detail) of a demo event or of a real AWS event shape."""
    if not isinstance(event, dict):
        return type(event).__name__, None
    records = event.get("Records")
    first = records[0] if isinstance(records, list) and records and isinstance(records[0], dict) else {}
    if first.get("eventSource") == "aws:s3":
        # S3 URL-encodes object keys in events ("beach+day.jpg" is "beach day.jpg").
        return "aws:s3", [unquote_plus(r["s3"]["object"]["key"]) for r in records]
    if "httpMethod" in event:  # API Gateway REST API (payload format 1.0)
        return "aws:apigateway", f"{event['httpMethod']} {event['path']}"
    http = event.get("requestContext", {}).get("http") if event.get("version") == "2.0" else None
    if isinstance(http, dict):  # HTTP API or function URL (payload format 2.0)
        return "aws:apigateway", f"{http['method']} {event.get('rawPath', http.get('path'))}"
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        return "aws:events", event.get("time")
    source, detail = event.get("source") or first.get("eventSource"), event.get("detail")
    if not (isinstance(detail, str) and detail):
        detail = None  # a demo event's detail is a string: a key, "GET /hello", a tick
    return source, [detail] if source == "aws:s3" and detail else detail


def _answer(status: int, body: str) -> dict:
    return {"statusCode": status, "headers": TEXT, "body": body}
