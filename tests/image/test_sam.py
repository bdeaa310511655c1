"""SAM CLI on our base: `sam build`, `sam local invoke` and `sam local start-api` of the example
function (handler/template.yaml), with the real SAM CLI from PyPI, offline.

SAM CLI is the one pinned in requirements-sam.txt (`make sam-venv`: build/sam-venv). It runs
offline: no telemetry (SAM_CLI_TELEMETRY=0), no update check (a SAM home of its own that
records the last check as now), no pull (`--skip-pull-image`; `sam build` never pulls, and
SAM never pulls an image function's own image). Its rapid-image build locks go to a TMPDIR of
its own: SAM 1.170 keeps them in the system's temp directory, and one left by a killed SAM
makes every later invoke of that image wait 5 minutes.
The base is IMAGE:<arch> as `make build` names it (IMAGE from the environment, as make takes
it: `make test IMAGE=lambda-python-sam`). SAM names its images after the function, never
lambda-python*: examplefunction:<arch> (`sam build`), examplefunction:rapid-<arch> (what it
builds on top, with its own RIE, for each local invoke).
Emulated (arm64 here) on a busy machine, two things take longer than SAM allows by default:
the invocation itself (the template's Timeout, 10 s, is what users deploy: the invokes here
override FunctionTimeout), and the start of the RIE in the container, which SAM does not wait
for (see INVOKE_TRIES). A failed invoke's assertion says which of the two it was.
"""

from __future__ import annotations

import json
import os
import platform
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from kit.containers import docker
from kit.paths import ROOT
from kit.polling import wait_until
from kit.rie_process import free_port

SAM = ROOT / "build" / "sam-venv" / "bin" / "sam"
TEMPLATE = ROOT / "handler" / "template.yaml"
EVENTS = ROOT / "handler" / "events"
BASE = os.environ.get("IMAGE", "lambda-python")
ARCHES = ["x86_64", pytest.param("arm64", marks=pytest.mark.arm64)]
TEXT = "text/plain; charset=utf-8"
NATIVE = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())
# Emulated arm64 runs 20-50x slower than native (docs/development.md, "Tests"), more on a busy
# machine: the example's invocation, 2 s so emulated at a load of 4 on 2 cores, gets this long.
EMULATED_TIMEOUT = 60
# SAM CLI 1.170 sends the invoke once the container's port takes a connection, which docker-proxy
# does before the RIE inside listens, and gives up after three tries within a second
# (samcli/local/docker/container.py, _make_http_request: @retry(attempts=3, delay=0.05)). An
# emulated RIE on a busy machine can take longer to start: SAM then logs GAVE_UP, prints nothing,
# and waits out the function's timeout (a non-daemon timer) before it exits. The invocation never
# reached the runtime, so it is made again, up to INVOKE_TRIES times, without that wait.
GAVE_UP = "No response from invoke container for ExampleFunction"
INVOKE_TRIES = 3


def timeout_override(arch: str) -> list[str]:
    """The parameter overrides that give `arch`'s invocations the time they need here."""
    return [] if arch == NATIVE else [f"FunctionTimeout={EMULATED_TIMEOUT}"]


def never_reached_the_function(stderr: str) -> bool:
    """SAM gave up on the RIE before the invocation started (no START line in the container's log)."""
    log = stderr.splitlines()
    return GAVE_UP in log and not any(line.startswith("START RequestId: ") for line in log)


def why_no_answer(result: subprocess.CompletedProcess) -> str:
    """What `sam local invoke` printed, for an assertion on its answer: why there is no answer
    first (SAM's timeout line; or that the invocation never reached the function), then its log."""
    reasons = [line for line in result.stderr.splitlines()
               if re.search(r"Function '[^']*' timed out after \d+ seconds", line)]
    if never_reached_the_function(result.stderr):
        reasons.append(f"{GAVE_UP} and no START line, {INVOKE_TRIES} times: SAM gave up before the RIE in the "
                       "container listened")
    return "\n".join([*reasons, f"sam local invoke answered {result.stdout!r}; its log:", result.stderr])


