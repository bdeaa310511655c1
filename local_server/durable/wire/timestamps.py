"""Timestamps on the wire.

- JSON bodies: the model declares no `timestampFormat`, so rest-json's default applies: epoch
  seconds as a number (botocore `RestJSONParser`, `_parse_timestamp_with_tzinfo` reads both a
  number and an ISO-8601 string; docs/facts.md D2).
- Query strings: botocore serializes a timestamp member there as ISO-8601
  (`StartedAfter=2023-11-14T22:13:20Z`; botocore `serialize.py` `_default_timestamp_serializer`
  for the querystring location).
- The handler's event: Unix milliseconds (the SDK's `TimestampConverter.from_unix_millis`, docs/facts.md D6).
"""

from __future__ import annotations

import datetime
from typing import Optional

from .errors import invalid


def to_seconds(value: Optional[float]) -> Optional[float]:
    # Millisecond precision is what Lambda keeps (ISO-8601 `.sTZD` in the model's docs).
    return None if value is None else round(value, 3)


def to_millis(value: Optional[float]) -> Optional[int]:
    return None if value is None else round(value * 1000)


def parse_query_timestamp(name: str, text: str) -> float:
    """An ISO-8601 (or epoch seconds) query value as epoch seconds."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"Invalid {name}: {text!r} is not an ISO-8601 timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()
