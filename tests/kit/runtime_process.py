"""Runs a Lambda runtime (ours, or awslambdaric for comparison) as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from kit.paths import BOOTSTRAP, HANDLERS

# The interpreter running the tests is the one `python3` means for the runtime too.
PYTHON_DIR = str(Path(sys.executable).parent)


def ours(handler: str) -> list:
    return [str(BOOTSTRAP)]


def awslambdaric(handler: str) -> list:
    return [sys.executable, "-m", "awslambdaric", handler]


class RuntimeProcess:
    """A runtime process pointed at a Runtime API, with its output in files."""

    def __init__(self, address: str, handler: str, task_root, out_dir: Path,
                 command=ours, env: dict | None = None, pass_fds=()) -> None:
        self.stdout_path = out_dir / f"stdout-{time.monotonic_ns()}.log"
        self.stderr_path = self.stdout_path.with_name(self.stdout_path.name.replace("stdout", "stderr"))
        full_env = {
            "PATH": PYTHON_DIR + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_LAMBDA_RUNTIME_API": address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": str(task_root),
            "AWS_LAMBDA_FUNCTION_NAME": "test",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if command is ours:  # under coverage.py (`make test`) our runtime is measured too
            full_env.update((name, value) for name, value in os.environ.items() if name.startswith("COVERAGE_"))
        full_env.update(env or {})
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(command(handler), env=full_env, cwd=str(task_root),
                                         stdout=out, stderr=err, pass_fds=pass_fds)

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_bytes().decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_bytes().decode("utf-8", "replace")

    def wait(self, timeout: float = 20) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: the runtime exits cleanly, and coverage.py saves its data
            try:
                self.proc.wait(2)  # a function with a SIGTERM handler of its own may not exit
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def rss_kib(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")


def environment(address: str, handler: str, task_root=HANDLERS, **extra) -> dict:
    """The environment Lambda gives a runtime, for one run in this process (tests/runtime/functional)."""
    return {"AWS_LAMBDA_RUNTIME_API": address, "_HANDLER": handler, "LAMBDA_TASK_ROOT": str(task_root),
            "AWS_LAMBDA_FUNCTION_NAME": "test", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", **extra}


def run_events(command, handler: str, task_root, out_dir: Path, events: list[dict],
               env: dict | None = None) -> tuple[list, RuntimeProcess]:
    """Runs `handler` on one runtime against a fake Runtime API, one invocation per event (the
    keyword arguments of `queue_event`): (what it posted for each, the stopped process)."""
    from kit.fake_api import FakeRuntimeApi

    with FakeRuntimeApi() as api:
        process = RuntimeProcess(api.address, handler, task_root, out_dir, command=command, env=env)
        try:
            posts = []
            for i, event in enumerate(events):
                api.queue_event(request_id=f"req-{i}", **event)
                posts.append(api.next_post())
        finally:
            process.stop()
    return posts, process
