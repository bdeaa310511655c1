"""AWS's Runtime Interface Emulator on the host, running a runtime: a peer we did not write."""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from kit.paths import ROOT
from kit.polling import wait_until

INVOKE_PATH = "/2015-03-31/functions/function/invocations"


def rie_binary() -> Path:
    """The pinned RIE for this machine, fetched and verified by scripts/fetch-rie.sh if missing."""
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    path = ROOT / "build" / "rie" / f"aws-lambda-rie-{arch}"
    if not path.exists():
        subprocess.run([str(ROOT / "scripts" / "fetch-rie.sh")], check=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 20.0) -> None:
    """Polls `url` until an HTTP server answers it, whatever the status."""
    def answers() -> bool:
        try:
            urllib.request.urlopen(url, timeout=1).close()
        except urllib.error.HTTPError:
            pass  # an HTTP answer: the server is serving
        except OSError:  # refused, or reset by docker-proxy before the container listens
            return False
        return True

    wait_until(answers, f"an HTTP server at {url}", timeout, every=0.02)


def wait_until_listening(base_url: str, timeout: float = 20.0) -> None:
    """Polls a path other than the invoke path (which invokes on any method): 404 once the RIE listens."""
    wait_for_http(base_url + "/ready", timeout)


def invoke(base_url: str, payload: bytes, headers: dict | None = None, timeout: float = 30.0):
    """(status, headers, body) of one invoke; the headers' names are matched without case."""
    request = urllib.request.Request(base_url + INVOKE_PATH, data=payload, headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class RieProcess:
    def __init__(self, command: list, handler: str, task_root, log_path: Path, env: dict | None = None) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        full_env = dict(os.environ, _HANDLER=handler, LAMBDA_TASK_ROOT=str(task_root), **(env or {}))
        full_env.pop("AWS_LAMBDA_RUNTIME_API", None)
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [str(rie_binary()), "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
                 "--runtime-api-address", f"127.0.0.1:{free_port()}", *command],
                env=full_env, cwd=str(task_root), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until_listening(self.base_url)

    def invoke(self, payload: bytes, headers: dict | None = None):
        return invoke(self.base_url, payload, headers)

    @property
    def log(self) -> str:
        return self.log_path.read_bytes().decode("utf-8", "replace")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the runtime exits cleanly: coverage.py saves its data
            self.proc.wait(10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
