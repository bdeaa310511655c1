"""The image as a drop-in for AWS's Python images: native wheels, AWS's environment, the SDK.

Expected values come from AWS's published Dockerfiles for the Python images
(aws/aws-lambda-base-images, Dockerfile.python3.13: TZ, PATH, LD_LIBRARY_PATH) and from
image/sdk-requirements.txt; function images are built here from pinned wheels (tests/wheels.txt).
The durable execution SDK's own code says how AWS's runtimes mark their copy of it
(aws_durable_execution_sdk_python/lambda_service.py: `+bundled` on __version__, `-bundled` in
the user agent).
"""

from __future__ import annotations

import json
import shutil

import pytest
from kit.containers import FunctionContainer, build_image, docker
from kit.paths import HANDLERS, ROOT
from kit.wheelhouse import wheelhouse

pytestmark = pytest.mark.docker

PINS = dict(line.split()[0].split("==") for line in (ROOT / "image" / "sdk-requirements.txt").read_text().splitlines()
            if line and not line.startswith("#"))
SDK_VERSION, DURABLE_VERSION = PINS["boto3"], PINS["aws-durable-execution-sdk-python"]
USER_BOTO3, USER_DURABLE = "1.42.1", "2.0.1"  # tests/wheels.txt
USER_SDK = f"boto3=={USER_BOTO3} aws-durable-execution-sdk-python=={USER_DURABLE}"
# The Lambda client of the durable SDK signs its requests: credentials and a region, as Lambda gives them.
SIGNING = ("-e", "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "-e", "AWS_SECRET_ACCESS_KEY=secret", "-e",
           "AWS_DEFAULT_REGION=us-east-1")


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 (x86, 32 bit), signed as murmurhash's `mrmr.hash` returns it: the reference."""
    c1, c2, h = 0xCC9E2D51, 0x1B873593, seed
    n = len(data) // 4 * 4
    mask = 0xFFFFFFFF

    def mix(k: int) -> int:
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        return (k * c2) & mask

    for i in range(0, n, 4):
        h ^= mix(int.from_bytes(data[i:i + 4], "little"))
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    if len(data) > n:
        h ^= mix(int.from_bytes(data[n:], "little"))
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    h ^= h >> 16
    return h - (1 << 32) if h & 0x80000000 else h


def function_image(tmp_path, base: str, tag: str, install: str, platform: str = "linux/amd64") -> str:
    """A function image FROM `base` with tests/handlers, a shipped library, a layer binary and `install`."""
    context = tmp_path / tag.replace(":", "-")
    context.mkdir()
    shutil.copytree(wheelhouse("3.13"), context / "wheels")
    shutil.copy(HANDLERS / "cases.py", context)
    (context / "layer-tool").write_text("#!/bin/sh\necho from the layer\n")
    (context / "layer-tool").chmod(0o755)
    return build_image(context, f"""FROM {base}
COPY wheels /tmp/wheels
RUN {install} && rm -rf /tmp/wheels
COPY cases.py ${{LAMBDA_TASK_ROOT}}/
COPY layer-tool /opt/bin/
# A library the function ships, loaded by a name no system path knows.
RUN mkdir -p ${{LAMBDA_TASK_ROOT}}/lib \\
 && cp "$(python3 -c 'import ctypes.util, glob; print(glob.glob("/usr/lib/*/libz.so.1")[0])')" \\
       ${{LAMBDA_TASK_ROOT}}/lib/libshipped.so.1
""", tag, platform)


@pytest.fixture(scope="module")
def plain_pip(images, tmp_path_factory):
    """`RUN pip install ...` into the image's Python, the form most Dockerfiles use."""
    return function_image(tmp_path_factory.mktemp("plain"), "lambda-python:x86_64", "lambda-python-test:plain-pip",
                          f"pip install --no-index --find-links /tmp/wheels murmurhash {USER_SDK}")


@pytest.fixture(scope="module")
def target_pip(images, tmp_path_factory):
    """`RUN pip install --target ${LAMBDA_TASK_ROOT} ...`, the form AWS's documentation shows."""
    return function_image(tmp_path_factory.mktemp("target"), "lambda-python:x86_64", "lambda-python-test:target-pip",
                          f"pip install --no-index --find-links /tmp/wheels --target /var/task murmurhash {USER_SDK}")


