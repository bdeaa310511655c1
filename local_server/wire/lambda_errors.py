"""What Lambda answers when things go wrong: status, headers and body, as pure functions.

Sources are cited per answer as entries of docs/facts.md ("docs/facts.md I2"), each stated
with its public source (AWS documentation, botocore's model, AWS's RIE source, real answers).
"""

from __future__ import annotations

import json
import signal

from lambda_runtime_api import (
    MAX_BUFFERED_RESPONSE,
    RESPONSE_SIZE_TOO_LARGE,
    RUNTIME_EXIT,
    SANDBOX_TIMEDOUT,
)

# Invoke's payload limit: "Request must be smaller than 6291456 bytes for the InvokeFunction
# operation" (real Lambda errors quoted in docs/facts.md I5; service-2.json: "6 MB for synchronous").
MAX_REQUEST = 6_291_456
# A response's limits, buffered and streamed, are the Runtime API's (lambda_runtime_api).


# An answer to a caller: status, headers, body.
Answer = tuple[int, list[tuple[str, str]], bytes]


def _json(value: dict[str, str]) -> bytes:
    # Lambda's (Go) encoder: no spaces.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def api_error(status: int, error_type: str, body: dict[str, str]) -> Answer:
    """An Invoke API error as botocore reads one: the type in X-Amzn-ErrorType (docs/facts.md I6)."""
    return status, [("X-Amzn-ErrorType", error_type), ("Content-Type", "application/json")], _json(body)


# TooManyRequestsException's reasons (botocore lambda service-2.json, ThrottleReason: docs/facts.md Q3).
RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"  # the function's reserved concurrency
CONCURRENCY_LIMIT = "ConcurrentInvocationLimitExceeded"  # the account's: here, the server's environments


def too_many_requests(reason: str = RESERVED_LIMIT) -> Answer:
    # 429 and its body as real throttled Invokes show them (docs/facts.md I4), with either reason.
    return api_error(429, "TooManyRequestsException", {"Reason": reason, "Type": "User", "message": "Rate Exceeded."})


# Tenant isolation (docs/facts.md Q2). A missing tenant id: Lambda's text, quoted by the AWS Compute
# Blog; 400 InvalidParameterValueException {Type, message} as botocore's shape has it ("User":
# unconfirmed for this exception).
TENANT_REQUIRED = ("The invoked function is enabled with tenancy configuration. "
                   "Add a valid tenant ID in your request and try again.")
# A tenant id for a function without tenant isolation: Lambda answers InvalidParameterValueException
# (AWS "Troubleshooting tenant isolation": "... or invoking a non-tenant-isolated function with a
# tenant ID"), but its exact text is published nowhere we found (searched 2026-12). This is SAM CLI's
# (samcli/commands/local/lib/local_lambda.py), the mirror of Lambda's text above (docs/facts.md Q5).
TENANT_NOT_ENABLED = ("The invoked function is not enabled with tenancy configuration. "
                      "Remove the tenant ID from your request and try again.")


def invalid_parameter(message: str) -> Answer:
    return api_error(400, "InvalidParameterValueException", {"Type": "User", "message": message})


def invalid_tenant_id(value: str, constraint: str) -> Answer:
    # A TenantId outside botocore's shape (1-256 characters of [a-zA-Z0-9._:/=+\-@ ]): AWS's request
    # validation answers 400 ValidationException in this form (Lambda's own for this member: unconfirmed).
    return api_error(400, "ValidationException", {
        "message": f"1 validation error detected: Value '{value}' at 'tenantId' failed to satisfy "
                   f"constraint: {constraint}"})


def request_too_large(size: int) -> Answer:
    # Real Lambda names the code RequestEntityTooLargeException (docs/facts.md I5, three reports).
    return api_error(413, "RequestEntityTooLargeException", {
        "Type": "User",
        "message": f"Request must be smaller than {MAX_REQUEST} bytes for the InvokeFunction operation"})


