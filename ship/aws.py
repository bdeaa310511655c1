"""boto3 sessions from the standard AWS configuration, and AWS errors as one clear line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import botocore.exceptions

from .errors import ShipError

# Error codes that mean "these credentials are not (or no longer) good".
_REJECTED = {"ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException", "InvalidClientTokenId",
             "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", "RequestExpired"}


def session(region: str | None = None, profile: str | None = None) -> boto3.session.Session:
    """A session from the standard chain (env, profile, SSO, instance role); region required."""
    try:
        sess = boto3.session.Session(region_name=region or None, profile_name=profile or None)
    except botocore.exceptions.ProfileNotFound:
        raise ShipError(f"AWS profile '{profile}' is not configured: run 'aws configure --profile {profile}'"
                        " or leave PROFILE= empty") from None
    if not sess.region_name:
        raise ShipError("no AWS region: set REGION=, AWS_REGION, or a region in your AWS profile")
    return sess


@contextmanager
def aws_errors(doing: str, denied: str | None = None) -> Iterator[None]:
    """Turns botocore's exceptions raised while `doing` into a ShipError with advice;
    `denied`, when given, is the whole message for an access denial."""
    try:
        yield
    except botocore.exceptions.NoCredentialsError:
        raise ShipError(f"no AWS credentials found while {doing}: run 'aws configure' (or 'aws sso login'),"
                        " or set AWS_PROFILE / AWS_ACCESS_KEY_ID") from None
    except botocore.exceptions.ParamValidationError as exc:
        raise ShipError(f"invalid value while {doing}: {_one_line(str(exc))}") from None
    except botocore.exceptions.EndpointConnectionError as exc:
        raise ShipError(f"cannot reach AWS while {doing}: {exc}") from None
    except botocore.exceptions.ClientError as exc:
        code, message = _code_and_message(exc.response)
        if code in _REJECTED:
            raise ShipError(f"AWS rejected the credentials while {doing} ({code}: {message}): they are"
                            " expired or wrong; refresh them ('aws sso login', new keys) and retry") from None
        if code in ("AccessDenied", "AccessDeniedException"):
            if denied:
                raise ShipError(denied) from None
            raise ShipError(f"not allowed while {doing} ({code}): {message}") from None
        raise ShipError(f"AWS refused while {doing} ({code}): {message}") from None


def _code_and_message(response: dict[str, Any]) -> tuple[str, str]:
    """The error code and message, also from an XML error body botocore could not parse
    (then its "code" is just the HTTP status)."""
    error = response.get("Error", {})
    code, message = str(error.get("Code") or ""), str(error.get("Message") or "")
    if not code or code.isdigit():
        found_code = re.search(r"<Code>([^<]+)</Code>", message)
        found_message = re.search(r"<Message>([^<]*)</Message>", message)
        if found_code:
            code = found_code.group(1)
            message = found_message.group(1) if found_message else ""
    return code or "Unknown", _one_line(message)


def _one_line(text: str) -> str:
    return " ".join(text.split())
