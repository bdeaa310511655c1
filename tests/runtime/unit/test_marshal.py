"""Events in and results out, as awslambdaric writes them."""

import decimal
import math
from collections import namedtuple

import pytest
from lambda_runtime.errors import FaultError
from lambda_runtime.marshal import Encoder, decode_event


def test_json_events_are_decoded():
    assert decode_event(b'{"a": [1, 2.5, null]}', "application/json") == {"a": [1, 2.5, None]}


def test_json_with_parameters_is_json():
    assert decode_event(b"[1]", "application/json; charset=utf-8") == [1]


@pytest.mark.parametrize("content_type", [None, "application/octet-stream", "text/plain"])
def test_other_events_are_raw_bytes(content_type):
    assert decode_event(b"\x00\xffraw", content_type) == b"\x00\xffraw"


@pytest.mark.parametrize("body", [b"{bad", b"\xff\xfe{", b""])
def test_invalid_json_is_an_unmarshal_error(body):
    with pytest.raises(FaultError) as err:
        decode_event(body, "application/json")
    assert err.value.error_type == "Runtime.UnmarshalError"
    assert err.value.message.startswith("Unable to unmarshal input: ")


def test_results_use_awslambdaric_separators_and_null():
    enc = Encoder(ensure_ascii=True)
    assert enc.result({"a": None, "b": (1, 2)}) == (b'{"a": null, "b": [1, 2]}', "application/json")
    assert enc.result(None) == (b"null", "application/json")


def test_bytes_go_out_raw():
    assert Encoder(True).result(b"\x89PNG") == (b"\x89PNG", "application/unknown")


def test_decimals_are_written_exactly():
    enc = Encoder(True)
    value = {"price": decimal.Decimal("0.1000000000000000000001"), "n": [decimal.Decimal("-3E+5")]}
    assert enc.encode(value) == '{"price": 0.1000000000000000000001, "n": [-3E+5]}'
    assert enc.encode(decimal.Decimal("NaN")) == "NaN"


def test_a_string_like_the_placeholder_is_left_alone():
    # The placeholder of the Decimal path is random per call, so user strings never match it.
    enc = Encoder(True)
    assert enc.encode(["0:0", decimal.Decimal(1)]) == '["0:0", 1]'


def test_nan_and_infinity_are_allowed_like_awslambdaric():
    assert Encoder(True).encode([math.nan, math.inf]) == "[NaN, Infinity]"


def test_ensure_ascii_follows_the_execution_environment():
    assert Encoder(True).encode("é") == '"\\u00e9"'
    assert Encoder(False).encode("é") == '"é"'


def test_unserialisable_results_are_marshal_errors():
    with pytest.raises(FaultError) as err:
        Encoder(True).result({"s": {1}})
    assert err.value.error_type == "Runtime.MarshalError"
    assert err.value.message == "Unable to marshal response: Object of type set is not JSON serializable"


# simplejson's defaults, which awslambdaric relies on (each also compared with awslambdaric
# itself in tests/runtime/differential/).
Point = namedtuple("Point", "x y")


class Record:
    def _asdict(self):
        return {"point": Point(1, b"b")}


@pytest.mark.parametrize("result,text", [
    ({"body": b"hello"}, '{"body": "hello"}'),  # bytes inside a result: UTF-8 text
    ({b"k": [b"v"]}, '{"k": ["v"]}'),  # bytes keys too
    (Point(1, 2), '{"x": 1, "y": 2}'),  # a namedtuple is an object
    ([Point(decimal.Decimal("1.10"), (2, 3))], '[{"x": 1.10, "y": [2, 3]}]'),
    (Record(), '{"point": {"x": 1, "y": "b"}}'),  # anything with _asdict()
    ({1.5: 0, True: 1, None: 2, 7: 3}, '{"1.5": 0, "true": 1, "null": 2, "7": 3}'),
    ((1, [2]), "[1, [2]]"),
])
def test_simplejson_rules(result, text):
    assert Encoder(True).encode(result) == text


@pytest.mark.parametrize("result,message", [
    ({decimal.Decimal(1): 0}, "keys must be str, int, float, bool or None, not Decimal"),
    ({(1,): 0}, "keys must be str, int, float, bool or None, not tuple"),
    ({"b": b"\xff"}, "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    ([Point(1, {2})], "Object of type set is not JSON serializable"),
])
def test_simplejson_error_messages(result, message):
    with pytest.raises(FaultError) as err:
        Encoder(True).result(result)
    assert err.value.message == f"Unable to marshal response: {message}"


def test_a_cycle_is_reported_on_both_paths():
    loop: list = []
    loop.append(loop)
    for value in (loop, [Point(1, 2), loop]):
        with pytest.raises(FaultError) as err:
            Encoder(True).result(value)
        assert err.value.message == "Unable to marshal response: Circular reference detected"
