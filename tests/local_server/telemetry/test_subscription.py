"""Subscription bodies, read and checked: every rule, with Lambda's words where they are known."""

import json

import pytest

from local_server.telemetry.protocol import LOGS, TELEMETRY, api_of, validation_error
from local_server.telemetry.subscription import HTTP, TCP, Buffering, Destination, Subscription, parse

URI = "http://sandbox.localdomain:8080"


def body(**fields):
    request = {"schemaVersion": "2022-12-13", "destination": {"protocol": "HTTP", "URI": URI},
               "types": ["platform", "function"]}
    request.update(fields)
    return json.dumps({k: v for k, v in request.items() if v is not ...}).encode()


def test_a_minimal_subscription_gets_the_defaults():
    assert parse(TELEMETRY, body()) == Subscription(
        TELEMETRY, "2022-12-13", frozenset({"platform", "function"}),
        Destination(HTTP, 8080, host="sandbox.localdomain:8080", path="/", method="POST"),
        Buffering(max_items=10_000, max_bytes=262_144, timeout_ms=1_000))


def test_what_the_opentelemetry_collector_sends_is_accepted():
    # collector/internal/telemetryapi/client.go: extra destination keys, a trailing slash, timeoutMs 25.
    sent = {"schemaVersion": "2022-12-13", "types": ["platform"],
            "buffering": {"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25},
            "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:41237/", "method": "POST",
                            "encoding": "JSON"}}
    parsed = parse(TELEMETRY, json.dumps(sent).encode())
    assert parsed.destination == Destination(HTTP, 41237, host="sandbox.localdomain:41237", path="/")
    assert parsed.buffering == Buffering(1000, 262144, 25)
    assert parsed.ordered_types == ["platform"]


def test_what_the_serverless_extension_sends_to_the_logs_api_is_accepted():
    # @serverless/aws-lambda-otel-extension 0.1.11: host "sandbox", no path.
    sent = {"destination": {"protocol": "HTTP", "URI": "http://sandbox:4243"}, "types": ["platform"],
            "buffering": {"timeoutMs": 25, "maxBytes": 262144, "maxItems": 1000}, "schemaVersion": "2021-03-18"}
    parsed = parse(LOGS, json.dumps(sent).encode())
    assert (parsed.api, parsed.schema_version, parsed.destination) == (
        LOGS, "2021-03-18", Destination(HTTP, 4243, host="sandbox:4243", path="/"))


def test_paths_queries_and_methods_are_kept():
    parsed = parse(LOGS, body(destination={"protocol": "HTTP", "URI": "http://SANDBOX.localdomain:9/a/b?c=1",
                                           "method": "PUT"}, schemaVersion=...))
    assert parsed.destination == Destination(HTTP, 9, host="SANDBOX.localdomain:9", path="/a/b?c=1", method="PUT")
    assert parsed.schema_version == "2020-08-15"  # the Logs API's default


def test_a_method_that_is_null_or_empty_is_post():
    for method in (None, ""):
        parsed = parse(TELEMETRY, body(destination={"protocol": "HTTP", "URI": URI, "method": method}))
        assert parsed.destination.method == "POST"


def test_a_tcp_destination_names_a_port():
    parsed = parse(TELEMETRY, body(destination={"protocol": "TCP", "port": 4244}))
    assert parsed.destination == Destination(TCP, 4244)
    assert parsed.destination.key == (TCP, 4244, "")


def test_lambdas_own_example_of_a_bad_subscription():
    # telemetry-api-reference.html: "URI port is not provided; types should not be empty"
    assert validation_error(TELEMETRY, parse(TELEMETRY, body(destination={"protocol": "HTTP", "URI": "http://sandbox.localdomain"},
                                                              types=[]))) == (
        400, [("Content-Type", "application/json")],
        b'{"errorType":"ValidationError","errorMessage":"URI port is not provided; types should not be empty"}')
    assert validation_error(LOGS, ["types should not be empty"])[2] == (
        b'{"errorType":"Logs.ValidationError","errorMessage":"types should not be empty"}')


