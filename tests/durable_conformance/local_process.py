"""A local server for a group of requirements, as a process of its own: every function of the
group served from the handlers folder, durable, its output kept for the Logs stand-in."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from typing import IO

from stand_ins import LogStore

# The settings of every function, as AWS's conformance template gives its functions: JSON logs
# at INFO (`LoggingConfig`), a durable configuration; the function timeout bounds the wait of a
# synchronous invoke ("limited to 15 minutes, or less if the function timeout ... is lower").
FUNCTION_ENVIRONMENT = {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO",
                        "AWS_LAMBDA_FUNCTION_TIMEOUT": "120", "AWS_REGION": "us-east-1",
                        "AWS_DEFAULT_REGION": "us-east-1"}
DURABLE_CONFIG = {"ExecutionTimeout": 86_400, "RetentionPeriodInDays": 1}


class LocalServer:
    def __init__(self, command: list[str], runtime: str, handlers: str, functions: dict[str, str],
                 time_scale: float, log: IO[str] | None = None) -> None:
        self.command, self.runtime, self.handlers = command, runtime, handlers
        self.functions = functions
        self.time_scale = time_scale
        self.log = log  # a copy of everything the server writes
        self.logs = LogStore()
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.state = tempfile.TemporaryDirectory(prefix="conformance-state-")

    def __enter__(self) -> LocalServer:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        (main, handler), *more = self.functions.items()
        # The validation's own packages (PYTHONPATH) are not the functions' business.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(FUNCTION_ENVIRONMENT, AWS_LAMBDA_FUNCTION_NAME=main,
                   LAMBDA_LOCAL_FUNCTIONS=",".join(f"{name}={h}" for name, h in more))
        argv = [*self.command, "--host", "127.0.0.1", "--port", str(self.port), "--handler", handler,
                "--task-root", self.handlers, "--durable-config", json.dumps(DURABLE_CONFIG),
                "--durable-time-scale", str(self.time_scale), "--state-dir", self.state.name, self.runtime]
        self.process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.process.stdout is not None and self.process.stderr is not None
        self.logs.follow(self.process.stdout, self.log)
        self.logs.follow(self.process.stderr, self.log)
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the local server exited ({self.process.returncode}): "
                                   + "\n".join(line for _, line in self.logs.snapshot()[-20:]))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/_local/health")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the local server did not answer on port {self.port} within {timeout} s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.state.cleanup()
