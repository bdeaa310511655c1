"""An HTTP API endpoint: lucky numbers for a name.

POST {"name": "ada", "count": 6}  ->  200 {"message": "Hi, 'ADA'. Your lucky numbers are:", "numbers": [...]}
`count` distinct numbers from 1 to 41, count clamped to 2..20; a malformed body is a 400
that says what a good one looks like.
Run it:  make run-local HANDLER=lucky.handler   then   make invoke EVENT=lucky
"""

from __future__ import annotations

import base64
import json
import random

LOWEST, HIGHEST = 1, 41
MIN_COUNT, MAX_COUNT = 2, 20
JSON = {"content-type": "application/json"}
EXAMPLE = '{"name": "Ada", "count": 6}'
_random = random.SystemRandom()  # set up once per process


class BadRequest(ValueError):
    pass


def handler(event, context):
    try:
        name, count = _parse(event)
    except BadRequest as problem:
        return _reply(400, {"message": f"{problem}. Send a JSON body like {EXAMPLE}"})
    numbers = sorted(_random.sample(range(LOWEST, HIGHEST + 1), count))
    return _reply(200, {"message": f"Hi, '{name.upper()}'. Your lucky numbers are:", "numbers": numbers})


def _parse(event) -> tuple[str, int]:
    body = event.get("body") if isinstance(event, dict) else None
    if body is None:
        raise BadRequest("the request has no body")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body).decode("utf-8")
        except ValueError:
            raise BadRequest("the body is not valid base64-encoded UTF-8") from None
    try:
        data = json.loads(body)
    except ValueError as error:
        raise BadRequest(f"the body is not JSON ({error})") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest('"name" must be a non-empty string')
    count = data.get("count", 6)
    if isinstance(count, bool) or not isinstance(count, int):
        raise BadRequest('"count" must be a whole number')
    return name.strip(), min(max(count, MIN_COUNT), MAX_COUNT)


def _reply(status: int, payload: dict) -> dict:
    return {"statusCode": status, "headers": JSON, "body": json.dumps(payload)}
