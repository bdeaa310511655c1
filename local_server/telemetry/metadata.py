"""The Lambda metadata endpoint of one execution environment: its variables and its answers. Pure.

https://docs.aws.amazon.com/lambda/latest/dg/configuration-metadata-endpoint.html:
`GET http://${AWS_LAMBDA_METADATA_API}/2026-01-15/metadata/execution-environment` with
`Authorization: Bearer ${AWS_LAMBDA_METADATA_TOKEN}` answers 200, application/json,
`Cache-Control: private, max-age=43200, immutable`, `{"AvailabilityZoneID": "use1-az1"}`;
401 when "the Authorization header is missing or contains an invalid token", 405 when the
"request method is not GET". The bodies of the errors are not documented; these are those of
AWS's RIE (aws-lambda-runtime-interface-emulator internal/lmds/handler.go, which Powertools 3.37's
get_lambda_metadata() reads): Go's http.Error, "Unauthorized\\n" as text/plain with nosniff, the
method checked first, the token compared after the exact prefix "Bearer ". As the RIE does, the
endpoint shares the Runtime API's address, and the token is a fresh UUID per environment.
"""

from __future__ import annotations

import json
import uuid

from .protocol import Answer

METADATA_PREFIX = "/2026-01-15/metadata/"
METADATA_PATH = METADATA_PREFIX + "execution-environment"
API_VARIABLE, TOKEN_VARIABLE = "AWS_LAMBDA_METADATA_API", "AWS_LAMBDA_METADATA_TOKEN"
DEFAULT_ZONE_ID = "use1-az1"  # the documentation's example (us-east-1; the RIE's too)
MAX_AGE = 43_200  # seconds: "max-age=43200"
_TEXT = [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")]


def new_token() -> str:
    return str(uuid.uuid4())


def _go_error(status: int, text: str) -> Answer:
    return status, list(_TEXT), (text + "\n").encode()


class MetadataEndpoint:
    def __init__(self, address: str, token: str, zone_id: str = DEFAULT_ZONE_ID) -> None:
        self.address = address  # host:port of the environment's Runtime API
        self.token = token
        self.body = json.dumps({"AvailabilityZoneID": zone_id}, separators=(",", ":")).encode()

    def environ(self) -> dict[str, str]:
        """The two variables every process of the environment gets (runtime and extensions)."""
        return {API_VARIABLE: self.address, TOKEN_VARIABLE: self.token}

    @staticmethod
    def handles(path: str) -> bool:
        """True for the paths this endpoint answers (the Runtime API's router asks first)."""
        return path.startswith(METADATA_PREFIX)

    def handle(self, method: str, path: str, headers: dict[str, str]) -> Answer:
        """The answer to one request; `headers` are keyed in lower case, `path` has no query."""
        if path != METADATA_PATH:
            return _go_error(404, "404 page not found")
        if method != "GET":
            return _go_error(405, "Method Not Allowed")
        import hmac  # here, not at the top: hashlib's OpenSSL is a megabyte of every server's memory

        authorization = headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or not hmac.compare_digest(
                authorization[len("Bearer "):].encode(), self.token.encode()):
            return _go_error(401, "Unauthorized")
        return 200, [("Content-Type", "application/json"),
                     ("Cache-Control", f"private, max-age={MAX_AGE}, immutable")], self.body
