"""Events in, results out: JSON as awslambdaric writes it, on the standard library.

awslambdaric uses simplejson; its output is matched here (", " and ": " separators,
Decimal written exactly, NaN allowed, ASCII escaping by execution environment) with
the C-accelerated `json` module.
"""

from __future__ import annotations

import json
import sys

from .errors import FaultError

MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"


def decode_event(body: bytes, content_type: str | None):
    """The event the handler gets: parsed JSON for a JSON content type, else the raw bytes."""
    if content_type != "application/json" and (
            content_type is None or content_type.split(";", 1)[0].strip().lower() != "application/json"):
        return body
    try:
        return json.loads(body)
    except Exception as exc:  # ValueError, UnicodeDecodeError, RecursionError
        raise FaultError(UNMARSHAL_ERROR, f"Unable to unmarshal input: {exc}") from None


class Encoder:
    """Encodes handler results (and error bodies) to JSON text."""

    def __init__(self, ensure_ascii: bool) -> None:
        self._encode = json.JSONEncoder(ensure_ascii=ensure_ascii, allow_nan=True,
                                        default=_reject).encode
        self._ensure_ascii = ensure_ascii

    def encode(self, obj) -> str:
        try:
            return self._encode(obj)
        except _HasDecimal:
            return self._encode_with_decimals(obj)

    def result(self, obj) -> tuple[bytes, str]:
        """The response body and its content type: bytes go out raw, as awslambdaric does."""
        if isinstance(obj, bytes):
            return obj, "application/unknown"
        try:
            return self.encode(obj).encode("utf-8"), "application/json"
        except Exception as exc:
            raise FaultError(MARSHAL_ERROR, f"Unable to marshal response: {exc}") from None

    def _encode_with_decimals(self, obj) -> str:
        # The slow path, taken only when a Decimal is present: each Decimal is
        # encoded as a unique placeholder string, then the placeholder is replaced
        # by the Decimal's exact text (the json module cannot emit raw text itself).
        import decimal
        import os

        nonce = os.urandom(8).hex()
        exact: dict = {}

        def default(value):
            if isinstance(value, decimal.Decimal):
                token = f"{nonce}:{len(exact)}"
                exact[f'"{token}"'] = "NaN" if value.is_nan() else str(value)
                return token
            return _reject(value)

        text = json.JSONEncoder(ensure_ascii=self._ensure_ascii, allow_nan=True,
                                default=default).encode(obj)
        for token, value in exact.items():
            text = text.replace(token, value, 1)
        return text


class _HasDecimal(Exception):
    pass


def _reject(value):
    # A Decimal can only exist once `decimal` is imported: no import cost otherwise.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        raise _HasDecimal
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
