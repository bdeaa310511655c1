"""Processes under measurement: how a runtime is started and stopped, and what /proc says of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fast_api import FastApi

TICKS = os.sysconf("SC_CLK_TCK")


class Runtime:
    """A runtime under measurement: its command, and whether the handler goes on it as an argument."""

    def __init__(self, name: str, command: list[str], handler_argument: bool = False) -> None:
        self.name = name
        self.command = command
        self.handler_argument = handler_argument


def runtimes(task_root: str) -> dict[str, Runtime]:
    """awslambdaric, ours (started as in the image), and the floor (a bare socket + json loop,
    `floor.py` in the task root)."""
    return {
        "awslambdaric": Runtime("awslambdaric", [sys.executable, "-m", "awslambdaric"], handler_argument=True),
        "ours": Runtime("ours", [str(Path(task_root, "runtime", "bootstrap"))]),  # sources.write_bootstrap
        "floor": Runtime("floor", [sys.executable, str(Path(task_root, "floor.py"))]),
    }


def start(runtime: Runtime, api: FastApi, task_root: str, handler: str = "app.handler",
          env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Starts a runtime against `api`, in a session of its own (so `stop` ends its workers too)."""
    environ = {
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": api.address, "_HANDLER": handler, "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        # As AWS's image for this interpreter sets it, for both runtimes alike.
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}",
        **(env or {}),
    }
    command = runtime.command + ([handler] if runtime.handler_argument else [])
    return subprocess.Popen(command, env=environ, cwd=task_root, stdout=subprocess.DEVNULL,
                            start_new_session=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Kills the runtime and every process it started (managed-instance workers)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time of a process (all its threads), user and system."""
    try:  # nanoseconds on the CPU, where the kernel keeps scheduler statistics
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        with open(f"/proc/{pid}/stat") as f:  # clock ticks: coarser, always there
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field))


def rss_kib(pid: int) -> int:
    return _status_kib(pid, "VmRSS:")


def peak_rss_kib(pid: int) -> int:
    """The most RSS the process had (since start, or since `reset_peak_rss`)."""
    return _status_kib(pid, "VmHWM:")


def reset_peak_rss(pid: int) -> bool:
    """Resets the process's peak RSS to its current RSS (proc(5): clear_refs, 5)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def pss_kib(pid: int) -> int:
    """Proportional set size: each page shared by k processes counts 1/k in each."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Pss:"))


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        parents.setdefault(ppid, []).append(int(entry))
    tree = [pid]
    for p in tree:
        tree.extend(parents.get(p, ()))
    return tree
