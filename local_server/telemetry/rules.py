"""Who may subscribe, when, and what a repeated subscription does: one decision per request. Pure.

The rules, in the order they are checked:
1. The Logs API does not exist under managed instances ("Lambda Managed Instances do not
   support the Logs API", telemetry-api.html; answer as AWS's managed-instances RIE: 404).
2. Subscriptions close with init: "Subscribe to the Logs API during initialization. After the
   initialization phase completes, Lambda does not process subscription requests."
   (runtimes-logs-api.html); the Telemetry API's 403 is quoted from a real Lambda log
   (opentelemetry-lambda PR 1452).
3. The body must be valid (subscription.py).
4. Managed instances take schema version 2025-01-29 only ("Using previous schema versions will
   result in events being rejected by Lambda", telemetry-api.html; 400 as the RIE answers).
5. One extension uses one of the two APIs: "After subscribing using one of these APIs, any
   attempt to subscribe using the other API returns an error" (telemetry-api.html). Status and
   text are unconfirmed: we answer the API's own 400 ValidationError, the error every client
   already treats as "not subscribed", and name the other API.
6. The same extension subscribing again to the same destination changes nothing and is told
   "Already subscribed" (a real Lambda capture: platform.telemetrySubscription with
   "state":"Already subscribed" after a re-init; "Duplicate subscribe requests do not result in
   duplicate subscriptions", runtimes-logs-api.html). To another destination it is a second
   subscription: the OpenTelemetry collector's telemetryapi receiver subscribes a second time,
   with the same extension id, to a port of its own (receiver.go), and works on Lambda.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from .protocol import (
    LOGS,
    MANAGED_VERSION,
    Answer,
    api_title,
    logs_api_absent,
    subscribed,
    subscription_closed,
    validation_error,
)
from .subscription import Subscription, parse

SUBSCRIBED, ALREADY_SUBSCRIBED = "Subscribed", "Already subscribed"


@dataclass(frozen=True)
class Existing:
    """A subscription made so far in this environment."""

    extension_name: str  # unique in an environment (registration refuses a second one), and kept
    subscription: Subscription  # across a re-init, when the extension has a new id


@dataclass(frozen=True)
class Decision:
    answer: Answer  # what the extension is told
    subscription: Optional[Subscription] = None  # accepted: what it asked for
    state: Optional[str] = None  # accepted: SUBSCRIBED (a new subscription) or ALREADY_SUBSCRIBED


def decide(api: str, body: bytes, extension_name: str, init_over: bool, managed: bool,
           existing: Sequence[Existing]) -> Decision:
    """The answer to a subscription `body` on `api` by the extension named `extension_name`."""
    if managed and api == LOGS:
        return Decision(logs_api_absent())
    if init_over:
        return Decision(subscription_closed(api))
    parsed = parse(api, body)
    if isinstance(parsed, list):
        return Decision(validation_error(api, parsed))
    mine = [sub.subscription for sub in existing if sub.extension_name == extension_name]
    problem = _problem(parsed, managed, mine)
    if problem:
        return Decision(validation_error(api, [problem]))
    again = any(sub.destination.key == parsed.destination.key and sub.api == api for sub in mine)
    return Decision(subscribed(), parsed, ALREADY_SUBSCRIBED if again else SUBSCRIBED)


def _problem(wanted: Subscription, managed: bool, mine: list[Subscription]) -> Optional[str]:
    """Rules 4 and 5: what makes a valid body unacceptable here."""
    if managed and wanted.schema_version != MANAGED_VERSION:
        return (f"schemaVersion {wanted.schema_version} is not supported with Lambda Managed Instances; "
                f"use {MANAGED_VERSION}")
    other_api = [sub.api for sub in mine if sub.api != wanted.api]
    if other_api:
        return (f"the extension is subscribed to the {api_title(other_api[0])} already; "
                "an extension subscribes to one of the Telemetry API and the Logs API")
    return None
