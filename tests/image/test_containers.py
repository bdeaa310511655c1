"""The images as users run them: the example function, the base image's contract, Lambda's sandbox."""

import base64
import json
import subprocess

import pytest
from kit.paths import ROOT
from kit.rie_process import invoke

pytestmark = pytest.mark.docker
EVENTS = ROOT / "handler" / "events"


def event(name: str) -> bytes:
    return (EVENTS / f"{name}.json").read_bytes()


def answer(body: bytes) -> dict:
    return json.loads(body)


TEXT = {"content-type": "text/plain; charset=utf-8"}


# Every sample event in handler/events/, and what the example function answers.
EXPECTED = {
    "demo-s3": (200, "queued thumbnail job for uploads/cat.jpg"),
    "demo-apigateway": (200, "HTTP 200 -- echoed GET /hello"),
    "demo-events": (204, "ran scheduled task at tick 0900Z"),
    "demo-unknown": (400, "unknown source: aws:sqs"),
    "s3": (200, "queued thumbnail job for holidays/beach day.jpg"),
    "apigw-v1": (200, "HTTP 200 -- echoed GET /orders/17"),
    "apigw-v2": (200, "HTTP 200 -- echoed POST /carts"),
    "function-url": (200, "HTTP 200 -- echoed GET /hello"),
    "schedule": (204, "ran scheduled task at tick 2026-11-23T12:00:00Z"),
    "unknown": (400, "unknown source: aws.codecommit"),
}


def test_every_sample_event_is_covered():
    assert sorted([*EXPECTED, "lucky"]) == sorted(p.stem for p in EVENTS.glob("*.json"))  # lucky: below


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_function_answers_each_event(call, name):
    status, _, body = call("example", event(name))
    code, text = EXPECTED[name]
    assert (status, answer(body)) == (200, {"statusCode": code, "headers": TEXT, "body": text})


def test_two_invokes_in_a_row(call):
    first, second = call("example", event("s3")), call("example", event("apigw-v1"))
    assert answer(first[2])["body"] == "queued thumbnail job for holidays/beach day.jpg"
    assert answer(second[2])["body"] == "HTTP 200 -- echoed GET /orders/17"


def lucky(call, body):
    payload = json.loads(event("lucky"))
    payload["body"] = body
    reply = answer(call("example", json.dumps(payload).encode())[2])  # POST /lucky, routed by app.handler
    return reply["statusCode"], json.loads(reply["body"])


@pytest.mark.parametrize("count,expected", [(6, 6), (1, 2), (99, 20), (-3, 2)])
def test_lucky_numbers(call, count, expected):
    status, body = lucky(call, json.dumps({"name": "ada", "count": count}))
    assert status == 200
    assert body["message"] == "Hi, 'ADA'. Your lucky numbers are:"
    numbers = body["numbers"]
    assert len(numbers) == expected and len(set(numbers)) == expected
    assert all(1 <= n <= 41 for n in numbers) and numbers == sorted(numbers)


@pytest.mark.parametrize("body,problem", [
    ("{not json", "the body is not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
    ("[1, 2]", "the body must be a JSON object"),
    ('{"count": 3}', '"name" must be a non-empty string'),
    ('{"name": "ada", "count": "six"}', '"count" must be a whole number'),
    (None, "the request has no body"),
])
def test_lucky_numbers_rejects_a_malformed_body(call, body, problem):
    status, reply = lucky(call, body)
    assert (status, reply) == (400, {"message": f'{problem}. Send a JSON body like {{"name": "Ada", "count": 6}}'})


def test_init_error_surfaces_with_its_type(call, emulator):
    status, headers, body = call("bad-handler")
    if emulator == "rie":  # 502 Bad Gateway and the error body, no function-error header
        assert (status, headers.get("X-Amz-Function-Error")) == (502, None)
    else:  # as Lambda answers: 200, the error body, and the header that says it is an error
        assert (status, headers.get("X-Amz-Function-Error")) == (200, "Unhandled")
    error = answer(body)
    assert (error["errorType"], error["errorMessage"]) == (
        "Runtime.ImportModuleError", "Unable to import module 'nothere': No module named 'nothere'")


def test_handler_exception_has_only_the_users_frames(call):
    error = answer(call("raising", b'"oops"')[2])
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "bad value: oops")
    assert [line.split(",")[0] for line in error["stackTrace"]] == [
        '  File "/var/task/cases.py"', '  File "/var/task/cases.py"']
    assert error["stackTrace"][-1].endswith('    raise ValueError(f"bad value: {value}")\n')