def unknown_operation(method: str, path: str) -> Answer:
    return api_error(404, "UnknownOperationException", {
        "Type": "User",
        "message": f"No Lambda API operation at {method} {path}. This server answers POST "
                   "/2015-03-31/functions/{name}/invocations and POST "
                   "/2021-11-15/functions/{name}/response-streaming-invocations, and the durable execution "
                   "API under /2025-12-01/; any other path is a function URL request."})


def method_not_allowed(method: str, path: str) -> Answer:
    status, headers, body = api_error(405, "MethodNotAllowedException", {
        "Type": "User", "message": f"{method} {path}: Invoke takes POST"})
    return status, [*headers, ("Allow", "POST")], body


def invalid_client_context(reason: str) -> Answer:
    return api_error(400, "InvalidRequestContentException", {
        "Type": "User", "message": f"X-Amz-Client-Context must be base64-encoded JSON: {reason}"})


def invalid_request(message: str) -> Answer:
    return api_error(400, "InvalidRequestContentException", {"Type": "User", "message": message})


def function_error(error_type: str, message: str, request_id: str | None) -> bytes:
    """A platform-made function error body, as Lambda formats one: the request id in the message.

    RIE interop/model.go GetErrorResponseWithFormattedErrorMessage: "RequestId: %s Error: %v";
    fields errorType then errorMessage (its FunctionError struct), as real answers show (docs/facts.md I2, I3).
    """
    text = f"RequestId: {request_id} Error: {message}" if request_id else f"Error: {message}"
    return _json({"errorType": error_type, "errorMessage": text})


# The error types of invocations the platform ends are the Runtime API's (lambda_runtime_api):
# Sandbox.Timedout (RIE rapid/model/customer_error.go), Runtime.ExitError (RIE
# fatalerror/fatalerror.go), Function.ResponseSizeTooLarge (RIE interop/model.go).
RESPONSE_TOO_LARGE = RESPONSE_SIZE_TOO_LARGE


def timed_out(request_id: str, seconds: float) -> bytes:
    # "Task timed out after %.2f seconds" (AWS's RIE); a real answer in 2026 (docs/facts.md I2):
    # {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ... Error: Task timed out after 3.00 seconds"}
    return function_error(SANDBOX_TIMEDOUT, f"Task timed out after {seconds:.2f} seconds", request_id)


INVALID_ENTRYPOINT = "Runtime.InvalidEntrypoint"  # a runtime that cannot be started


def invalid_entrypoint(command: list[str], reason: str) -> bytes:
    """A bootstrap that is missing or not executable: Lambda's Runtime.InvalidEntrypoint."""
    return _json({"errorType": INVALID_ENTRYPOINT, "errorMessage": f"cannot start {' '.join(command)}: {reason}"})


def exit_reason(returncode: int) -> str:
    """Go's ProcessState text, as Lambda reports it: "exit status 1", "signal: killed"."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.strsignal(-returncode)  # "Killed", "Segmentation fault": Go's names, capitalised
    except ValueError:
        name = None
    return f"signal: {name.lower()}" if name else f"signal: {-returncode}"


def runtime_exited(request_id: str | None, returncode: int) -> bytes:
    # RIE rapid/handlers.go: "Runtime exited without providing a reason" on status 0, else
    # "Runtime exited with error: exit status 129" (real answers: docs/facts.md I3).
    if returncode == 0:
        return function_error(RUNTIME_EXIT, "Runtime exited without providing a reason", request_id)
    return function_error(RUNTIME_EXIT, f"Runtime exited with error: {exit_reason(returncode)}", request_id)


def response_too_large(size: int, limit: int = MAX_BUFFERED_RESPONSE) -> bytes:
    # RIE lambda-managed-instances/interop/model.go ErrorResponseTooLarge.
    return _json({"errorType": RESPONSE_TOO_LARGE,
                  "errorMessage": f"Response payload size ({size} bytes) exceeded maximum allowed payload "
                                  f"size ({limit} bytes)."})


def error_type_of(body: bytes, default: str = "Unhandled") -> str:
    """The errorType of an error body, for reports; `default` when it has none."""
    try:
        value = json.loads(body)
    except ValueError:
        return default
    error_type = value.get("errorType") if isinstance(value, dict) else None
    return error_type if isinstance(error_type, str) else default
