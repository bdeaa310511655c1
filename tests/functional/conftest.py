"""The runtime as a real process against the in-process fake Runtime API."""

import pytest
from fake_api import FakeRuntimeApi
from paths import HANDLERS
from runtime_process import RuntimeProcess, ours


@pytest.fixture
def api():
    with FakeRuntimeApi() as fake:
        yield fake


@pytest.fixture
def start(api, tmp_path):
    """start(handler, env=..., task_root=...) -> a running RuntimeProcess, killed at the end."""
    started = []

    def _start(handler, env=None, task_root=HANDLERS, command=ours, address=None, pass_fds=()):
        process = RuntimeProcess(address or api.address, handler, task_root, tmp_path, command=command,
                                 env=env, pass_fds=pass_fds)
        started.append(process)
        return process

    yield _start
    for process in started:
        process.stop()
