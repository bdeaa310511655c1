"""The local server in the image beside AWS's RIE: the same expectations where the RIE behaves as
Lambda does; where it does not, the test shows both answers (docs/local-server.md, "RIE vs our
local server", row by row)."""

import base64
import json
import subprocess
import threading
import time

import pytest
from botocore.eventstream import EventStreamBuffer
from kit.containers import FunctionContainer, docker
from kit.paths import HANDLERS, ROOT
from kit.server_harness import call

pytestmark = pytest.mark.docker
EVENTS = ROOT / "handler" / "events"
HEALTH = "/_local/health"


def _container(image: str, handler: str, emulator: str, env=None, options=(), mount_cases=False, **kwargs):
    env = dict(env or {})
    if emulator == "local":
        env["LAMBDA_EMULATOR"] = "local"
    if mount_cases:
        options = (*options, "-v", f"{HANDLERS}:/var/task:ro")
    return FunctionContainer(image, handler, env=env, options=options,
                             ready_path=HEALTH if emulator == "local" else None, **kwargs)


def _call(container, method: str, path: str, body: bytes = b"", headers=None):
    host, port = container.url.split("//")[1].split(":")
    reply = call(int(port), method, path, body, headers, timeout=60, host=host)
    return reply.status, reply.headers, reply.body


def _logs_until(container, text: str, timeout: float = 20.0) -> str:
    give_up = time.monotonic() + timeout
    while text not in (logs := container.logs()):
        if time.monotonic() > give_up:
            raise AssertionError(f"{text!r} not in the logs:\n{logs}")
        time.sleep(0.05)
    return logs


@pytest.mark.parametrize("emulator", ["rie", "local"])
def test_example_function_through_the_invoke_api(x86_images, emulator):
    with _container(x86_images[1], "app.handler", emulator) as container:
        status, _, body = container.invoke((EVENTS / "s3.json").read_bytes())
        assert (status, json.loads(body)) == (200, {
            "statusCode": 200, "headers": {"content-type": "text/plain; charset=utf-8"},
            "body": "queued thumbnail job for holidays/beach day.jpg"})


@pytest.mark.parametrize("emulator", ["rie", "local"])
def test_handler_error_body_and_the_function_error_header(x86_images, emulator):
    with _container(x86_images[0], "cases.raise_error", emulator, mount_cases=True) as container:
        status, headers, body = container.invoke(b'"oops"')
        error = json.loads(body)
        assert (status, error["errorType"], error["errorMessage"]) == (200, "ValueError", "bad value: oops")
        headers = {k.lower(): v for k, v in headers.items()}
        # Lambda marks a function error (docs/facts.md I1); the RIE leaves the header out.
        assert headers.get("x-amz-function-error") == ("Unhandled" if emulator == "local" else None)


@pytest.mark.parametrize("emulator", ["rie", "local"])
def test_a_payload_that_is_not_json_and_no_payload(x86_images, emulator):
    with _container(x86_images[0], "cases.echo", emulator, mount_cases=True) as container:
        status, headers, body = container.invoke(b'{"name": ada')
        headers = {k.lower(): v for k, v in headers.items()}
        if emulator == "local":  # Lambda refuses it before the function runs (docs/facts.md I10)
            assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
            assert b"Could not parse request body into json" in body
        else:  # the RIE passes it on, and the runtime cannot read it
            assert (status, json.loads(body)["errorType"]) == (200, "Runtime.UnmarshalError")
        status, _, body = container.invoke(b"")
        if emulator == "local":  # Lambda hands the function {}
            assert (status, json.loads(body)) == (200, {})
        else:
            assert (status, json.loads(body)["errorType"]) == (200, "Runtime.UnmarshalError")


@pytest.mark.parametrize("emulator", ["rie", "local"])
def test_timeout_answer(x86_images, emulator):
    with _container(x86_images[0], "cases.slow", emulator, env={"AWS_LAMBDA_FUNCTION_TIMEOUT": "1"},
                    mount_cases=True) as container:
        status, _, body = container.invoke(b'{"seconds": 5}')
        if emulator == "rie":  # RIE #21/#20: a timeout looks like a success
            assert (status, body) == (200, b"Task timed out after 1.00 seconds")
        else:
            error = json.loads(body)
            assert (status, error["errorType"]) == (200, "Sandbox.Timedout")
            assert error["errorMessage"].endswith(" Error: Task timed out after 1.00 seconds")
        assert container.invoke(b'{"seconds": 0}')[2] == b'"done"'  # and the next request works


@pytest.mark.parametrize("emulator", ["rie", "local"])
def test_report_line_numbers(x86_images, emulator):
    with _container(x86_images[1], "app.handler", emulator) as container:
        container.invoke((EVENTS / "s3.json").read_bytes())
        report = next(line for line in _logs_until(container, "REPORT RequestId").splitlines()
                      if line.startswith("REPORT"))
    fields = dict(field.split(": ", 1) for field in report.split("\t")[1:] if ": " in field)
    if emulator == "rie":  # RIE #106: numbers nobody can size a function with
        assert (fields["Memory Size"], fields["Max Memory Used"]) == ("3008 MB", "3008 MB")
    else:
        assert fields["Memory Size"] == "128 MB"
        assert 5 <= int(fields["Max Memory Used"].split()[0]) < 128
        assert float(fields["Init Duration"].split()[0]) > 1.0


