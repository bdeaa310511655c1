"""The durable API's errors, and their answers as botocore parses them.

botocore 1.44.8 `RestJSONParser._inject_error_code` takes the code from the `x-amzn-ErrorType`
header, the message from the body's `message` or `Message`; without the header it would
report the HTTP status as the code, and the SDK's one retryable 4xx (`InvalidParameterValueException`
+ "Invalid checkpoint token", docs/facts.md D8) would never match. Status codes: the model's error
shapes (docs/facts.md D5).
"""

from __future__ import annotations

import json

Answer = tuple[int, list[tuple[str, str]], bytes]

# code -> (HTTP status, the member name the model gives its message: `message` or `Message`)
ERROR_SHAPES: dict[str, tuple[int, str]] = {
    "InvalidParameterValueException": (400, "message"),
    "InvalidRequestContentException": (400, "message"),
    "CallbackTimeoutException": (400, "Message"),
    "ResourceNotFoundException": (404, "Message"),
    "ResourceConflictException": (409, "message"),
    "DurableExecutionAlreadyStartedException": (409, "Message"),
    "RequestTooLargeException": (413, "message"),
    "UnsupportedMediaTypeException": (415, "message"),
    "TooManyRequestsException": (429, "message"),
    "ServiceException": (500, "Message"),
    # Not in the model: an HTTP route no operation of the model has (botocore never sends one).
    "UnknownOperationException": (404, "message"),
}

# The SDK retries a checkpoint on exactly this prefix (docs/facts.md D8): keep it verbatim.
INVALID_TOKEN = "Invalid checkpoint token"


class DurableError(Exception):
    """An error answer of the durable API: a model error code and its message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return ERROR_SHAPES[self.code][0]


def invalid(message: str) -> DurableError:
    return DurableError("InvalidParameterValueException", message)


def not_found(message: str) -> DurableError:
    return DurableError("ResourceNotFoundException", message)


def conflict(message: str) -> DurableError:
    return DurableError("ResourceConflictException", message)


def service_error(message: str) -> DurableError:
    return DurableError("ServiceException", message)


def invalid_token() -> DurableError:
    return invalid(f"{INVALID_TOKEN}: it was consumed by a later checkpoint, or its invocation has ended")


def execution_not_found(arn: str) -> DurableError:
    return not_found(f"Durable execution not found: {arn}")


def error_answer(error: DurableError) -> Answer:
    status, message_member = ERROR_SHAPES[error.code]
    # `Type` as the shapes declare it (User for sender faults, Service for the server's).
    body = {"Type": "Service" if status >= 500 else "User", message_member: error.message}
    return status, [("X-Amzn-ErrorType", error.code), ("Content-Type", "application/json")], dumps(body)


def dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