class Sam:
    """The SAM CLI in a home of its own; `sam build` once per architecture."""

    def __init__(self, home: Path) -> None:
        (home / ".aws-sam").mkdir(parents=True)
        (home / ".aws-sam" / "metadata.json").write_text(
            json.dumps({"telemetryEnabled": False, "lastVersionCheck": time.time()}))
        (home / "tmp").mkdir()
        self.home = home
        self.env = dict(os.environ, HOME=str(home), SAM_CLI_TELEMETRY="0", TMPDIR=str(home / "tmp"))
        self.builds: dict[str, tuple[Path, subprocess.CompletedProcess]] = {}

    def command(self, *args: str) -> list[str]:
        return [str(SAM), *args]

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        result = subprocess.run(self.command(*args), cwd=self.home, env=self.env, capture_output=True,
                                text=True, timeout=timeout, check=False)
        assert result.returncode == 0, f"sam {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
        return result

    def invoke(self, *args: str) -> subprocess.CompletedProcess:
        """`sam local invoke ARGS`, made again while it never reached the function (INVOKE_TRIES)."""
        for _ in range(INVOKE_TRIES):
            result = self._invoke_once(args)
            if not never_reached_the_function(result.stderr):
                assert result.returncode == 0, f"sam local invoke exited {result.returncode}:\n{result.stderr}"
                break
        return result

    def _invoke_once(self, args: tuple[str, ...]) -> subprocess.CompletedProcess:
        """One `sam local invoke`, stopped once it has given up on the RIE (it would only wait then)."""
        out, err = self.home / "invoke.out", self.home / "invoke.err"
        with open(out, "w") as stdout, open(err, "w") as stderr:
            process = subprocess.Popen(self.command("local", "invoke", *args), cwd=self.home, env=self.env,
                                       stdout=stdout, stderr=stderr)
        try:
            wait_until(lambda: process.poll() is not None or never_reached_the_function(err.read_text()),
                       "sam local invoke", timeout=300, every=0.05)
        finally:
            if process.poll() is None:  # it gave up (its container is stopped already), or the wait failed
                process.terminate()
                process.wait(timeout=30)
        return subprocess.CompletedProcess(process.args, process.returncode, out.read_text(), err.read_text())

    def build(self, arch: str) -> tuple[Path, subprocess.CompletedProcess]:
        """(the built template, sam build's output) for `arch`."""
        if arch not in self.builds:
            build_dir = self.home / f"build-{arch}"
            result = self.run("build", "-t", str(TEMPLATE), "--build-dir", str(build_dir),
                              "--parameter-overrides", f"Architecture={arch}", f"BaseImage={BASE}")
            self.builds[arch] = build_dir / "template.yaml", result
        return self.builds[arch]


@pytest.fixture(scope="module")
def sam(images, tmp_path_factory) -> Sam:
    subprocess.run(["make", "-s", "-C", str(ROOT), "sam-venv"], check=True)
    return Sam(tmp_path_factory.mktemp("sam-home"))


def inspect(image: str) -> dict:
    return json.loads(docker("image", "inspect", image).stdout)[0]