def test_lucky_numbers_as_a_function_url_request(x86_images):
    with _container(x86_images[1], "lucky.handler", "local") as container:
        # curl -X POST localhost:9000/lucky -d '{"name":"ada"}'
        status, headers, body = _call(container, "POST", "/lucky", b'{"name":"ada"}',
                                      {"Content-Type": "application/x-www-form-urlencoded"})
        answer = json.loads(body)
        assert (status, headers["content-type"], answer["message"]) == (
            200, "application/json", "Hi, 'ADA'. Your lucky numbers are:")
        assert len(answer["numbers"]) == 6


def test_the_rie_has_no_function_urls_and_no_streaming_route(x86_images):
    with _container(x86_images[1], "lucky.handler", "rie") as container:
        assert _call(container, "POST", "/lucky", b'{"name":"ada"}')[0] == 404
        assert _call(container, "POST", "/2021-11-15/functions/function/response-streaming-invocations")[0] == 404


def test_concurrent_requests_each_get_an_environment(x86_images, tmp_path):
    # RIE #97: two overlapping invokes crash the RIE; here each gets its own runtime.
    gate = "/tmp/gate"
    with _container(x86_images[0], "local_cases.gate", "local", mount_cases=True,
                    env={"AWS_LAMBDA_FUNCTION_TIMEOUT": "30"}) as container:
        results = []
        threads = [threading.Thread(target=lambda n=n: results.append(
            container.invoke(json.dumps({"gate": gate, "reply": n}).encode())[2])) for n in range(3)]
        for thread in threads:
            thread.start()
        give_up = time.monotonic() + 30
        while json.loads(_call(container, "GET", HEALTH)[2])["busy"] < 3:
            assert time.monotonic() < give_up, "three invocations never ran at once"
            time.sleep(0.05)
        docker("exec", container.name, "touch", gate)
        for thread in threads:
            thread.join(30)
        assert sorted(results) == [b"0", b"1", b"2"]


def test_streaming_route_and_client_context(x86_images):
    with _container(x86_images[0], "cases.context_info", "local", mount_cases=True) as container:
        context = base64.b64encode(json.dumps({"custom": {"k": "v"}, "env": {}, "client": None}).encode())
        status, headers, body = _call(
            container, "POST", "/2021-11-15/functions/function/response-streaming-invocations", b"{}",
            {"X-Amz-Client-Context": context.decode(), "X-Amzn-Trace-Id": "Root=1-x"})
        assert (status, headers["content-type"]) == (200, "application/vnd.amazon.eventstream")
        stream = EventStreamBuffer()
        stream.add_data(body)
        messages = list(stream)
        info = json.loads(messages[0].payload)
        assert (info["client_context"]["custom"], info["trace"]) == ({"k": "v"}, "Root=1-x")
        assert messages[-1].headers[":event-type"] == "InvokeComplete"


def test_hot_reload_read_only_as_an_unknown_user(x86_images, tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    return 'first'\n")
    code.chmod(0o755)
    (code / "app.py").chmod(0o644)
    with _container(x86_images[1], "app.handler", "local", env={"LAMBDA_LOCAL_CODE": "/var/task-live"},
                    options=("-v", f"{code}:/var/task-live:ro", "--read-only", "--tmpfs", "/tmp",
                             "-u", "4242:4343")) as container:
        assert container.invoke()[2] == b'"first"'
        (code / "app.py").write_text("def handler(event, context):\n    return 'second'\n")
        give_up = time.monotonic() + 20
        while container.invoke()[2] != b'"second"':
            assert time.monotonic() < give_up, container.logs()
            time.sleep(0.05)
        # what the image installed in /var/task stays importable beside the mounted code
        (code / "app.py").write_text("import lucky\n\ndef handler(event, context):\n    return lucky.LOWEST\n")
        while container.invoke()[2] != b"1":
            assert time.monotonic() < give_up, container.logs()
            time.sleep(0.05)
        assert "local-server: code changed (app.py changed)" in container.logs()


def test_docker_stop_ends_the_server_cleanly(x86_images):
    container = _container(x86_images[1], "app.handler", "local")
    try:
        container.invoke((EVENTS / "s3.json").read_bytes())
        started = time.monotonic()
        docker("stop", "-t", "10", container.name)
        assert time.monotonic() - started < 5
        assert docker("inspect", container.name, "--format", "{{.State.ExitCode}}").stdout.strip() == "0"
        assert "local-server: stopping: shutting the environments down" in container.logs()
    finally:
        container.stop()


def test_unknown_emulator_is_one_clear_line(x86_images):
    result = subprocess.run(["docker", "run", "--rm", "-e", "LAMBDA_EMULATOR=sam", x86_images[1], "app.handler"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (2, "LAMBDA_EMULATOR must be rie (the default) or local, not 'sam'\n")


@pytest.mark.arm64
def test_local_server_on_arm64(arm64_images):
    with _container(arm64_images[1], "lucky.handler", "local", platform="linux/arm64", ready_timeout=120) as container:
        status, _, body = _call(container, "POST", "/lucky", b'{"name":"ada"}', {"Content-Type": "application/json"})
        assert (status, json.loads(body)["message"]) == (200, "Hi, 'ADA'. Your lucky numbers are:")
