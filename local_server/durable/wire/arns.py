"""Execution ARNs, function names and the identifier formats of the durable API.

The patterns are the model's shapes (botocore 1.44.8 service-2.json): `DurableExecutionArn`
`arn:<partition>:lambda:<region>:<account>:function:<name>:<$LATEST|$LATEST.PUBLISHED|version>
/durable-execution/<execution-name>/<execution-id>`, `DurableExecutionName` `[a-zA-Z0-9-_]+`
(1..64), `NamespacedFunctionName` (a name, a partial or a full ARN, with an optional qualifier).
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import uuid
from typing import Optional

from .errors import invalid

EXECUTION_ARN = re.compile(
    r"arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\d{12}):function:([a-zA-Z0-9_-]+):"
    r"(\$LATEST(?:\.PUBLISHED)?|[0-9]+)/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)")
EXECUTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
FUNCTION_NAME = re.compile(
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?"
    r"(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?")
# CheckpointToken and CallbackId: the base64 alphabet (model patterns `[A-Za-z0-9+/]+={0,2}`).
BASE64_ID = re.compile(r"[A-Za-z0-9+/]+={0,2}")


@dataclasses.dataclass(frozen=True)
class ExecutionArn:
    partition: str
    region: str
    account: str
    function_name: str
    version: str
    execution_name: str
    execution_id: str

    def __str__(self) -> str:
        return (f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:{self.function_name}:"
                f"{self.version}/durable-execution/{self.execution_name}/{self.execution_id}")


def parse_execution_arn(text: str) -> ExecutionArn:
    match = EXECUTION_ARN.fullmatch(text)
    if match is None or len(text) > 1024:
        raise invalid(f"Invalid DurableExecutionArn: {text!r} is not a durable execution ARN "
                      "(arn:aws:lambda:<region>:<account>:function:<name>:<version>/durable-execution/<name>/<id>)")
    return ExecutionArn(*match.groups())


def new_execution_id() -> str:
    # A uuid4 fits the id pattern [a-zA-Z0-9_-]+ and is what AWS's emulator uses.
    return str(uuid.uuid4())


def check_execution_name(name: str) -> str:
    if not EXECUTION_NAME.fullmatch(name):
        raise invalid(f"Invalid DurableExecutionName: {name!r} must be 1 to 64 of [a-zA-Z0-9-_]")
    return name


@dataclasses.dataclass(frozen=True)
class FunctionTarget:
    """A `NamespacedFunctionName` taken apart: the name and the qualifier, if any."""

    name: str
    qualifier: Optional[str]
    region: Optional[str]
    account: Optional[str]


def parse_function_name(text: str, qualifier: Optional[str] = None) -> FunctionTarget:
    match = FUNCTION_NAME.fullmatch(text)
    if match is None or len(text) > 256:
        raise invalid(f"Invalid FunctionName: {text!r}")
    region = match.group(3).rstrip(":") if match.group(3) else None
    account = match.group(9).rstrip(":") if match.group(9) else None
    in_name = match.group(13)
    if in_name and qualifier and in_name != qualifier:
        raise invalid(f"The qualifier {qualifier!r} differs from the one in the function name {text!r}")
    return FunctionTarget(match.group(11), in_name or qualifier, region, account)


def function_arn(region: str, account: str, name: str, qualifier: Optional[str]) -> str:
    base = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def random_token() -> str:
    # 24 random bytes in standard base64: 32 characters of the model's alphabet, `+` and `/`
    # included, so a client has to percent-encode them in a path (docs/facts.md D2).
    return base64.b64encode(os.urandom(24)).decode("ascii")
