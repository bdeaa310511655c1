#!/usr/bin/env python3
"""Re-locks the AWS SDK set of the full image: image/sdk-requirements.in -> image/sdk-requirements.txt.

`make lock-sdk`. For each Python line of image/python-lines.tsv, pip resolves the requirements of
the .in whose environment marker holds on that line to the newest releases that satisfy them, as
wheels for that line (`pip install --dry-run --ignore-installed --report`: nothing is installed).
pip evaluates markers against the Python that runs it, not against --python-version, so this
script picks each line's requirements itself. Every line must get the same version of a package
(one set of pure-Python wheels serves every line and architecture). The wheels are then
downloaded and hashed, and the .txt written: the .in's leading comments, then one pinned, hashed
requirement per wheel, with the .in's marker on what only some lines get.
Standard library and pip only: it runs before any virtualenv exists.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from ship.tables import read_table  # noqa: E402  (the tables' one reader)

SOURCE = ROOT / "image" / "sdk-requirements.in"
LOCKED = ROOT / "image" / "sdk-requirements.txt"


def fail(message: str) -> None:
    sys.exit(f"lock-sdk: {message}")


def pip(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"],
                            capture_output=True, text=True, check=False)
    noise = "WARNING: Location"  # a find-links folder of this machine's pip configuration that is not there
    sys.stderr.write("".join(line for line in result.stderr.splitlines(keepends=True) if not line.startswith(noise)))
    if result.returncode:
        fail(f"pip {args[0]} failed (above)")


def read_source() -> tuple[list[str], list[Requirement]]:
    """(the leading comment lines, the requirements) of the .in."""
    lines = SOURCE.read_text().splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    requirements = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    return header, requirements


def applies(requirement: Requirement, line: str) -> bool:
    return requirement.marker is None or requirement.marker.evaluate(
        {"python_version": line, "python_full_version": f"{line}.0"})


def resolve(requirements: list[Requirement], line: str, scratch: Path) -> dict[str, str]:
    """{name: version} of the newest wheels that satisfy `requirements` on Python `line`."""
    report = scratch / f"report-{line}.json"
    pip("install", "--dry-run", "--ignore-installed", "--only-binary=:all:", "--python-version", line,
        "--target", str(scratch / "nowhere"), "--report", str(report),
        *(f"{r.name}{r.specifier}" for r in requirements))
    return {item["metadata"]["name"]: item["metadata"]["version"] for item in json.loads(report.read_text())["install"]}


def main() -> None:
    header, requirements = read_source()
    lines = list(read_table("python-lines"))
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        resolved = {line: resolve([r for r in requirements if applies(r, line)], line, scratch) for line in lines}

        versions: dict[str, str] = {}  # name -> version, the same on every line
        on_lines: dict[str, list[str]] = {}  # name -> the lines that get it
        for line, packages in resolved.items():
            for name, version in packages.items():
                if versions.setdefault(name, version) != version:
                    fail(f"{name} resolves to {versions[name]} on Python {on_lines[name][0]} but to {version} on "
                         f"{line}: one set serves every line; pin {name} in {SOURCE.relative_to(ROOT)}")
                on_lines.setdefault(name, []).append(line)

        markers = {}  # name -> the marker of the top-level requirement that brings it to only some lines
        for name, its_lines in on_lines.items():
            if its_lines == lines:
                continue
            alike = [r for r in requirements if r.marker and [x for x in lines if applies(r, x)] == its_lines]
            if not alike:
                fail(f"{name} is needed on Python {' '.join(its_lines)} only, and no requirement of "
                     f"{SOURCE.relative_to(ROOT)} has a marker for just those lines: add one")
            markers[name] = str(alike[0].marker)

        wheels = scratch / "wheels"
        for line in lines:  # each wheel fetched for a line that gets it (its Requires-Python allows that one)
            pins = [f"{name}=={versions[name]}" for name in versions if on_lines[name][0] == line]
            if pins:
                pip("download", "--no-deps", "--only-binary=:all:", "--python-version", line, "-d", str(wheels), *pins)
        found = {canonicalize_name(path.name.split("-")[0]): path for path in wheels.glob("*.whl")}
        pinned = []
        for name in sorted(versions, key=canonicalize_name):
            wheel = found.get(canonicalize_name(name))
            if wheel is None or not wheel.name.endswith("-none-any.whl"):
                fail(f"{name} {versions[name]}: no pure-Python wheel ({wheel and wheel.name}); one set could not "
                     "serve every architecture")
            marker = f" ; {markers[name]}" if name in markers else ""
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            pinned.append(f"{name}=={versions[name]}{marker} --hash=sha256:{digest}")

    LOCKED.write_text("\n".join([
        *header,
        f"# Locked by `make lock-sdk` from {SOURCE.relative_to(ROOT)} on {datetime.date.today().isoformat()}, "
        f"for Python {' '.join(lines)}:",
        "# pure-Python wheels (one set serves every line and architecture), sha256 of each.",
        *pinned,
    ]) + "\n")
    print(f"lock-sdk: {LOCKED.relative_to(ROOT)}: " + ", ".join(p.split(" ")[0] for p in pinned))


if __name__ == "__main__":
    main()