@pytest.mark.parametrize("fields,problems", [
    ({"schemaVersion": ...}, ["schemaVersion is not provided"]),
    ({"schemaVersion": "2021-03-18"}, ["schemaVersion must be one of 2022-07-01, 2022-12-13, 2025-01-29"]),
    ({"destination": ...}, ["destination is not provided"]),
    ({"destination": "http://sandbox.localdomain:1"}, ["destination must be an object"]),
    ({"destination": {"protocol": "HTTPS", "URI": URI}}, ["destination protocol must be HTTP or TCP"]),
    ({"destination": {"protocol": "HTTP"}}, ["URI is not provided"]),
    ({"destination": {"protocol": "HTTP", "URI": "https://sandbox.localdomain:1"}}, ["URI scheme must be http"]),
    ({"destination": {"protocol": "HTTP", "URI": "http://localhost:1"}}, ["URI host must be sandbox.localdomain"]),
    ({"destination": {"protocol": "HTTP", "URI": "http://127.0.0.1:1"}}, ["URI host must be sandbox.localdomain"]),
    ({"destination": {"protocol": "HTTP", "URI": "http://sandbox:0"}}, ["URI port is not valid"]),
    ({"destination": {"protocol": "HTTP", "URI": "http://sandbox:99999"}}, ["URI port is not valid"]),
    ({"destination": {"protocol": "HTTP", "URI": URI, "method": "GET"}}, ["method must be POST or PUT"]),
    ({"destination": {"protocol": "TCP"}}, ["port must be an integer from 1 to 65535 for a TCP destination"]),
    ({"destination": {"protocol": "TCP", "port": 70000}},
     ["port must be an integer from 1 to 65535 for a TCP destination"]),
    ({"destination": {"protocol": "TCP", "port": True}},
     ["port must be an integer from 1 to 65535 for a TCP destination"]),
    ({"types": ...}, ["types should not be empty"]),
    ({"types": "platform"}, ["types must be a list of strings"]),
    ({"types": ["platform", "logs", "x"]}, ["types must be platform, function or extension, not logs, x"]),
    ({"buffering": []}, ["buffering must be an object"]),
    ({"buffering": {"maxItems": 999}}, ["buffering.maxItems must be an integer from 1000 to 10000"]),
    ({"buffering": {"maxItems": 10_001}}, ["buffering.maxItems must be an integer from 1000 to 10000"]),
    ({"buffering": {"maxBytes": 262_143}}, ["buffering.maxBytes must be an integer from 262144 to 1048576"]),
    ({"buffering": {"maxBytes": 1_048_577}}, ["buffering.maxBytes must be an integer from 262144 to 1048576"]),
    ({"buffering": {"timeoutMs": 24}}, ["buffering.timeoutMs must be an integer from 25 to 30000"]),
    ({"buffering": {"timeoutMs": 30_001}}, ["buffering.timeoutMs must be an integer from 25 to 30000"]),
    ({"buffering": {"timeoutMs": 100.5}}, ["buffering.timeoutMs must be an integer from 25 to 30000"]),
    ({"buffering": {"timeoutMs": "100"}}, ["buffering.timeoutMs must be an integer from 25 to 30000"]),
    ({"schemaVersion": ..., "types": [], "buffering": {"maxItems": 1, "timeoutMs": 1}},
     ["schemaVersion is not provided", "types should not be empty",
      "buffering.maxItems must be an integer from 1000 to 10000",
      "buffering.timeoutMs must be an integer from 25 to 30000"]),
])
def test_each_problem_is_named(fields, problems):
    assert parse(TELEMETRY, body(**fields)) == problems


def test_the_bounds_themselves_are_accepted():
    low = parse(TELEMETRY, body(buffering={"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25}))
    high = parse(TELEMETRY, body(buffering={"maxItems": 10000, "maxBytes": 1048576, "timeoutMs": 30000.0}))
    assert (low.buffering, high.buffering) == (Buffering(1000, 262144, 25), Buffering(10000, 1048576, 30000))
    assert parse(TELEMETRY, body(buffering=None)).buffering == Buffering()


def test_the_logs_api_has_its_own_versions():
    assert parse(LOGS, body(schemaVersion="2022-12-13")) == ["schemaVersion must be one of 2020-08-15, 2021-03-18"]
    for version in ("2022-07-01", "2022-12-13", "2025-01-29"):
        assert parse(TELEMETRY, body(schemaVersion=version)).schema_version == version


@pytest.mark.parametrize("raw,problem", [
    (b"", "request body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
    (b"{", "request body is not valid JSON: Expecting property name enclosed in double quotes: "
           "line 1 column 2 (char 1)"),
    (b"\xff", "request body is not valid JSON: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    (b"[]", "request body must be a JSON object"),
])
def test_a_body_that_is_not_a_json_object(raw, problem):
    assert parse(TELEMETRY, raw) == [problem]


def test_routes():
    assert [api_of(path) for path in ("/2022-07-01/telemetry", "/2022-07-01/telemetry/", "/2020-08-15/logs",
                                      "/2020-08-15/logs/", "/2022-07-01/logs", "/telemetry")] == [
        TELEMETRY, TELEMETRY, LOGS, LOGS, None, None]
