"""The Telemetry API and the Logs API as an extension sees them: routes, versions, bounds, answers. Pure.

Sources (stated in docs/facts.md T1-T3 and T6):
- https://docs.aws.amazon.com/lambda/latest/dg/telemetry-api-reference.html (subscribe request, answers)
- https://docs.aws.amazon.com/lambda/latest/dg/telemetry-api.html (buffering, destinations)
- https://docs.aws.amazon.com/lambda/latest/dg/runtimes-logs-api.html (the Logs API)
"""

from __future__ import annotations

import json
from typing import Optional

TELEMETRY = "telemetry"
LOGS = "logs"

TELEMETRY_PATH = "/2022-07-01/telemetry"
LOGS_PATH = "/2020-08-15/logs"
# AWS's reference page writes the endpoint with a trailing slash ("append ... telemetry/"),
# its examples without: both are served.
_ROUTES = {TELEMETRY_PATH: TELEMETRY, TELEMETRY_PATH + "/": TELEMETRY, LOGS_PATH: LOGS, LOGS_PATH + "/": LOGS}

# Telemetry API schema versions, oldest first. "Lambda Managed Instances require 2025-01-29"
# (telemetry-api-reference.html).
V2022_07_01, V2022_12_13, V2025_01_29 = "2022-07-01", "2022-12-13", "2025-01-29"
TELEMETRY_VERSIONS = (V2022_07_01, V2022_12_13, V2025_01_29)
MANAGED_VERSION = V2025_01_29
# Logs API: "Default value: 2020-08-15. Set to 2021-03-18 for the extension to receive
# platform.runtimeDone messages." (runtimes-logs-api.html)
V2020_08_15, V2021_03_18 = "2020-08-15", "2021-03-18"
LOGS_VERSIONS = (V2020_08_15, V2021_03_18)

PLATFORM, FUNCTION, EXTENSION = "platform", "function", "extension"
TYPES = (PLATFORM, FUNCTION, EXTENSION)

# Buffering bounds, (minimum, maximum), both APIs (reference page; Logs API page).
MAX_ITEMS_BOUNDS = (1_000, 10_000)
MAX_BYTES_BOUNDS = (262_144, 1_048_576)
TIMEOUT_MS_BOUNDS = (25, 30_000)
# Defaults. maxItems is 1,000 on the reference page but 10,000 on the concept page, on the Logs
# API page and in AWS's own RIE (managed-instances telemetry, subscription_api.go:
# "MaxItems: 10000, MaxBytes: 256 * 1024, Timeout: 1 * time.Second"): we take 10,000, the value
# of three sources out of four. With either, timeoutMs (1 s) ends almost every batch.
DEFAULT_MAX_ITEMS = 10_000
DEFAULT_MAX_BYTES = 262_144
DEFAULT_TIMEOUT_MS = 1_000

# Destination hosts: the docs name sandbox.localdomain; a shipped extension
# (@serverless/aws-lambda-otel-extension) subscribes with http://sandbox:4243 on Lambda, and the
# RIE's managed-instances engine accepts both (internal/client.go). Both are this environment.
SANDBOX_HOSTS = ("sandbox.localdomain", "sandbox")
SANDBOX_ADDRESS = "127.0.0.1"

# An answer of the API: status, headers, body (the shape of the server's other APIs).
Answer = tuple[int, list[tuple[str, str]], bytes]
_JSON = ("Content-Type", "application/json")


def api_of(path: str) -> Optional[str]:
    """TELEMETRY or LOGS for a subscription path, None for any other path."""
    return _ROUTES.get(path)


def api_title(api: str) -> str:
    return "Telemetry API" if api == TELEMETRY else "Logs API"


def subscribed() -> Answer:
    # Reference page: 'HTTP/1.1 200 OK  "OK"', a JSON string (4 bytes). The RIE's managed-instances
    # engine labels it text/plain; the body is JSON, so we say application/json.
    return 200, [_JSON], b'"OK"'


def validation_error(api: str, messages: list[str]) -> Answer:
    """400 for a bad subscription body. Reference page, verbatim example:
    {"errorType": "ValidationError", "errorMessage": "URI port is not provided; types should not be empty"}
    (errorType first, problems joined by "; "). Logs API page: errorType "Logs.ValidationError"."""
    error_type = "ValidationError" if api == TELEMETRY else "Logs.ValidationError"
    body = {"errorType": error_type, "errorMessage": "; ".join(messages)}
    return 400, [_JSON], json.dumps(body, separators=(",", ":")).encode()


def subscription_closed(api: str) -> Answer:
    """403 after init. Real Lambda, quoted in open-telemetry/opentelemetry-lambda PR 1452:
    {"errorMessage":"Telemetry API subscription is closed already","errorType":"Telemetry.SubscriptionClosed"}.
    The Logs API's is the same pattern (an RIE-family test, not a Lambda log: unconfirmed)."""
    prefix = "Telemetry" if api == TELEMETRY else "Logs"
    body = {"errorMessage": f"{api_title(api)} subscription is closed already",
            "errorType": f"{prefix}.SubscriptionClosed"}
    return 403, [_JSON], json.dumps(body, separators=(",", ":")).encode()


def logs_api_absent() -> Answer:
    """The Logs API under managed instances: "Lambda Managed Instances do not support the Logs API"
    (telemetry-api.html), answer unconfirmed. AWS's managed-instances RIE does not mount the route
    (rapi/server.go), so Go's router answers its 404; we answer the same bytes."""
    return 404, [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")], \
        b"404 page not found\n"


def method_not_allowed() -> Answer:
    # The RIE routes PUT only (chi's 405 has an empty body).
    return 405, [("Allow", "PUT")], b""
