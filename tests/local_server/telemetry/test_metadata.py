"""The metadata endpoint: the right, a wrong and a missing token, exactly as AWS's RIE answers."""

import uuid

from local_server.telemetry.metadata import METADATA_PATH, MetadataEndpoint, new_token

TOKEN = "5b4d1ec4-9b0e-4d4c-9a57-2f4c9e8a11aa"
ENDPOINT = MetadataEndpoint("127.0.0.1:9001", TOKEN)
UNAUTHORIZED = (401, [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")],
                b"Unauthorized\n")


def test_the_right_token_gets_the_zone():
    assert ENDPOINT.handle("GET", METADATA_PATH, {"authorization": f"Bearer {TOKEN}"}) == (
        200, [("Content-Type", "application/json"), ("Cache-Control", "private, max-age=43200, immutable")],
        b'{"AvailabilityZoneID":"use1-az1"}')
    assert METADATA_PATH == "/2026-01-15/metadata/execution-environment"
    other = MetadataEndpoint("127.0.0.1:1", TOKEN, zone_id="euw1-az3")
    assert other.handle("GET", METADATA_PATH, {"authorization": f"Bearer {TOKEN}"})[2] == (
        b'{"AvailabilityZoneID":"euw1-az3"}')


def test_a_wrong_or_missing_token_is_refused():
    for headers in ({"authorization": "Bearer 00000000-0000-4000-8000-000000000000"}, {},
                    {"authorization": TOKEN}, {"authorization": f"bearer {TOKEN}"},
                    {"authorization": f"Bearer {TOKEN} "}, {"authorization": "Bearer "}):
        assert ENDPOINT.handle("GET", METADATA_PATH, headers) == UNAUTHORIZED, headers


def test_other_methods_and_paths():
    assert ENDPOINT.handle("POST", METADATA_PATH, {"authorization": f"Bearer {TOKEN}"}) == (
        405, UNAUTHORIZED[1], b"Method Not Allowed\n")
    assert ENDPOINT.handle("GET", "/2026-01-15/metadata/other", {"authorization": f"Bearer {TOKEN}"}) == (
        404, UNAUTHORIZED[1], b"404 page not found\n")
    assert [MetadataEndpoint.handles(path) for path in (METADATA_PATH, "/2026-01-15/metadata/x",
                                                        "/2018-06-01/runtime/invocation/next")] == [True, True, False]


def test_the_variables_of_the_environment():
    assert ENDPOINT.environ() == {"AWS_LAMBDA_METADATA_API": "127.0.0.1:9001", "AWS_LAMBDA_METADATA_TOKEN": TOKEN}
    token = new_token()
    assert str(uuid.UUID(token)) == token and uuid.UUID(token).version == 4 and token != new_token()
