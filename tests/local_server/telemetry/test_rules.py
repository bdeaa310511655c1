"""Who may subscribe, when: every rule, in its order, with the exact answer."""

import json

from local_server.telemetry.protocol import LOGS, TELEMETRY
from local_server.telemetry.rules import ALREADY_SUBSCRIBED, SUBSCRIBED, Decision, Existing, decide
from local_server.telemetry.subscription import parse

JSON = [("Content-Type", "application/json")]
OK = (200, JSON, b'"OK"')


def body(port=8080, version="2022-12-13", **more):
    return json.dumps({"schemaVersion": version, "types": ["platform"],
                       "destination": {"protocol": "HTTP", "URI": f"http://sandbox.localdomain:{port}"}, **more}
                      ).encode()


def made(api, name, port=8080, version="2022-12-13"):
    return Existing(name, parse(api, body(port, version)))


def test_a_first_subscription_is_accepted():
    decision = decide(TELEMETRY, body(), "ext", init_over=False, managed=False, existing=[])
    assert decision == Decision(OK, parse(TELEMETRY, body()), SUBSCRIBED)


def test_after_init_subscriptions_are_closed_as_on_lambda():
    # Real Lambda (opentelemetry-lambda PR 1452), errorMessage first.
    assert decide(TELEMETRY, body(), "ext", init_over=True, managed=False, existing=[]) == Decision((403, JSON,
        b'{"errorMessage":"Telemetry API subscription is closed already","errorType":"Telemetry.SubscriptionClosed"}'))
    assert decide(LOGS, body(version="2021-03-18"), "ext", init_over=True, managed=False, existing=[]) == Decision((
        403, JSON, b'{"errorMessage":"Logs API subscription is closed already","errorType":"Logs.SubscriptionClosed"}'))
    # Closed is checked before the body: a bad body after init is still "closed".
    assert decide(TELEMETRY, b"{", "ext", init_over=True, managed=False, existing=[]).answer[0] == 403


def test_a_bad_body_gets_its_validation_error():
    assert decide(TELEMETRY, body(types=[]), "ext", init_over=False, managed=False, existing=[]) == Decision((
        400, JSON, b'{"errorType":"ValidationError","errorMessage":"types should not be empty"}'))


def test_managed_instances_take_2025_01_29_only():
    for version in ("2022-07-01", "2022-12-13"):
        assert decide(TELEMETRY, body(version=version), "ext", init_over=False, managed=True, existing=[]) == Decision(
            (400, JSON, b'{"errorType":"ValidationError","errorMessage":"schemaVersion ' + version.encode()
             + b' is not supported with Lambda Managed Instances; use 2025-01-29"}'))
    accepted = decide(TELEMETRY, body(version="2025-01-29"), "ext", init_over=False, managed=True, existing=[])
    assert (accepted.answer, accepted.state) == (OK, SUBSCRIBED)


def test_managed_instances_have_no_logs_api():
    # Before anything else, even after init: the route is not there (AWS's managed-instances RIE).
    for init_over in (False, True):
        assert decide(LOGS, body(version="2021-03-18"), "ext", init_over, managed=True, existing=[]) == Decision((
            404, [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")],
            b"404 page not found\n"))


def test_one_extension_uses_one_of_the_two_apis():
    assert decide(LOGS, body(9000, "2021-03-18"), "ext", False, False, [made(TELEMETRY, "ext")]) == Decision((
        400, JSON, b'{"errorType":"Logs.ValidationError","errorMessage":"the extension is subscribed to the '
                   b'Telemetry API already; an extension subscribes to one of the Telemetry API and the Logs API"}'))
    assert decide(TELEMETRY, body(9000), "ext", False, False, [made(LOGS, "ext", version="2021-03-18")]).answer[2] == (
        b'{"errorType":"ValidationError","errorMessage":"the extension is subscribed to the Logs API already; '
        b'an extension subscribes to one of the Telemetry API and the Logs API"}')
    # Another extension may use the other API.
    assert decide(LOGS, body(9000, "2021-03-18"), "other", False, False, [made(TELEMETRY, "ext")]).state == SUBSCRIBED


def test_a_second_subscription_of_an_extension():
    existing = [made(TELEMETRY, "ext", 8080)]
    # To another destination: a second subscription (the OpenTelemetry collector's receiver does this).
    again = decide(TELEMETRY, body(8081), "ext", False, False, existing)
    assert (again.answer, again.state, again.subscription.destination.port) == (OK, SUBSCRIBED, 8081)
    # To the same one: nothing new, and the record says so ("Already subscribed", a real capture).
    same = decide(TELEMETRY, body(8080, version="2022-07-01"), "ext", False, False, existing)
    assert (same.answer, same.state) == (OK, ALREADY_SUBSCRIBED)
    # The same port by TCP is another destination.
    tcp = body(types=["function"])
    tcp = json.dumps(dict(json.loads(tcp), destination={"protocol": "TCP", "port": 8080})).encode()
    assert decide(TELEMETRY, tcp, "ext", False, False, existing).state == SUBSCRIBED
