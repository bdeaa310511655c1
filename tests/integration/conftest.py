"""Container tests: the images built by `make function`, run by docker-compose (pytest-docker)."""

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from paths import ROOT
from rie_process import invoke, wait_until_listening

COMPOSE_FILE = Path(__file__).resolve().parent / "docker-compose.yml"


def _engine_or_skip() -> None:
    """Starts an engine where possible; only where none can be started are these tests skipped."""
    result = subprocess.run([str(ROOT / "scripts" / "ensure-docker.sh")], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = f"NO DOCKER ENGINE: every container test is SKIPPED. {result.stderr.strip()}"
        warnings.warn(message, pytest.PytestWarning, stacklevel=1)
        pytest.skip(message)


@pytest.fixture(scope="session")
def images():
    """The base and example images for both architectures (cheap when already built)."""
    _engine_or_skip()
    for arch in ("x86_64", "arm64"):
        subprocess.run(["make", "-s", "-C", str(ROOT), "function", f"ARCH={arch}"], check=True)


@pytest.fixture(scope="session")
def docker_compose_command():
    # Debian's docker-compose v1; pytest-docker defaults to the v2 plugin.
    return "docker-compose" if shutil.which("docker-compose") else "docker compose"


@pytest.fixture(scope="session")
def docker_compose_file():
    return str(COMPOSE_FILE)


@pytest.fixture(scope="session")
def docker_setup():
    return ["up -d"]  # v1 has no --wait: readiness is polled per service below


@pytest.fixture(scope="session")
def services(images, docker_services, docker_ip):
    """url(service) -> base URL of that service's RIE, once it listens."""
    ready = {}

    def url(service: str) -> str:
        if service not in ready:
            base = f"http://{docker_ip}:{docker_services.port_for(service, 8080)}"
            wait_until_listening(base, timeout=60)
            ready[service] = base
        return ready[service]

    return url


@pytest.fixture
def call(services):
    """call(service, payload, headers) -> (status, headers, body) of one invoke."""
    def _call(service, payload=b"{}", headers=None):
        return invoke(services(service), payload, headers, timeout=120)
    return _call
