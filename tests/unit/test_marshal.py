"""Events in and results out, as awslambdaric writes them."""

import decimal
import math

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
