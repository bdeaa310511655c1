"""Container tests: the images built by `make function`, run by docker-compose (pytest-docker)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kit.images import arm64_emulation
from kit.rie_process import invoke, wait_for_http, wait_until_listening

COMPOSE_FILE = Path(__file__).resolve().parent / "docker-compose.yml"


@pytest.fixture(scope="session")
def docker_compose_command():
    # Debian's docker-compose v1; pytest-docker defaults to the v2 plugin.
    return "docker-compose" if shutil.which("docker-compose") else "docker compose"


@pytest.fixture(scope="session")
def docker_compose_file():
    return str(COMPOSE_FILE)


@pytest.fixture(scope="session")
def docker_setup():
    # v1 has no --wait: readiness is polled per service below.
    return ["up -d"] if arm64_emulation() is not None else ["--profile arm64 up -d"]


@pytest.fixture(scope="session")
def docker_cleanup():
    return ["--profile arm64 down -v"]


@pytest.fixture(scope="session")
def services(images, docker_services, docker_ip):
    """url(service) -> base URL of that service, once it listens."""
    ready = {}

    def url(service: str) -> str:
        if service not in ready:
            base = f"http://{docker_ip}:{docker_services.port_for(service, 8080)}"
            if service.endswith("-local"):  # every path but its health path is a function URL request
                wait_for_http(base + "/_local/health", timeout=60)
            else:
                wait_until_listening(base, timeout=60)
            ready[service] = base
        return ready[service]

    return url


@pytest.fixture(params=["rie", "local"])
def emulator(request) -> str:
    """What serves the function in the container: AWS's RIE, or our local server."""
    return request.param


@pytest.fixture
def call(services, emulator):
    """call(service, payload, headers) -> (status, headers, body) of one invoke, under `emulator`."""
    def _call(service, payload=b"{}", headers=None):
        name = service if emulator == "rie" else f"{service}-local"
        return invoke(services(name), payload, headers, timeout=120)
    return _call
