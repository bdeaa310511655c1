"""Marks the durable execution SDK installed under ROOT as the runtime's own copy, as AWS's
managed runtimes do: `+bundled` appended to `__version__` in its `__about__.py`.

The SDK tells a runtime-bundled copy from one the function brings by that label:
aws_durable_execution_sdk_python/lambda_service.py, `_is_bundled()` ("The managed runtime
appends ``+bundled`` to ``__version__`` at image build time"), which then reports itself as
`aws-durable-execution-sdk-python/<version>-bundled` in the Lambda client's user agent.
The package's RECORD gets the stamped file's new hash and size, so the install stays whole
(pip reads RECORD when a user's `pip install` replaces this copy). The distribution's own
version (its METADATA, what pip sees) is left as released.

Usage: python3 stamp-bundled.py ROOT   (nothing to do, and no output, when the SDK is not there)
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
from pathlib import Path

PACKAGE = "aws_durable_execution_sdk_python"
LABEL = "+bundled"
VERSION = re.compile(r'^__version__ = "([^"+]+)"$', re.MULTILINE)


def record_entry(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def stamp(about: Path) -> str:
    """Stamps one installed copy (its __about__.py); returns the version it now has."""
    text = about.read_text()
    found = VERSION.findall(text)
    if len(found) != 1:
        sys.exit(f"stamp-bundled: {about} has no single plain `__version__ = \"X.Y.Z\"` line to stamp")
    stamped = VERSION.sub(rf'__version__ = "\1{LABEL}"', text)
    about.write_text(stamped)

    site = about.parent.parent
    relative = f"{PACKAGE}/{about.name}"
    records = list(site.glob(f"{PACKAGE}-*.dist-info/RECORD"))
    if len(records) != 1:
        sys.exit(f"stamp-bundled: {site} has {len(records)} {PACKAGE} RECORD files, not one")
    lines = records[0].read_text().splitlines(keepends=True)
    entry = [i for i, line in enumerate(lines) if line.startswith(f"{relative},")]
    if len(entry) != 1:
        sys.exit(f"stamp-bundled: {records[0]} does not list {relative} once")
    line = lines[entry[0]]
    lines[entry[0]] = record_entry(relative, stamped.encode()) + line[len(line.rstrip("\r\n")):]
    records[0].write_text("".join(lines))
    return found[0] + LABEL


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: stamp-bundled.py ROOT")
    for about in sorted(Path(argv[0]).rglob(f"{PACKAGE}/__about__.py")):
        print(f"stamp-bundled: {about}: {stamp(about)}")


if __name__ == "__main__":
    main(sys.argv[1:])