@pytest.mark.docker
@pytest.mark.parametrize("arch", ARCHES)
def test_sam_build_makes_the_function_image_from_our_local_base(sam, arch):
    template, result = sam.build(arch)
    base, function = inspect(f"{BASE}:{arch}"), inspect(f"examplefunction:{arch}")

    # FROM resolved to the local base image (docker prints its id), nothing pulled.
    log = result.stderr.splitlines()
    from_step = [re.fullmatch(r"Step \d+/\d+ : FROM \$\{BASE\}", line) is not None for line in log].index(True)
    assert log[from_step + 1] == f" ---> {base['Id'].removeprefix('sha256:')[:12]}"
    assert f"Successfully tagged examplefunction:{arch}" in log
    assert "Build Succeeded" in result.stdout.splitlines()
    assert f"      ImageUri: examplefunction:{arch}" in template.read_text().splitlines()

    assert function["Architecture"] == base["Architecture"] == {"x86_64": "amd64", "arm64": "arm64"}[arch]
    assert function["RootFS"]["Layers"][:len(base["RootFS"]["Layers"])] == base["RootFS"]["Layers"]
    assert function["Config"]["Entrypoint"] == base["Config"]["Entrypoint"] == ["/lambda-entrypoint.sh"]
    assert function["Config"]["Cmd"] == ["app.handler"]


@pytest.mark.docker
@pytest.mark.parametrize("arch", ARCHES)
def test_sam_local_invoke_answers_and_the_runtime_ends_quietly(sam, arch):
    template, _ = sam.build(arch)
    result = sam.invoke("-t", str(template), "--parameter-overrides", f"Architecture={arch}",
                        *timeout_override(arch), "--skip-pull-image", "-e", str(EVENTS / "s3.json"))

    assert result.stdout == json.dumps({
        "statusCode": 200, "headers": {"content-type": TEXT},
        "body": "queued thumbnail job for holidays/beach day.jpg",  # S3's "beach+day.jpg", decoded
    }), why_no_answer(result)
    # After the invocation SAM stops the container: the API goes away while the runtime waits
    # for work, and the runtime ends without a word (it used to say "lambda-runtime: lost the
    # Runtime API at 127.0.0.1:9001: cannot reconnect: [Errno 111] Connection refused").
    # The container's output is all there: the RIE's lines, to the last.
    log = result.stderr.splitlines()
    container = log[[line.startswith("SAM_CONTAINER_ID: ") for line in log].index(True) + 1:]
    end, report = [line for line in container if line.strip() and not line.startswith("START RequestId: ")]
    assert re.fullmatch(r"END RequestId: [0-9a-f-]{36}", end), result.stderr
    assert report.startswith(f"REPORT RequestId: {end.split()[-1]}\tInit Duration: "), result.stderr
    assert not [line for line in log if line.startswith("lambda-runtime:")]


def request(url: str, method: str, body: bytes | None = None) -> tuple[int, str, bytes]:
    """(status, content type, body) of one HTTP request."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, method=method), timeout=60) as reply:
            return reply.status, reply.headers["Content-Type"], reply.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["Content-Type"], error.read()


@pytest.mark.docker
def test_sam_local_start_api_serves_the_lucky_numbers_and_echoes_the_rest(sam, tmp_path):
    template, _ = sam.build("x86_64")
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "start-api.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(sam.command("local", "start-api", "-t", str(template), "--skip-pull-image",
                                              "--port", str(port)),
                                  cwd=sam.home, env=sam.env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        def listening() -> bool:
            # Every path is a route (the $default catch-all): any request would invoke the
            # function, so readiness is the port accepting a connection.
            assert server.poll() is None, f"sam local start-api exited {server.returncode}:\n{log_path.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                return False
            return True

        wait_until(listening, f"sam local start-api on port {port}", timeout=60, every=0.05)

        status, content_type, body = request(f"{api}/lucky", "POST", b'{"name": "ada"}')
        assert (status, content_type) == (200, "application/json")
        answer = json.loads(body)
        assert list(answer) == ["message", "numbers"]
        assert answer["message"] == "Hi, 'ADA'. Your lucky numbers are:"
        numbers = answer["numbers"]
        assert len(numbers) == 6
        assert numbers == sorted(set(numbers))
        assert all(type(n) is int and 1 <= n <= 41 for n in numbers)

        assert request(f"{api}/hello", "GET") == (200, TEXT, b"HTTP 200 -- echoed GET /hello")
        assert request(f"{api}/", "GET") == (200, TEXT, b"HTTP 200 -- echoed GET /")
        assert request(f"{api}/lucky", "POST", b"lucky?") == (400, "application/json", json.dumps(
            {"message": 'the body is not JSON (Expecting value: line 1 column 1 (char 0)). '
                        'Send a JSON body like {"name": "Ada", "count": 6}'}).encode())

        server.send_signal(signal.SIGINT)  # Ctrl-C
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:  # something above failed: stop it all the same, as cleanly
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    output = log_path.read_text().splitlines()
    assert f"Mounting ExampleFunction at {api}/lucky [POST]" in output
    assert f"Mounting ExampleFunction at {api}$default [X-AMAZON-APIGATEWAY-ANY-METHOD]" in output
    assert len([line for line in output if line.startswith("END RequestId: ")]) == 4
    assert not [line for line in output if line.startswith("lambda-runtime:")]



# What SAM CLI 1.170 printed here (2026-12-04) for the example on arm64, emulated: the invocation
# stopped by its timer (FunctionTimeout=1), and one that never reached the function (at a load
# of 7 on 2 cores: SAM gave up on the RIE, then waited out FunctionTimeout=120).
TIMED_OUT = """No current session found, using default AWS::AccountId
Invoking Container created from examplefunction:arm64
Building image.................
Requested to skip pulling images ...

