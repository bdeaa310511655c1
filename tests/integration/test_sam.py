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
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from containers import docker
from paths import ROOT
from polling import wait_until
from rie_process import free_port

pytestmark = pytest.mark.docker

SAM = ROOT / "build" / "sam-venv" / "bin" / "sam"
TEMPLATE = ROOT / "handler" / "template.yaml"
EVENTS = ROOT / "handler" / "events"
BASE = os.environ.get("IMAGE", "lambda-python")
ARCHES = ["x86_64", pytest.param("arm64", marks=pytest.mark.arm64)]
TEXT = "text/plain; charset=utf-8"


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


@pytest.mark.parametrize("arch", ARCHES)
def test_sam_local_invoke_answers_and_the_runtime_ends_quietly(sam, arch):
    template, _ = sam.build(arch)
    result = sam.run("local", "invoke", "-t", str(template), "--parameter-overrides", f"Architecture={arch}",
                     "--skip-pull-image", "-e", str(EVENTS / "s3.json"))

    assert result.stdout == json.dumps({
        "statusCode": 200, "headers": {"content-type": TEXT},
        "body": "queued thumbnail job for holidays/beach day.jpg",  # S3's "beach+day.jpg", decoded
    })
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
