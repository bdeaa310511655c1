"""The example function: one handler that answers real AWS event shapes by their source.

Shows: set-up done once per process at module level, routing on the event's shape.
Run it:  make run-local   then   make invoke EVENT=s3   (or apigw-v1, apigw-v2, schedule)

- S3 put (Records[].eventSource == "aws:s3")       -> 200 "queued thumbnail job for <key>"
- API Gateway proxy, REST (v1) or HTTP API (v2)   -> 200 "<METHOD> <path>" as a proxy response
- EventBridge scheduled event                     -> 204 "ran scheduled task at tick <time>"
- anything else                                   -> 400 "unknown source: <source>"
"""

from __future__ import annotations

import logging
import os
from urllib.parse import unquote_plus

# Module level: runs once per process (at init), then every warm invocation reuses it.
# This is where a real function creates its boto3 clients.
logger = logging.getLogger(__name__)
THUMBNAIL_QUEUE = os.environ.get("THUMBNAIL_QUEUE", "thumbnails")
TEXT = {"content-type": "text/plain; charset=utf-8"}


def handler(event, context):
    if not isinstance(event, dict):
        return _answer(400, f"unknown source: {type(event).__name__}")
    records = event.get("Records")
    first = records[0] if isinstance(records, list) and records and isinstance(records[0], dict) else {}
    if first.get("eventSource") == "aws:s3":
        return _s3_put(records)
    if "httpMethod" in event or (event.get("version") == "2.0" and "routeKey" in event):
        return _api_gateway(event)
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        return _answer(204, f"ran scheduled task at tick {event.get('time')}")
    return _answer(400, f"unknown source: {event.get('source') or first.get('eventSource')}")


def _s3_put(records: list) -> dict:
    # S3 URL-encodes object keys in events ("my+photo.jpg" is "my photo.jpg").
    keys = [unquote_plus(r["s3"]["object"]["key"]) for r in records]
    logger.info("queueing %d thumbnail job(s) on %s", len(keys), THUMBNAIL_QUEUE)
    return _answer(200, "; ".join(f"queued thumbnail job for {key}" for key in keys))


def _api_gateway(event: dict) -> dict:
    if "httpMethod" in event:  # REST API (payload format 1.0)
        method, path = event["httpMethod"], event["path"]
    else:  # HTTP API (payload format 2.0)
        method, path = event["requestContext"]["http"]["method"], event["rawPath"]
    return {"statusCode": 200, "headers": TEXT, "body": f"{method} {path}"}


def _answer(status: int, body: str) -> dict:
    return {"statusCode": status, "headers": TEXT, "body": body}
