"""The AWS SDK set of the full image (image/sdk-requirements.txt), without Docker: on each Python
line it is complete (every wheel's Requires-Dist met by the set, read from the wheels' METADATA),
the durable execution SDK is where AWS's runtimes bundle it, and stamped as they stamp it.
"""

from __future__ import annotations

import email.message
import email.parser
import json
import os
import subprocess
import sys
import zipfile

import pytest
from kit.paths import ROOT
from kit.tables import PYTHON_LINES
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

LOCKED = ROOT / "image" / "sdk-requirements.txt"
SDK = ROOT / "build" / "sdk"  # the wheels, fetched by scripts/fetch-sdk.sh (`make inputs`)
DURABLE = "aws-durable-execution-sdk-python"
# "Supported runtimes for durable functions" (AWS Lambda developer guide, checked 2026-12-04):
# the python3.13 and python3.14 runtimes include the durable execution SDK.
AWS_BUNDLES_DURABLE_ON = {"3.13", "3.14"}


def environment(line: str) -> dict:
    return {"python_version": line, "python_full_version": f"{line}.0", "extra": ""}


def pins() -> dict[str, Requirement]:
    """image/sdk-requirements.txt: {name: its requirement, marker included} (hashes left out)."""
    lines = [line.split(" --hash=")[0] for line in LOCKED.read_text().splitlines() if line and line[0] != "#"]
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def installed_on(line: str) -> dict[str, str]:
    """{name: version} of what the image's pip installs on Python `line` (the markers decide)."""
    return {name: str(next(iter(r.specifier)).version) for name, r in pins().items()
            if r.marker is None or r.marker.evaluate(environment(line))}


def wheel_metadata(name: str) -> email.message.Message:
    subprocess.run([str(ROOT / "scripts" / "fetch-sdk.sh"), str(SDK)], check=True, capture_output=True)
    (wheel,) = [p for p in SDK.glob("*.whl") if canonicalize_name(p.name.split("-")[0]) == name]
    with zipfile.ZipFile(wheel) as archive:
        (path,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(path).decode())


def unmet(versions: dict[str, str], metadata: dict[str, email.message.Message], line: str) -> list[str]:
    """What a set of distributions ({name: version}, each with its METADATA) lacks on Python `line`."""
    problems = []
    for name, meta in metadata.items():
        if Version(meta["Version"]) != Version(versions[name]):
            problems.append(f"{name}: the wheel is {meta['Version']}, the pin {versions[name]}")
        if meta["Requires-Python"] and line + ".0" not in SpecifierSet(meta["Requires-Python"]):
            problems.append(f"{name} {versions[name]} requires Python {meta['Requires-Python']}")
        for requirement in map(Requirement, meta.get_all("Requires-Dist") or []):
            if requirement.marker and not requirement.marker.evaluate(environment(line)):
                continue  # an extra, or another Python
            have = versions.get(canonicalize_name(requirement.name))
            if have is None or have not in requirement.specifier:
                problems.append(f"{name} {versions[name]} requires {requirement}: the set has "
                                f"{f'{requirement.name} {have}' if have else 'none'}")
    return problems


@pytest.mark.parametrize("line", list(PYTHON_LINES))
def test_on_each_line_the_set_meets_every_wheels_requirements(line):
    versions = installed_on(line)
    assert unmet(versions, {name: wheel_metadata(name) for name in versions}, line) == []


def test_the_durable_sdk_is_bundled_on_the_lines_aws_bundles_it_on():
    with_durable = {line for line in PYTHON_LINES if DURABLE in installed_on(line)}
    assert with_durable == AWS_BUNDLES_DURABLE_ON & set(PYTHON_LINES) == {"3.13", "3.14"}
    assert all("boto3" in installed_on(line) for line in PYTHON_LINES)
    assert str(pins()[DURABLE].marker) == 'python_version >= "3.13"'


