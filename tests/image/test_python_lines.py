"""Every Python line AWS Lambda supports (image/python-lines.tsv): the base builds, and
`pip install -r requirements.txt` works in both forms users write for AWS's images.

Each line that can be built here is tested on x86_64, with one arm64 smoke test; a line no
Debian suite ships can only be built where its official image can be pulled, and the test
shows the one line that says so.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from kit.containers import FunctionContainer, build_image
from kit.paths import HANDLERS, ROOT
from kit.tables import PYTHON_LINES, pins
from kit.wheelhouse import wheelhouse

pytestmark = pytest.mark.docker

USER_BOTO3, USER_DURABLE = "1.42.1", "2.0.1"  # tests/wheels.txt
USER_REQUIREMENTS = f"murmurhash==1.0.16\nboto3=={USER_BOTO3}\naws-durable-execution-sdk-python=={USER_DURABLE}\n"
PINS = dict(line.split()[0].split("==") for line in (ROOT / "image" / "sdk-requirements.txt").read_text().splitlines()
            if line and not line.startswith("#"))
SDK, DURABLE = PINS["boto3"], PINS["aws-durable-execution-sdk-python"]
# "Supported runtimes for durable functions" (AWS Lambda developer guide, checked 2026-12-04):
# python3.13 and python3.14 include the durable execution SDK; tests/image/test_sdk_set.py
# holds image/sdk-requirements.txt's marker to the same lines.
DURABLE_LINES = ("3.13", "3.14")
MURMUR_LAMBDA = 1580248552  # MurmurHash3_x86_32("lambda"), as test_dropin_image.py computes it


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)


# The lines a Debian suite ships build anywhere (a stand-in where no registry is reachable).
BUILDABLE = sorted(version for version, row in PYTHON_LINES.items() if row["debian"] != "-")


@pytest.fixture(scope="module", params=BUILDABLE)
def line(request, line_builds) -> str:
    """A Python line whose base images are built (in the background, see conftest.py)."""
    line_builds(request.param)
    result = make("build-x86_64", f"PYTHON_VERSION={request.param}")  # nothing to do once built
    assert result.returncode == 0, result.stderr
    return request.param


@pytest.mark.parametrize("version", sorted(set(PYTHON_LINES) - set(BUILDABLE)))
def test_a_line_no_debian_suite_ships_needs_its_official_image(images, version):
    official = PYTHON_LINES[version]["official"]
    result = make("build-x86_64", f"PYTHON_VERSION={version}")
    pulled = subprocess.run(["docker", "image", "inspect", official], capture_output=True, check=False).returncode == 0
    if pulled:  # a registry is reachable: the official image is the base
        assert result.returncode == 0, result.stderr
    else:  # offline (this project's CI): one line says why, and nothing is built
        assert (result.returncode, result.stderr.strip().splitlines()[-2]) == (2, (
            f"base-image: {official} cannot be pulled, and no Debian suite ships Python {version} to build a "
            "stand-in from"))


def function(tmp_path, base: str, tag: str, requirements: str, install: str) -> str:
    """A function image FROM `base` whose Dockerfile installs requirements.txt as a user writes it,
    with the build pointed at a local wheel folder (the build reaches no package index)."""
    context = tmp_path / tag.replace(":", "-")
    context.mkdir()
    version = base.split(":")[1].split("-", maxsplit=1)[0]
    shutil.copytree(wheelhouse(version), context / "wheels")
    shutil.copy(HANDLERS / "cases.py", context)
    (context / "requirements.txt").write_text(requirements)
    return build_image(context, f"""FROM {base}
COPY wheels /tmp/wheels
COPY requirements.txt ${{LAMBDA_TASK_ROOT}}/
RUN PIP_NO_INDEX=1 PIP_FIND_LINKS=/tmp/wheels {install}
COPY cases.py ${{LAMBDA_TASK_ROOT}}/
CMD ["cases.line_info"]
""", tag)


def line_info(image: str) -> dict:
    with FunctionContainer(image) as container:
        status, _, body = container.invoke()
    assert status == 200, body
    return json.loads(body)


def test_a_plain_pip_install_into_the_images_python(line, tmp_path):
    image = function(tmp_path, f"lambda-python:{line}-x86_64", f"lambda-python-test:{line}-plain",
                     USER_REQUIREMENTS, "pip install -r requirements.txt")
    info = line_info(image)
    assert (info["python"], info["murmur"], info["boto3"][0], info["durable"][0]) == (
        line, MURMUR_LAMBDA, USER_BOTO3, USER_DURABLE)
    # They replaced the image's (a durable SDK of the image would say 3.0.0+bundled).
    assert re.fullmatch(r"/usr/.*-packages/boto3/__init__\.py", info["boto3"][1])
    assert re.fullmatch(r"/usr/.*-packages/aws_durable_execution_sdk_python/__init__\.py", info["durable"][1])


def test_pip_install_target_the_task_root(line, tmp_path):
    image = function(tmp_path, f"lambda-python:{line}-x86_64", f"lambda-python-test:{line}-target",
                     USER_REQUIREMENTS, "pip install -r requirements.txt --target ${LAMBDA_TASK_ROOT}")
    assert line_info(image) == {"python": line, "murmur": MURMUR_LAMBDA,
                                "boto3": [USER_BOTO3, "/var/task/boto3/__init__.py"],
                                "durable": [USER_DURABLE, "/var/task/aws_durable_execution_sdk_python/__init__.py"]}


def test_the_sdk_of_the_default_and_none_in_slim(line, tmp_path):
    full = function(tmp_path, f"lambda-python:{line}-x86_64", f"lambda-python-test:{line}-sdk",
                    "murmurhash==1.0.16\n", "pip install -r requirements.txt")
    info = line_info(full)
    assert info["boto3"][0] == SDK
    # The durable execution SDK on the lines AWS's runtimes bundle it on, stamped as theirs is.
    assert (info["durable"] and info["durable"][0]) == (f"{DURABLE}+bundled" if line in DURABLE_LINES else None)
    slim = function(tmp_path, f"lambda-python:{line}-slim-x86_64", f"lambda-python-test:{line}-slim",
                    "murmurhash==1.0.16\n", "pip install -r requirements.txt")
    assert line_info(slim) == {"python": line, "murmur": MURMUR_LAMBDA, "boto3": None, "durable": None}


@pytest.mark.arm64
def test_arm64_smoke(line):
    built = make("function", "ARCH=arm64", f"PYTHON_VERSION={line}")
    assert built.returncode == 0, built.stderr
    with FunctionContainer(f"lambda-python-example:{line}-arm64", platform="linux/arm64",
                           ready_timeout=120) as container:
        status, _, body = container.invoke((ROOT / "handler" / "events" / "demo-s3.json").read_bytes())
    assert (status, json.loads(body)["body"]) == (200, "queued thumbnail job for uploads/cat.jpg")


def test_the_default_line_is_versions_envs():
    assert pins()["PYTHON_VERSION"] in PYTHON_LINES
