"""The Docker CLI, as a push needs it. The registry login lives in a throwaway client
config (DOCKER_CONFIG) removed when the push ends, so no credential outlives it:
not in ~/.docker/config.json, not on a command line (--password-stdin), not in a file."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

from .errors import ShipError

_DIGEST = re.compile(r"digest: (sha256:[0-9a-f]{64})")


def run(args: list[str], *, config: str | None = None, stdin: str | None = None, doing: str) -> str:
    command = ["docker", *(["--config", config] if config else []), *args]
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ShipError("the docker command is not installed: install Docker (or Docker Desktop)") from None
    if result.returncode != 0:
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()
        reason = detail[-1] if detail else f"exit status {result.returncode}"
        if "Cannot connect to the Docker daemon" in reason or "Is the docker daemon running" in reason:
            raise ShipError(f"Docker is not running ({reason}): start Docker, then retry")
        raise ShipError(f"docker failed while {doing}: {reason}")
    return result.stdout


def ensure_running() -> None:
    run(["info", "--format", "{{.ServerVersion}}"], doing="checking that Docker runs")


def architecture(image: str) -> str:
    """Docker's architecture name of a local image (amd64, arm64), or a clear error."""
    try:
        out = run(["image", "inspect", "--format", "{{.Architecture}}", image], doing=f"inspecting {image}")
    except ShipError as exc:
        if "No such image" in str(exc):
            raise ShipError(f"there is no local image {image}: build it first (make function)") from None
        raise
    return out.strip()


class Session:
    """A logged-in Docker client for one registry; `with` removes the login and the local tags."""

    def __init__(self, host: str, username: str, password: str) -> None:
        self.host = host
        self._username = username
        self._password = password
        self._config: str | None = None
        self._local_tags: list[str] = []

    def __enter__(self) -> Session:
        self._config = tempfile.mkdtemp(prefix="ship-docker-")
        try:
            run(["login", "--username", self._username, "--password-stdin", self.host], config=self._config,
                stdin=self._password, doing=f"logging in to {self.host}")
        except BaseException:
            self.__exit__()  # `with` does not call __exit__ when __enter__ fails
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for ref in self._local_tags:
            subprocess.run(["docker", "image", "rm", ref], capture_output=True, check=False)
        if self._config is not None:
            shutil.rmtree(self._config, ignore_errors=True)

    def push(self, image: str, ref: str) -> str:
        """Pushes local `image` as `ref`; returns the digest the registry stored."""
        run(["tag", image, ref], doing=f"tagging {image}")
        self._local_tags.append(ref)
        out = run(["push", ref], config=self._config, doing=f"pushing {ref}")
        found = _DIGEST.search(out)
        if not found:
            raise ShipError(f"the registry gave no digest for {ref}")
        return found.group(1)

    def manifest_list(self, ref: str, members: list[str], insecure: bool) -> str:
        """Creates and pushes a multi-architecture manifest list `ref` over pushed `members`."""
        flags = ["--insecure"] if insecure else []
        run(["manifest", "create", *flags, ref, *members], config=self._config, doing=f"creating {ref}")
        out = run(["manifest", "push", "--purge", *flags, ref], config=self._config, doing=f"pushing {ref}")
        digest = out.strip().splitlines()[-1] if out.strip() else ""
        if not digest.startswith("sha256:"):
            raise ShipError(f"the registry gave no digest for the manifest list {ref}")
        return digest
