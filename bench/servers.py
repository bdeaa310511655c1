"""The servers bench_server.py measures: the local server of a checkout or AWS's RIE, as host processes
or in containers of a function image, and what it reads of them (readiness, memory)."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ROOT / "runtime" / "bootstrap"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, path: str, timeout: float = 10.0) -> float:
    """Seconds until an HTTP answer (any status) comes back; polled, not slept."""
    give_up = time.monotonic() + timeout
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(request)
                if s.recv(64).startswith(b"HTTP/1.1 "):
                    return time.monotonic()
        except OSError:
            pass
        if time.monotonic() > give_up:
            raise TimeoutError(f"nothing answered on port {port}")
        time.sleep(0.001)


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Container:
    """The same function in a container of IMAGE, with the RIE or the local server in front."""

    def __init__(self, kind: str, task_root: Path, image: str, max_environments: int | None) -> None:
        self.name = f"bench-server-{kind}-{os.getpid()}"
        emulator = ["-e", "LAMBDA_EMULATOR=local", "-e", "AWS_LAMBDA_FUNCTION_TIMEOUT=30"] if kind == "ours" else []
        if kind == "ours" and max_environments is not None:
            emulator += ["-e", f"LAMBDA_LOCAL_MAX_ENVIRONMENTS={max_environments}"]
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


class Server:
    def __init__(self, kind: str, task_root: Path, python: str, max_environments: int | None,
                 checkout: Path = ROOT, options: tuple[str, ...] = (), extra_env: dict | None = None) -> None:
        self.kind = kind
        self.port = free_port()
        env = dict(os.environ, _HANDLER="app.handler", LAMBDA_TASK_ROOT=str(task_root),
                   PATH=str(Path(python).parent) + os.pathsep + os.environ.get("PATH", ""), **(extra_env or {}))
        env.pop("AWS_LAMBDA_RUNTIME_API", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if kind != "rie":
            env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = "30"
            # The local server of a checkout imports the Runtime API's definition from its runtime/.
            env["PYTHONPATH"] = str(checkout / "runtime")
            maximum = ["--max-environments", str(max_environments)] if max_environments is not None else []
            command = [python, str(checkout / "local_server" / "__main__.py"), "--host", "127.0.0.1",
                       "--port", str(self.port), *maximum, *options, str(BOOTSTRAP)]
            ready_path = "/_local/health"
        else:
            arch = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
            rie = ROOT / "build" / "rie" / f"aws-lambda-rie-{arch}"
            if not rie.exists():
                subprocess.run([str(ROOT / "scripts" / "fetch-rie.sh")], check=True)
            command = [str(rie), "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
                       "--runtime-api-address", f"127.0.0.1:{free_port()}", str(BOOTSTRAP)]
            ready_path = "/ready"  # any path but the invoke path: 404 once it listens
        self.log = tempfile.TemporaryFile()
        started = time.monotonic()
        self.proc = subprocess.Popen(command, env=env, cwd=str(task_root), stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        self.ready_ms = (wait_ready(self.port, ready_path) - started) * 1000

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        self.log.close()