SAM_CONTAINER_ID: f423637664040dad79dc49bef347b797acb0faef611578d1a00374efac84106a
START RequestId: 3881e29d-bb02-40ee-bf40-9746c8cfc9ea Version: $LATEST
Function 'ExampleFunction' timed out after 1 seconds
No response from invoke container for ExampleFunction
"""
NEVER_REACHED = """No current session found, using default AWS::AccountId
Invoking Container created from examplefunction:arm64
Local image was not found.
Removing rapid images for repo examplefunction
Building image..................
Requested to skip pulling images ...

SAM_CONTAINER_ID: ff4815a070ef255bf09416b93d48043ca774e941edc7fafba4c6521bda0b6977
No response from invoke container for ExampleFunction
Function 'ExampleFunction' timed out after 120 seconds
"""


def test_a_failed_invoke_says_why_first():
    timed_out = subprocess.CompletedProcess(["sam"], 0, stdout="", stderr=TIMED_OUT)
    assert not never_reached_the_function(TIMED_OUT)
    assert why_no_answer(timed_out) == "\n".join([
        "Function 'ExampleFunction' timed out after 1 seconds", "sam local invoke answered ''; its log:", TIMED_OUT])

    never_reached = subprocess.CompletedProcess(["sam"], 0, stdout="", stderr=NEVER_REACHED)
    assert never_reached_the_function(NEVER_REACHED)
    assert why_no_answer(never_reached).splitlines()[:3] == [
        "Function 'ExampleFunction' timed out after 120 seconds",
        "No response from invoke container for ExampleFunction and no START line, 3 times: SAM gave up before "
        "the RIE in the container listened",
        "sam local invoke answered ''; its log:"]

    answered = subprocess.CompletedProcess(["sam"], 0, stdout="{}", stderr="END RequestId: x\n")
    assert why_no_answer(answered) == "sam local invoke answered '{}'; its log:\nEND RequestId: x\n"


def test_emulated_invokes_get_more_time_and_deployments_keep_the_templates_timeout():
    template = TEMPLATE.read_text()
    parameter = re.search(r"^  FunctionTimeout:\n((?:    .*\n)+)", template, re.MULTILINE)
    assert parameter and parameter[1].startswith("    Type: Number\n    Default: 10\n")  # what `sam deploy` gives
    assert "      Timeout: !Ref FunctionTimeout\n" in template
    assert timeout_override(NATIVE) == []
    other = {"x86_64": "arm64", "arm64": "x86_64"}[NATIVE]
    assert timeout_override(other) == ["FunctionTimeout=60"]
