"""The Extensions API (2020-01-01) as the server speaks it: refusals, registrations, events. Pure functions.

Rules and error bodies follow AWS's "Extensions API" page and the RIE's rapi handlers: up
to 10 extensions, events INVOKE and SHUTDOWN, and internal extensions (those that are not
an executable in the extensions folder) may not subscribe to SHUTDOWN.
"""

from __future__ import annotations

import json

MAX_EXTENSIONS = 10  # "Up to 10 extensions"
EVENT_TYPES = ("INVOKE", "SHUTDOWN")
JSON = ("Content-Type", "application/json")
ACCEPTED = b'{"status":"OK"}'

# An answer of the API: status, headers, body.
Answer = tuple[int, list[tuple[str, str]], bytes]


def error(status: int, error_type: str, message: str) -> Answer:
    # The RIE's ErrorResponse: errorMessage, then errorType.
    return status, [JSON], json.dumps({"errorMessage": message, "errorType": error_type}).encode()


def requested_events(body: bytes, internal: bool) -> tuple[list[str], Answer | None]:
    """(the events a register call asks for, None) or ([], a refusal)."""
    try:
        request = json.loads(body) if body.strip() else {}
        events = request.get("events") or []  # Go's runtime sends {"events":null}
    except (ValueError, AttributeError):
        return [], error(403, "InvalidRequestFormat", 'the body must be a JSON object like {"events": []}')
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        return [], error(403, "InvalidRequestFormat", "events must be a list of event names")
    for event in events:
        if event not in EVENT_TYPES:
            return [], error(403, "Extension.InvalidEventType", f"{event}: unknown event type")
    if internal and "SHUTDOWN" in events:
        return [], error(403, "Extension.InvalidEventType", "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension")
    return events, None


def invoke_event(request_id: str, deadline_ms: int, function_arn: str, trace_id: str | None) -> bytes:
    return json.dumps({
        "eventType": "INVOKE", "deadlineMs": deadline_ms, "requestId": request_id,
        "invokedFunctionArn": function_arn,
        "tracing": {"type": "X-Amzn-Trace-Id", "value": trace_id} if trace_id else {}}).encode()


def shutdown_event(reason: str, deadline_ms: int) -> bytes:
    return json.dumps({"eventType": "SHUTDOWN", "shutdownReason": reason, "deadlineMs": deadline_ms}).encode()
