"""The runtime against the in-process fake Runtime API: as a real process, or in this one."""

import logging
import signal
import sys

import pytest
from kit.fake_api import FakeRuntimeApi
from kit.paths import HANDLERS
from kit.runtime_process import RuntimeProcess, environment, ours
from lambda_runtime.api_client import RuntimeApiClient
from lambda_runtime.config import Config
from lambda_runtime.loop import Runtime
from lambda_runtime.request_context import current_request


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


@pytest.fixture
def isolated(tmp_path):
    """Puts back what Runtime.init changes for the whole process, so no test leaks into the next."""
    root = logging.getLogger()
    path, meta_path, modules = list(sys.path), list(sys.meta_path), set(sys.modules)
    level, converter = root.level, logging.Formatter.converter
    token = current_request.set(("", None))
    sigterm = signal.getsignal(signal.SIGTERM)  # main() installs the runtime's own
    yield tmp_path
    signal.signal(signal.SIGTERM, sigterm)
    sys.path[:] = path
    sys.meta_path[:] = meta_path
    for name in set(sys.modules) - modules:  # the user's modules only: the standard library stays
        if (getattr(sys.modules[name], "__file__", None) or "").startswith((str(HANDLERS), str(tmp_path))):
            del sys.modules[name]
    for handler in root.handlers[:]:
        if type(handler).__name__.startswith("LambdaLoggerHandler"):
            root.removeHandler(handler)
    root.setLevel(level)
    logging.Formatter.converter = converter
    current_request.reset(token)


@pytest.fixture
def make_runtime(api, isolated):
    """make_runtime(handler, task_root=..., environ=...) -> a Runtime with a real client for `api`."""
    clients = []

    def _make(handler, task_root=HANDLERS, environ=None, address=None):
        if environ is None:
            environ = environment(address or api.address, handler, task_root)
        client = RuntimeApiClient(environ["AWS_LAMBDA_RUNTIME_API"])
        clients.append(client)
        return Runtime(Config(environ), client, environ)

    yield _make
    for client in clients:
        client.close()