def test_timeout_is_reported_and_the_function_recovers(call, emulator):
    status, headers, body = call("slow", b'{"seconds": 5}')
    if emulator == "rie":  # RIE #21, #20: a timeout looks like a success
        assert (status, headers.get("X-Amz-Function-Error"), body) == (200, None, b"Task timed out after 1.00 seconds")
    else:  # Lambda's Sandbox.Timedout error, marked as one
        error = answer(body)
        assert (status, headers.get("X-Amz-Function-Error"), error["errorType"]) == (
            200, "Unhandled", "Sandbox.Timedout")
        assert error["errorMessage"].endswith(" Error: Task timed out after 1.00 seconds")
    assert call("slow", b'{"seconds": 0}')[2] == b'"done"'


def test_environment_values_containing_equals_signs(call):
    body = json.dumps({"names": ["EQUALS", "DSN", "JUST_EQUALS"]}).encode()
    assert answer(call("env", body)[2]) == {
        "EQUALS": "a=b=c", "DSN": "postgres://app:s3cr=t@db:5432/shop?sslmode=require", "JUST_EQUALS": "="}


def test_context_arn_remaining_time_and_client_context(call, emulator):
    client_context = {"custom": {"cart": "c-1"}, "env": {"locale": "de-DE"}, "client": {"app_title": "shop"}}
    status, _, body = call("context", b"{}", {
        "X-Amz-Client-Context": base64.b64encode(json.dumps(client_context).encode()).decode()})
    info = answer(body)
    assert status == 200
    assert info["invoked_function_arn"] == "arn:aws:lambda:us-east-1:012345678912:function:test_function"
    assert info["remaining_positive"] is True
    assert info["client_context"] == {"custom": {"cart": "c-1"}, "env": {"locale": "de-DE"}, "client": "shop"}
    # The RIE says 3008 MB (RIE #106); the local server, Lambda's default of 128 MB.
    memory = "3008" if emulator == "rie" else "128"
    assert info["function_name"] == "test_function" and info["memory_limit_in_mb"] == memory


def test_read_only_file_system_as_an_unknown_non_root_user(call):
    assert answer(call("sandboxed", b"{}")[2]) == {"uid": 4242, "gid": 4343, "tmp": "ok", "task_root_writable": False}
    assert answer(call("sandboxed-example", event("s3"))[2])["statusCode"] == 200


def test_entrypoint_under_an_outer_rie(services):
    # The outer RIE sets AWS_LAMBDA_RUNTIME_API, so the entrypoint runs the bootstrap directly.
    info = answer(invoke(services("outer-rie"), b"{}", timeout=120)[2])
    assert info["invoked_function_arn"] == "arn:aws:lambda:us-east-1:012345678912:function:test_function"


def docker_run(*args, timeout=120):
    return subprocess.run(["docker", "run", "--rm", *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


@pytest.mark.parametrize("args", [[], ["a.handler", "b.handler"]])
def test_entrypoint_wants_exactly_one_handler(images, args):
    result = docker_run("lambda-python:x86_64", *args)
    assert result.returncode == 142
    assert result.stderr == "entrypoint requires the handler name to be the first argument\n"


def test_base_image_contract(images):
    result = docker_run("--entrypoint", "sh", "lambda-python:x86_64", "-c",
                        'echo "$LAMBDA_TASK_ROOT $LAMBDA_RUNTIME_DIR $LANG $(pwd)";'
                        " ls /var/runtime/lambda_runtime/__pycache__ | grep -c pyc;"
                        " python3 -c 'import sys; print(sys.version_info[:2] >= (3, 9))'")
    lines = result.stdout.split("\n")
    assert lines[0] == "/var/task /var/runtime C.UTF-8 /var/task"
    assert int(lines[1]) >= 10  # the runtime's bytecode was compiled at build time
    assert lines[2] == "True"
    inspect = subprocess.run(["docker", "image", "inspect", "lambda-python:x86_64", "--format",
                              "{{json .Config.Cmd}} {{json .Config.Entrypoint}} {{.Architecture}}"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert inspect == ["null", '["/lambda-entrypoint.sh"]', "amd64"]  # no CMD in the base


def test_oci_labels(images):
    labels = json.loads(subprocess.run(
        ["docker", "image", "inspect", "lambda-python:x86_64", "--format", "{{json .Config.Labels}}"],
        capture_output=True, text=True, check=True).stdout)
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=False).stdout.strip()
    assert labels["org.opencontainers.image.revision"] == (head or "unknown")
    assert {"org.opencontainers.image.source", "org.opencontainers.image.version"} <= set(labels)


@pytest.mark.arm64
def test_arm64_image_runs_the_example_under_emulation(services, images):
    status, _, body = invoke(services("example-arm64"), event("s3"), timeout=120)
    assert (status, answer(body)["body"]) == (200, "queued thumbnail job for holidays/beach day.jpg")
    arch = subprocess.run(["docker", "image", "inspect", "lambda-python:arm64", "--format", "{{.Architecture}}"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert arch == "arm64"
    result = docker_run("--platform", "linux/arm64", "--entrypoint", "uname", "lambda-python:arm64", "-m")
    assert result.stdout == "aarch64\n"