def call(image: str, handler: str, *options: str, platform: str = "linux/amd64") -> dict:
    with FunctionContainer(image, handler, options=options, platform=platform) as function:
        status, _, body = function.invoke()
    assert status == 200, body
    return json.loads(body)


def test_native_code_shipped_with_the_function(plain_pip):
    assert call(plain_pip, "cases.native", "--read-only", "--user", "4242") == {
        "murmur": murmur3_32(b"lambda"),  # libstdc++.so.6 is there for C++ extensions
        "shipped": True,  # LD_LIBRARY_PATH has /var/task/lib
        "layer_tool": "from the layer\n",  # PATH has /opt/bin
        "tz": ":/etc/localtime", "tzname": ["UTC", "UTC"],
    }


def test_the_environment_matches_aws_images(images):
    # AWS: /var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib, the first
    # three being where Amazon Linux keeps Python and system libraries (the Dockerfile says why they are left out).
    result = docker("run", "--rm", "--entrypoint", "sh", "lambda-python:x86_64", "-c",
                    'echo "$LD_LIBRARY_PATH|$PATH|$TZ|$LAMBDA_TASK_ROOT|$LAMBDA_RUNTIME_DIR|$(pwd)"')
    ld_library_path, path, tz, task_root, runtime_dir, workdir = result.stdout.strip().split("|")
    assert ld_library_path.split(":") == ["/var/runtime", "/var/runtime/lib", "/var/task", "/var/task/lib", "/opt/lib"]
    assert path.split(":")[-1] == "/opt/bin" and {"/usr/local/bin", "/usr/bin", "/bin"} <= set(path.split(":"))
    assert (tz, task_root, runtime_dir, workdir) == (":/etc/localtime", "/var/task", "/var/runtime", "/var/task")


def test_the_runtime_starts_without_a_shell(images):
    # The build pins bootstrap's first line to the image's python3, so the kernel starts that
    # interpreter at once: argv[0] is its full path (through sh it would be plain "python3").
    shebang = docker("run", "--rm", "--entrypoint", "head", "lambda-python:x86_64", "-n1",
                     "/var/runtime/bootstrap").stdout.strip()
    assert shebang in ("#!/usr/bin/python3 -u", "#!/usr/local/bin/python3 -u")  # stand-in, official base
    argv = call("lambda-python:x86_64", "cases.command_line", "-v", f"{HANDLERS}:/var/task:ro")
    assert argv == [shebang[2:].split()[0], "-u", "/var/runtime/bootstrap"]


def test_the_sdk_is_there_and_the_runtime_does_not_load_it(images):
    mount = ("-v", f"{HANDLERS}:/var/task:ro")
    assert call("lambda-python:x86_64", "cases.sdk_modules", *mount) == []
    sdk = call("lambda-python:x86_64", "cases.sdk", *mount)
    assert (sdk["boto3"], sdk["botocore"]) == (SDK_VERSION, SDK_VERSION)
    assert sdk["path"].startswith("/usr/") and sdk["path"].endswith("-packages/boto3/__init__.py")


def test_the_durable_sdk_is_the_runtimes_copy_stamped_as_aws_stamps_it(images):
    durable = call("lambda-python:x86_64", "cases.durable_sdk", "-v", f"{HANDLERS}:/var/task:ro", *SIGNING)
    assert (durable["version"], durable["distribution"]) == (f"{DURABLE_VERSION}+bundled", DURABLE_VERSION)
    assert durable["path"].startswith("/usr/") and durable["path"].endswith(
        "-packages/aws_durable_execution_sdk_python/__init__.py")  # beside boto3, where pip puts packages
    # What it tells Lambda in its checkpoints' user agent: the runtime's copy, in the SDK's own words.
    agent = durable["user_agent"].split()
    assert (agent[0], agent[-1]) == (f"Boto3/{SDK_VERSION}",
                                     f"aws-durable-execution-sdk-python/{DURABLE_VERSION}-bundled")