def test_an_unmet_requirement_of_the_durable_sdk_is_named():
    # The durable SDK of the set beside the boto3 the image had before (1.40.4): the check says so.
    durable = wheel_metadata(DURABLE)
    boto3 = email.message.Message()
    boto3["Version"] = "1.40.4"
    versions = {DURABLE: durable["Version"], "boto3": "1.40.4"}
    wanted = str(next(Requirement(r) for r in durable.get_all("Requires-Dist") if r.startswith("boto3")))
    assert unmet(versions, {DURABLE: durable, "boto3": boto3}, "3.13") == [
        f"{DURABLE} {durable['Version']} requires {wanted}: the set has boto3 1.40.4"]
    assert Version("1.40.4") not in SpecifierSet(wanted.removeprefix("boto3"))


def test_every_requirement_of_the_source_is_locked_with_its_marker():
    source = [Requirement(line) for line in (ROOT / "image" / "sdk-requirements.in").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    locked = pins()
    for requirement in source:
        pin = locked[canonicalize_name(requirement.name)]
        assert next(iter(pin.specifier)).version in requirement.specifier, requirement
        assert str(pin.marker) == str(requirement.marker), requirement
    assert all(line.count(" --hash=sha256:") == 1 for line in LOCKED.read_text().splitlines()
               if line and line[0] != "#")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the durable SDK needs Python 3.11+ (its Requires-Python)")
def test_the_stamp_makes_the_sdk_report_itself_as_bundled(tmp_path):
    """image/stamp-bundled.py on a real install of the set's durable SDK: what its own code then says."""
    released = wheel_metadata(DURABLE)["Version"]  # (fetched by then)
    (wheel,) = SDK.glob("aws_durable_execution_sdk_python-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--no-compile",
                    "--disable-pip-version-check", "--target", str(tmp_path), str(wheel)], check=True)
    stamped = subprocess.run([sys.executable, str(ROOT / "image" / "stamp-bundled.py"), str(tmp_path)],
                             capture_output=True, text=True, check=True)
    about = tmp_path / "aws_durable_execution_sdk_python" / "__about__.py"
    assert stamped.stdout == f"stamp-bundled: {about}: {released}+bundled\n"

    probe = """if True:
        import importlib.metadata, json
        from aws_durable_execution_sdk_python import __version__, lambda_service as s
        print(json.dumps([__version__, s._is_bundled(__version__), s._user_agent_version(__version__),
                          importlib.metadata.version("aws-durable-execution-sdk-python")]))"""
    said = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert json.loads(said.stdout) == [f"{released}+bundled", True, f"{released}-bundled", released]

    # RECORD has the stamped file's hash and size: pip's own check of an install agrees.
    record = next(tmp_path.glob("aws_durable_execution_sdk_python-*.dist-info/RECORD")).read_text()
    entry = next(line for line in record.splitlines() if line.startswith("aws_durable_execution_sdk_python/__about__"))
    assert entry.endswith(f",{len(about.read_bytes())}")
    check = subprocess.run([sys.executable, "-c", VERIFY_RECORD, str(tmp_path)], capture_output=True, text=True,
                           check=False)
    assert (check.returncode, check.stdout) == (0, "every file of RECORD matches\n"), check.stderr


# Every hashed entry of the durable SDK's RECORD against the file (as `pip`'s wheel checks do).
VERIFY_RECORD = """if True:
    import base64, csv, hashlib, pathlib, sys
    site = pathlib.Path(sys.argv[1])
    record = next(site.glob("aws_durable_execution_sdk_python-*.dist-info/RECORD"))
    for path, digest, size in csv.reader(record.read_text().splitlines()):
        if digest:
            data = (site / path).read_bytes()
            want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert (digest, size) == (want, str(len(data))), path
    print("every file of RECORD matches")"""


def test_the_markers_are_ones_fetch_sdk_can_drop():
    # scripts/fetch-sdk.sh downloads every wheel whatever the host's Python, dropping " ; <marker>"
    # with sed up to the next "-" (that of --hash=): a marker must hold no "-".
    assert [str(r.marker) for r in pins().values() if r.marker and "-" in str(r.marker)] == []
