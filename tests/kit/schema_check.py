"""The record schemas written from AWS's pages (schemas/*.json: why they are not AWS's files is in each)."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from kit.paths import LOCAL_SERVER_TESTS

HERE = LOCAL_SERVER_TESTS / "telemetry" / "schemas"
TELEMETRY = Draft202012Validator(json.loads((HERE / "telemetry-api-events.schema.json").read_text()))
LOGS = Draft202012Validator(json.loads((HERE / "logs-api-events.schema.json").read_text()))
for _validator in (TELEMETRY, LOGS):
    Draft202012Validator.check_schema(_validator.schema)


def problems(validator: Draft202012Validator, batch: list) -> list[str]:
    """Every way `batch` breaks the schema, one line each ([] when it passes)."""
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in sorted(validator.iter_errors(batch), key=lambda e: list(map(str, e.absolute_path)))]
