"""AWS event-stream framing, as InvokeWithResponseStream answers: pure functions.

A message (botocore eventstream.py; AWS "Event stream encoding", Lex V2 developer guide):
  total length u32 | headers length u32 | prelude CRC32 u32 | headers | payload | message CRC32 u32
big-endian; the prelude CRC covers the first 8 bytes, the message CRC everything before it.
A header is: name length u8 | name | value type u8 (7 = string) | value length u16 | value.
"""

from __future__ import annotations

import json
import struct
import zlib

_STRING = 7
_PRELUDE = struct.Struct("!II")
_CRC = struct.Struct("!I")


def _header(name: str, value: str) -> bytes:
    raw_name = name.encode("utf-8")
    raw_value = value.encode("utf-8")
    return struct.pack("!B", len(raw_name)) + raw_name + struct.pack("!BH", _STRING, len(raw_value)) + raw_value


def encode_message(headers: list[tuple[str, str]], payload: bytes) -> bytes:
    """One event-stream message with string headers [(name, value)] and a payload."""
    raw_headers = b"".join(_header(name, value) for name, value in headers)
    prelude = _PRELUDE.pack(12 + len(raw_headers) + len(payload) + 4, len(raw_headers))
    message = prelude + _CRC.pack(zlib.crc32(prelude)) + raw_headers + payload
    return message + _CRC.pack(zlib.crc32(message))


# The headers of the two events of InvokeWithResponseStreamResponseEvent (botocore's
# lambda service-2.json): botocore finds the member by `:event-type`.
_CHUNK_HEADERS = [(":event-type", "PayloadChunk"), (":content-type", "application/octet-stream"),
                  (":message-type", "event")]
_COMPLETE_HEADERS = [(":event-type", "InvokeComplete"), (":content-type", "application/json"),
                     (":message-type", "event")]
_CHUNK_HEADER_BYTES = b"".join(_header(name, value) for name, value in _CHUNK_HEADERS)


def payload_chunk(data: bytes) -> bytes:
    """A PayloadChunk event: the function's bytes, raw (its member `Payload` is the event payload)."""
    prelude = _PRELUDE.pack(12 + len(_CHUNK_HEADER_BYTES) + len(data) + 4, len(_CHUNK_HEADER_BYTES))
    message = prelude + _CRC.pack(zlib.crc32(prelude)) + _CHUNK_HEADER_BYTES + data
    return message + _CRC.pack(zlib.crc32(message))


def invoke_complete(error_code: str | None = None, error_details: str | None = None,
                    log_result: str | None = None) -> bytes:
    """The InvokeComplete event ending every stream: a JSON object of the members that are set."""
    members: dict[str, str] = {}
    if error_code is not None:
        members["ErrorCode"] = error_code
    if error_details is not None:
        members["ErrorDetails"] = error_details
    if log_result is not None:
        members["LogResult"] = log_result
    return encode_message(_COMPLETE_HEADERS, json.dumps(members, separators=(",", ":")).encode())
