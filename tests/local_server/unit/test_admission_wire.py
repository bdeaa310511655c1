"""The pure pieces of admission and tenants: the settings, the answers, the tenant id on the wire."""

import json

import pytest

from local_server.config import Config, ConfigError
from local_server.wire import invoke_api, lambda_errors, runtime_api
from local_server.wire.platform_log import SUCCESS, Platform

REQUIRED = ("The invoked function is enabled with tenancy configuration. Add a valid tenant ID in your request and "
            "try again.")
NOT_ENABLED = ("The invoked function is not enabled with tenancy configuration. Remove the tenant ID from your "
               "request and try again.")
API_ERROR = "application/json"


def test_the_switches_by_option_and_by_environment():
    config = Config.from_args([], {})
    assert (config.reserved_concurrency, config.tenant_isolation, config.max_environments) == (None, False, 4)
    config = Config.from_args(["--reserved-concurrency", "0", "--tenant-isolation-mode", "PER_TENANT"], {})
    assert (config.reserved_concurrency, config.tenant_isolation) == (0, True)
    config = Config.from_args([], {"LAMBDA_LOCAL_RESERVED_CONCURRENCY": "2",
                                   "LAMBDA_LOCAL_TENANT_ISOLATION_MODE": "PER_TENANT"})
    assert (config.reserved_concurrency, config.tenant_isolation) == (2, True)


@pytest.mark.parametrize("argv,environ,message", [
    (["--reserved-concurrency", "-1"], {}, "--reserved-concurrency must be 0 or more, got -1"),
    (["--reserved-concurrency", "two"], {}, "--reserved-concurrency must be a number, got 'two'"),
    (["--tenant-isolation-mode", "per_tenant"], {}, "--tenant-isolation-mode must be PER_TENANT, not 'per_tenant'"),
    ([], {"LAMBDA_LOCAL_TENANT_ISOLATION_MODE": "SHARED"}, "--tenant-isolation-mode must be PER_TENANT, not 'SHARED'"),
    (["--tenant-isolation-mode", "PER_TENANT", "--prewarm", "2"], {},
     "--prewarm does not go with --tenant-isolation-mode: an environment belongs to the tenant of its first request"),
])
def test_switches_that_cannot_work(argv, environ, message):
    with pytest.raises(ConfigError) as raised:
        Config.from_args(argv, environ)
    assert str(raised.value) == message


def test_the_two_throttles():
    assert lambda_errors.too_many_requests(lambda_errors.RESERVED_LIMIT) == (429, [
        ("X-Amzn-ErrorType", "TooManyRequestsException"), ("Content-Type", API_ERROR)],
        b'{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}')
    assert lambda_errors.too_many_requests(lambda_errors.CONCURRENCY_LIMIT)[2] == (
        b'{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}')


def test_tenant_ids_by_the_functions_configuration():
    assert invoke_api.tenant("blue", True) == ("blue", None)
    assert invoke_api.tenant(None, False) == (None, None)
    assert invoke_api.tenant("", False) == (None, None)
    for header in (None, ""):
        assert invoke_api.tenant(header, True) == (None, (400, [
            ("X-Amzn-ErrorType", "InvalidParameterValueException"), ("Content-Type", API_ERROR)],
            json.dumps({"Type": "User", "message": REQUIRED}, separators=(",", ":")).encode()))
    assert invoke_api.tenant("blue", False)[1][2] == json.dumps(
        {"Type": "User", "message": NOT_ENABLED}, separators=(",", ":")).encode()
    # Checked before the configuration: a malformed id is refused as malformed either way.
    for isolated in (True, False):
        status, headers, body = invoke_api.tenant("a\tb", isolated)[1]
        assert (status, headers[0], json.loads(body)) == (400, ("X-Amzn-ErrorType", "ValidationException"), {
            "message": "1 validation error detected: Value 'a\tb' at 'tenantId' failed to satisfy constraint: "
                       "Member must satisfy regular expression pattern: [a-zA-Z0-9\\._:\\/=+\\-@ ]+"})
    assert invoke_api.tenant("x" * 256, True) == ("x" * 256, None)


def test_the_tenant_id_in_the_next_reply_and_the_platform_records():
    reply = runtime_api.next_reply("r1", 1700000000000, b"arn:f", None, None, b"{}", tenant_id="blue")
    assert reply == (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: r1\r\n"
                     b"Lambda-Runtime-Deadline-Ms: 1700000000000\r\nLambda-Runtime-Invoked-Function-Arn: arn:f\r\n"
                     b"Lambda-Runtime-Aws-Tenant-Id: blue\r\nContent-Length: 2\r\n\r\n{}")
    assert b"Tenant" not in runtime_api.next_reply("r1", 1, b"arn:f", None, None, b"{}")
    platform = Platform("JSON", "fn", "$LATEST", 128)
    start = json.loads(platform.start("r1", 0.0, "blue"))["record"]
    done = json.loads(platform.end("r1", 0.0, 1.0, SUCCESS, None, 2, "blue"))["record"]
    report = json.loads(platform.report("r1", 0.0, 1.0, None, 1024, SUCCESS, None, tenant_id="blue"))["record"]
    assert (start, done["tenantId"], report["tenantId"]) == ({"requestId": "r1", "version": "$LATEST",
                                                               "tenantId": "blue"}, "blue", "blue")
    assert "tenantId" not in json.loads(platform.start("r1", 0.0))["record"]
    assert Platform("Text", "fn", "$LATEST", 128).start("r1", 0.0, "blue") == b"START RequestId: r1 Version: $LATEST\n"
