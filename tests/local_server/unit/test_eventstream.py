"""Event-stream messages, read back by botocore's own decoder (it checks both CRCs)."""

import json

from botocore.eventstream import EventStreamBuffer

from local_server.wire.eventstream import encode_message, invoke_complete, payload_chunk


def _decode(data: bytes) -> list:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return [(message.headers, message.payload) for message in buffer]


def test_payload_chunk_is_what_botocore_reads():
    assert _decode(payload_chunk(b"\x00binary\xff")) == [(
        {":event-type": "PayloadChunk", ":content-type": "application/octet-stream", ":message-type": "event"},
        b"\x00binary\xff")]


def test_invoke_complete_members():
    assert _decode(invoke_complete()) == [(
        {":event-type": "InvokeComplete", ":content-type": "application/json", ":message-type": "event"}, b"{}")]
    payload = _decode(invoke_complete("Sandbox.Timedout", '{"errorType":"x"}', "bG9n"))[0][1]
    assert json.loads(payload) == {"ErrorCode": "Sandbox.Timedout", "ErrorDetails": '{"errorType":"x"}',
                                   "LogResult": "bG9n"}


def test_framing_byte_for_byte():
    # 27 bytes = 12 of prelude (with its CRC) + 8 of header + 3 of payload + 4 of message CRC;
    # the header: name length 1, "a", type 7 (string), value length 3, "b\xc3\xa9".
    message = encode_message([("a", "bé")], b"xyz")
    assert len(message) == 27
    assert message[:8] == b"\x00\x00\x00\x1b\x00\x00\x00\x08"
    assert message[12:20] == b"\x01a\x07\x00\x03b\xc3\xa9"
    assert message[20:23] == b"xyz"
    assert _decode(message) == [({"a": "bé"}, b"xyz")]  # botocore checks both CRCs


def test_several_messages_in_one_stream():
    stream = payload_chunk(b"one") + payload_chunk(b"") + payload_chunk(b"two" * 10000) + invoke_complete()
    assert [payload for _, payload in _decode(stream)] == [b"one", b"", b"two" * 10000, b"{}"]
