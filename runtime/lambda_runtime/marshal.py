"""Events in, results out: JSON as awslambdaric writes it, on the standard library.

awslambdaric encodes with simplejson (its defaults, plus exact Decimals and NaN). The
C-accelerated `json` module writes the same text for plain data (", " and ": "
separators, NaN allowed, ASCII escaping by execution environment), so that is the fast
path. What simplejson writes differently goes through `_simplejson_form` first:
namedtuples (and anything with `_asdict()`) become objects, `bytes` values and keys are
decoded as UTF-8, Decimals are written exactly, and the error messages are simplejson's.
"""

from __future__ import annotations

import json
import sys

from .errors import FaultError

MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"

# Containers deeper than this are left to the C encoder (its own limit is the recursion limit).
_MAX_SCAN_DEPTH = 500
_SCALARS = frozenset((str, int, float, bool, type(None)))
_PLAIN_CONTAINERS = frozenset((dict, list, tuple))


def decode_event(body: bytes, content_type: str | None) -> object:
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
                                        default=_needs_simplejson_rules).encode
        self._ensure_ascii = ensure_ascii

    def encode(self, obj: object) -> str:
        if type(obj) not in _SCALARS and _has_asdict(obj, 0):
            return self._encode_like_simplejson(obj)
        try:
            return self._encode(obj)
        except (_NeedsSimplejsonRules, TypeError):
            # bytes, Decimal, `_asdict()` objects, or keys json refuses: simplejson's rules
            # decide (and word the error when the result cannot be written).
            return self._encode_like_simplejson(obj)

    def result(self, obj: object) -> tuple[bytes, str]:
        """The response body and its content type: bytes go out raw, as awslambdaric does."""
        if isinstance(obj, bytes):
            return obj, "application/unknown"
        try:
            return self.encode(obj).encode("utf-8"), "application/json"
        except Exception as exc:
            raise FaultError(MARSHAL_ERROR, f"Unable to marshal response: {exc}") from None

    def _encode_like_simplejson(self, obj: object) -> str:
        import os

        exact = {"": os.urandom(8).hex()}  # the placeholders' nonce: no user string matches them
        plain = _simplejson_form(obj, exact, set())
        del exact[""]
        text = json.JSONEncoder(ensure_ascii=self._ensure_ascii, allow_nan=True).encode(plain)
        # Each Decimal became a unique placeholder string; put its exact text back (the
        # json module cannot emit raw text itself).
        for token, value in exact.items():
            text = text.replace(f'"{token}"', value, 1)
        return text


class _NeedsSimplejsonRules(Exception):
    pass


def _needs_simplejson_rules(value: object) -> object:
    raise _NeedsSimplejsonRules


def _has_asdict(obj: object, depth: int) -> bool:
    """Does `obj` hold a list, tuple or dict with an `_asdict()` method (a namedtuple, say)?

    The C encoder writes those as arrays or by their items without asking: they are the
    one case the fast path cannot detect from an exception.
    """
    if not isinstance(obj, (list, tuple, dict)):
        return False  # other objects reach the encoder's default hook
    if type(obj) not in _PLAIN_CONTAINERS and callable(getattr(obj, "_asdict", None)):
        return True
    if depth > _MAX_SCAN_DEPTH:
        return False  # a cycle, most likely: the encoder reports it
    for value in (obj.values() if isinstance(obj, dict) else obj):
        if type(value) not in _SCALARS and _has_asdict(value, depth + 1):
            return True
    return False


def _simplejson_form(obj: object, exact: dict[str, str], path: set[int]) -> object:
    """`obj` as plain JSON data, following simplejson's order of checks.

    Decimals become placeholder strings recorded in `exact`; `path` holds the ids of the
    containers being converted, to report a cycle as simplejson does.
    """
    if isinstance(obj, str):
        return obj
    if isinstance(obj, bytes):
        return obj.decode("utf-8")
    if obj is None or isinstance(obj, (int, float)):
        return obj
    marker = id(obj)
    if marker in path:
        raise ValueError("Circular reference detected")
    path.add(marker)
    try:
        asdict = getattr(obj, "_asdict", None)
        if callable(asdict):
            obj = asdict()
            if not isinstance(obj, dict):
                raise TypeError(f"_asdict() must return a dict, not {type(obj).__name__}")
        elif isinstance(obj, (list, tuple)):
            return [_simplejson_form(item, exact, path) for item in obj]
        if isinstance(obj, dict):
            return {_simplejson_key(key): _simplejson_form(value, exact, path) for key, value in obj.items()}
    finally:
        path.discard(marker)
    decimal = sys.modules.get("decimal")  # a Decimal can only exist once `decimal` is imported
    if decimal is not None and isinstance(obj, decimal.Decimal):
        token = f"{exact['']}:{len(exact)}"
        exact[token] = "NaN" if obj.is_nan() else str(obj)
        return token
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _simplejson_key(key: object) -> object:
    # int, float, bool and None keys are written by the json module as simplejson writes them.
    if isinstance(key, (str, int, float)) or key is None:
        return key
    if isinstance(key, bytes):
        return key.decode("utf-8")
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