@pytest.mark.parametrize(("handler", "module"), [("cases.sdk", "boto3"),
                                                 ("cases.durable_sdk", "aws_durable_execution_sdk_python")])
def test_the_slim_variant_has_no_sdk(images, handler, module):
    with FunctionContainer("lambda-python:slim-x86_64", handler, options=("-v", f"{HANDLERS}:/var/task:ro")) as fn:
        status, _, body = fn.invoke()
    error = json.loads(body)
    assert (status, error["errorType"], error["errorMessage"]) == (
        200, "ModuleNotFoundError", f"No module named '{module}'")


def test_a_plain_pip_install_replaces_the_images_boto3(plain_pip):
    sdk = call(plain_pip, "cases.sdk")
    assert (sdk["boto3"], sdk["botocore"]) == (USER_BOTO3, USER_BOTO3)
    assert not sdk["path"].startswith("/var/task")
    listed = {p["name"]: p["version"] for p in json.loads(
        docker("run", "--rm", "--entrypoint", "pip", plain_pip, "list", "--format", "json").stdout)}
    assert [listed[name] for name in ("boto3", "aws-durable-execution-sdk-python")] == [USER_BOTO3, USER_DURABLE]


def test_a_plain_pip_install_replaces_the_images_durable_sdk(plain_pip):
    durable = call(plain_pip, "cases.durable_sdk", *SIGNING)
    assert (durable["version"], durable["distribution"]) == (USER_DURABLE, USER_DURABLE)
    assert durable["path"].startswith("/usr/") and durable["path"].endswith(
        "-packages/aws_durable_execution_sdk_python/__init__.py")
    agent = durable["user_agent"].split()
    assert (agent[0], agent[-1]) == (f"Boto3/{USER_BOTO3}", f"aws-durable-execution-sdk-python/{USER_DURABLE}")
    site = durable["path"].rsplit("/", 2)[0]  # one copy left, its files all the user's
    files = docker("run", "--rm", "--entrypoint", "sh", plain_pip, "-c",
                   f"cd {site} && ls -d aws_durable_execution_sdk_python*").stdout.split()
    assert files == ["aws_durable_execution_sdk_python", f"aws_durable_execution_sdk_python-{USER_DURABLE}.dist-info"]


def test_boto3_in_the_task_root_wins(target_pip):
    sdk = call(target_pip, "cases.sdk")
    assert sdk == {"boto3": USER_BOTO3, "botocore": USER_BOTO3, "path": "/var/task/boto3/__init__.py"}


def test_the_durable_sdk_in_the_task_root_wins(target_pip):
    durable = call(target_pip, "cases.durable_sdk", *SIGNING)
    agent = durable.pop("user_agent").split()
    assert durable == {"version": USER_DURABLE, "distribution": USER_DURABLE,
                       "path": "/var/task/aws_durable_execution_sdk_python/__init__.py"}
    assert (agent[0], agent[-1]) == (f"Boto3/{USER_BOTO3}", f"aws-durable-execution-sdk-python/{USER_DURABLE}")


@pytest.mark.arm64
def test_arm64_runs_a_cpp_wheel(images, tmp_path):
    image = function_image(tmp_path, "lambda-python:arm64", "lambda-python-test:arm64-native",
                           "pip install --no-index --find-links /tmp/wheels murmurhash", platform="linux/arm64")
    assert call(image, "cases.native", platform="linux/arm64")["murmur"] == murmur3_32(b"lambda")


def test_child_processes_with_every_start_method(images):
    # A spawn or forkserver child must not become a second runtime (tests/runtime/functional has the
    # same check against the fake Runtime API on every Python line the machine has).
    with FunctionContainer("lambda-python:x86_64", "cases.processes",
                           options=("-v", f"{HANDLERS}:/var/task:ro")) as function:
        for method in ("fork", "spawn", "forkserver", "spawn"):
            for executor in (False, True):
                status, _, body = function.invoke(json.dumps({"method": method, "executor": executor}).encode())
                assert (status, json.loads(body)) == (200, {"squares": [0, 1, 4, 9]}), (method, executor)
        assert "Traceback" not in function.logs()
