"""Function images built and run by the tests themselves, with a real Docker engine.

For what the compose file cannot express: images built from a test's own Dockerfile, and
containers with mounts or settings made up at test time.
"""

from __future__ import annotations

import subprocess
import uuid
import warnings
from pathlib import Path

import pytest

from kit.paths import ROOT
from kit.rie_process import invoke, wait_for_http, wait_until_listening

BUILD = ROOT / "scripts" / "docker-build.sh"


def engine_or_skip() -> None:
    """Starts an engine where possible; only where none can be started are the tests skipped, loudly."""
    result = subprocess.run([str(ROOT / "scripts" / "ensure-docker.sh")], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = f"NO DOCKER ENGINE: every container test is SKIPPED. {result.stderr.strip()}"
        warnings.warn(message, pytest.PytestWarning, stacklevel=1)
        pytest.skip(message)


def build_image(context: Path, dockerfile: str, tag: str, platform: str = "linux/amd64") -> str:
    """Builds `dockerfile` (its text) with `context` as the build context; returns the tag."""
    (context / "Dockerfile").write_text(dockerfile)
    subprocess.run([str(BUILD), "--platform", platform, "-t", tag, str(context)], check=True)
    return tag


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode:
        raise RuntimeError(f"docker {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
    return result


class FunctionContainer:
    """`docker run -d -p 127.0.0.1::8080 IMAGE [HANDLER]`, invoked over HTTP, removed on exit."""

    def __init__(self, image: str, *command: str, env: dict | None = None, options: tuple = (),
                 platform: str = "linux/amd64", ready_timeout: float = 60, ready_path: str | None = None) -> None:
        self.name = f"lambda-python-test-{uuid.uuid4().hex[:12]}"
        env_args = [arg for name, value in (env or {}).items() for arg in ("-e", f"{name}={value}")]
        run = ("run", "-d", "--name", self.name, "--platform", platform, "-p", "127.0.0.1::8080",
               *env_args, *options, image, *command)
        for _ in range(5):
            started = docker(*run, check=False)
            # Docker picks the host port from the same ephemeral range the tests' own
            # servers bind port 0 in: on a collision, ask again for another port.
            if "address already in use" not in started.stderr:
                break
            docker("rm", "-f", self.name, check=False)
        if started.returncode:
            raise RuntimeError(f"docker run {image} exited {started.returncode}: {started.stderr.strip()}")
        port = docker("port", self.name, "8080/tcp").stdout.split("\n")[0].rsplit(":", 1)[1]
        self.url = f"http://127.0.0.1:{port}"
        try:
            # ready_path: one that answers without invoking (the local server's health path);
            # by default a path the RIE answers 404.
            if ready_path:
                wait_for_http(self.url + ready_path, timeout=ready_timeout)
            else:
                wait_until_listening(self.url, timeout=ready_timeout)
        except TimeoutError:
            self.stop()
            raise

    def invoke(self, payload: bytes = b"{}", headers: dict | None = None, timeout: float = 120):
        """(status, headers, body) of one invoke."""
        return invoke(self.url, payload, headers, timeout=timeout)

    def logs(self) -> str:
        result = docker("logs", self.name, check=False)
        return result.stdout + result.stderr

    def stop(self) -> None:
        docker("rm", "-f", self.name, check=False)

    def __enter__(self) -> FunctionContainer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
