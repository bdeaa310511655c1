"""Both servers of bench_server.py inside a function image (`make function`), through Docker's
port mapping as a user calls them: `bench_server.py --containers IMAGE`."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path


class Container:
    """The same function in a container of IMAGE, with the RIE or the local server in front;
    `wait_ready(port, path, timeout)` returns once the server answers."""

    def __init__(self, kind: str, task_root: Path, image: str, max_environments: int,
                 wait_ready: Callable[..., float]) -> None:
        self.name = f"bench-server-{kind}-{os.getpid()}"
        emulator = ["-e", "LAMBDA_EMULATOR=local", "-e", f"LAMBDA_LOCAL_MAX_ENVIRONMENTS={max_environments}",
                    "-e", "AWS_LAMBDA_FUNCTION_TIMEOUT=30"] if kind == "ours" else []
        subprocess.run(["docker", "run", "-d", "--name", self.name, "-p", "127.0.0.1::8080",
                        "-v", f"{task_root}:/var/task:ro", *emulator, image, "app.handler"],
                       check=True, capture_output=True)
        mapped = subprocess.run(["docker", "port", self.name, "8080/tcp"], check=True, capture_output=True,
                                text=True).stdout.split("\n")[0]
        self.port = int(mapped.rsplit(":", 1)[1])
        wait_ready(self.port, "/_local/health" if kind == "ours" else "/ready", timeout=60)
        self.ready_ms = float("nan")
        pid = subprocess.run(["docker", "inspect", "--format", "{{.State.Pid}}", self.name], check=True,
                             capture_output=True, text=True).stdout.strip()
        self.proc = type("Process", (), {"pid": int(pid)})  # the server: the container's first process

    def stop(self) -> None:
        subprocess.run(["docker", "rm", "-f", self.name], check=False, capture_output=True)
