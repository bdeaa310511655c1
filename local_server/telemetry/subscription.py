"""A subscription request's body, read and checked: a Subscription, or the problems Lambda names. Pure.

The body (telemetry-api-reference.html; runtimes-logs-api.html):
  {"schemaVersion": "2022-12-13",
   "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:8080/path"},   or
                  {"protocol": "TCP", "port": 8081},
   "types": ["platform", "function", "extension"],
   "buffering": {"maxItems": 10000, "maxBytes": 262144, "timeoutMs": 1000}}
Keys we do not know are ignored: the OpenTelemetry collector sends "method": "POST" and
"encoding": "JSON" in its destination (collector/internal/telemetryapi/client.go).

Problems are reported together, joined by "; ", in the words of the reference page's one
example ("URI port is not provided; types should not be empty"). Every other message is ours:
Lambda's texts for them are unconfirmed (docs/facts.md T2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional, Union
from urllib.parse import urlsplit

from .protocol import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ITEMS,
    DEFAULT_TIMEOUT_MS,
    LOGS_VERSIONS,
    MAX_BYTES_BOUNDS,
    MAX_ITEMS_BOUNDS,
    SANDBOX_HOSTS,
    TELEMETRY,
    TELEMETRY_VERSIONS,
    TIMEOUT_MS_BOUNDS,
    TYPES,
    V2020_08_15,
)

HTTP, TCP = "HTTP", "TCP"
# "You can choose to receive logs through PUT or POST" (the Logs API page, 2023 source); the
# Telemetry API delivers "through POST requests". We honour "method" on both; POST by default.
METHODS = ("POST", "PUT")


@dataclass(frozen=True)
class Buffering:
    max_items: int = DEFAULT_MAX_ITEMS
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_ms: int = DEFAULT_TIMEOUT_MS


@dataclass(frozen=True)
class Destination:
    protocol: str  # HTTP or TCP
    port: int
    host: str = SANDBOX_HOSTS[0]  # as the extension wrote it (for the Host header)
    path: str = "/"  # HTTP only: "http://sandbox.localdomain:${PORT}/${PATH}. The $PATH parameter is optional."
    method: str = "POST"  # HTTP only

    @property
    def key(self) -> tuple[str, int, str]:
        """What makes two destinations the same one."""
        return self.protocol, self.port, self.path if self.protocol == HTTP else ""


@dataclass(frozen=True)
class Subscription:
    api: str  # TELEMETRY or LOGS
    schema_version: str
    types: frozenset[str]
    destination: Destination
    buffering: Buffering

    @property
    def ordered_types(self) -> list[str]:
        """The types in Lambda's order (for the platform.telemetrySubscription record)."""
        return [kind for kind in TYPES if kind in self.types]


def parse(api: str, body: bytes) -> Union[Subscription, list[str]]:
    """The subscription `body` asks for, or the list of what is wrong with it."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        return [f"request body is not valid JSON: {error}"]
    if not isinstance(request, dict):
        return ["request body must be a JSON object"]
    problems: list[str] = []
    version = _schema_version(api, request.get("schemaVersion"), problems)
    destination = _destination(request.get("destination"), problems)
    types = _types(request.get("types"), problems)
    buffering = _buffering(request.get("buffering"), problems)
    if problems or version is None or destination is None or types is None or buffering is None:
        return problems
    return Subscription(api, version, types, destination, buffering)


def _schema_version(api: str, value: object, problems: list[str]) -> Optional[str]:
    versions = TELEMETRY_VERSIONS if api == TELEMETRY else LOGS_VERSIONS
    if value is None:
        if api == TELEMETRY:  # required here; "Required: no" on the Logs API
            problems.append("schemaVersion is not provided")
            return None
        return V2020_08_15
    if value not in versions:
        problems.append(f"schemaVersion must be one of {', '.join(versions)}")
        return None
    return str(value)


def _destination(value: object, problems: list[str]) -> Optional[Destination]:
    if value is None:
        problems.append("destination is not provided")
        return None
    if not isinstance(value, dict):
        problems.append("destination must be an object")
        return None
    protocol = value.get("protocol")
    if protocol == HTTP:
        return _http_destination(value, problems)
    if protocol == TCP:
        # The docs show only URI; the RIE's subscription schema (the only machine-readable one,
        # schema/telemetry-subscription-schema.json) requires {"protocol": "TCP", "port": 1..65535}.
        port = _integer(value.get("port"))
        if port is None or not 1 <= port <= 65535:
            problems.append("port must be an integer from 1 to 65535 for a TCP destination")
            return None
        return Destination(TCP, port)
    problems.append("destination protocol must be HTTP or TCP")
    return None


def _http_destination(value: dict[str, object], problems: list[str]) -> Optional[Destination]:
    uri = value.get("URI")
    if not isinstance(uri, str) or not uri:
        problems.append("URI is not provided")
        return None
    before = len(problems)
    method = value.get("method") or "POST"  # absent, null or "" (Go's zero value): POST
    if method not in METHODS:
        problems.append("method must be POST or PUT")
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        problems.append("URI port is not valid")
        return None
    if parts.scheme != "http":
        problems.append("URI scheme must be http")  # "Lambda supports only HTTP, not HTTPS."
    host = (parts.hostname or "").lower()
    if host not in SANDBOX_HOSTS:
        # "Lambda sends telemetry only to destinations that are inside the execution environment."
        problems.append("URI host must be sandbox.localdomain")  # the RIE's words (internal/client.go)
    if port is None:
        problems.append("URI port is not provided")  # the reference page's words
    elif port == 0:
        problems.append("URI port is not valid")
    if len(problems) > before or port is None:
        return None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Destination(HTTP, port, host=parts.netloc.rpartition("@")[2], path=path, method=str(method))


def _types(value: object, problems: list[str]) -> Optional[frozenset[str]]:
    if value is None or value == []:
        problems.append("types should not be empty")  # the reference page's words
        return None
    if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
        problems.append("types must be a list of strings")
        return None
    unknown = [kind for kind in value if kind not in TYPES]
    if unknown:
        problems.append(f"types must be platform, function or extension, not {', '.join(unknown)}")
        return None
    return frozenset(value)


def _buffering(value: object, problems: list[str]) -> Optional[Buffering]:
    if value is None:
        return Buffering()
    if not isinstance(value, dict):
        problems.append("buffering must be an object")
        return None
    chosen: dict[str, int] = {}
    for key, (low, high), default in (("maxItems", MAX_ITEMS_BOUNDS, DEFAULT_MAX_ITEMS),
                                      ("maxBytes", MAX_BYTES_BOUNDS, DEFAULT_MAX_BYTES),
                                      ("timeoutMs", TIMEOUT_MS_BOUNDS, DEFAULT_TIMEOUT_MS)):
        number = _integer(value.get(key))
        if value.get(key) is None:
            chosen[key] = default
        elif number is not None and low <= number <= high:
            chosen[key] = number
        else:
            problems.append(f"buffering.{key} must be an integer from {low} to {high}")
    if len(chosen) < 3:
        return None
    return Buffering(chosen["maxItems"], chosen["maxBytes"], chosen["timeoutMs"])


def _integer(value: object) -> Optional[int]:
    """`value` as an integer, if it is one. JSON has one number type: 1000.0 is the integer 1000
    to a JSON schema ("type": "integer"), as in the RIE's subscription schema."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
