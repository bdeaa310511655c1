"""Fixtures of the local server's tests: a server in this process, on 127.0.0.1 port 0."""

import pytest
from kit.server_harness import our_runtime, runtime_environ

from local_server.config import Config
from local_server.console import MemoryConsole
from local_server.server import LocalServer


@pytest.fixture
def serve(tmp_path):
    """serve(handler, task_root=..., command=..., env=..., **config) -> a started LocalServer."""
    started = []

    def _serve(handler="cases.echo", task_root=None, command=None, env=None, **options):
        from kit.paths import HANDLERS

        values = {"host": "127.0.0.1", "port": 0, "handler": handler,
                  "task_root": str(task_root or HANDLERS), "command": command or our_runtime(),
                  "environ": runtime_environ(**(env or {})),
                  "extensions_dir": str(tmp_path / "no-extensions")}
        values.update(options)
        server = LocalServer(Config(**values), MemoryConsole()).start()
        started.append(server)
        return server

    yield _serve
    for server in started:
        server.stop()
