"""Lambda's Shutdown phase for one environment: who gets SIGTERM, SHUTDOWN, and how long they have.

AWS "Extensions API", Shutdown phase: "0 ms - A function with no registered extensions;
500 ms - A function with a registered internal extension; 2,000 ms - A function with one or
more registered external extensions", of which the runtime gets 300 ms (500 ms if it also has
an internal extension) and the external extensions the rest, then SIGKILL. Lambda sends the
runtime SIGTERM only when an extension is registered. A reset after a timeout or a crash
kills the runtime at once and sends SHUTDOWN, with the reason, to external extensions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from .extensions_api import ExtensionsApi

INTERNAL_ONLY_BUDGET = 0.5
EXTERNAL_BUDGET = 2.0
RUNTIME_SHARE_EXTERNAL = 0.3


def group_kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the process and its group (the processes it started), and wait until it is gone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        try:
            proc.kill()
        except OSError:
            pass
    try:
        proc.wait(2)  # SIGKILL is not instant: the process ends when it is next scheduled
    except subprocess.TimeoutExpired:
        pass


def end_runtime(runtime: subprocess.Popen[bytes] | None, extensions: ExtensionsApi, reason: str) -> float:
    """Ends the runtime by the rules above; returns what is left of the budget for external extensions."""
    if runtime is None:
        return EXTERNAL_BUDGET
    if not extensions.any_registered or reason != "spindown":
        group_kill(runtime)
        return EXTERNAL_BUDGET
    external = bool(extensions.external)
    has_internal = len(extensions.external) < len(extensions.extensions)
    total = EXTERNAL_BUDGET if external else INTERNAL_ONLY_BUDGET
    share = (INTERNAL_ONLY_BUDGET if has_internal else RUNTIME_SHARE_EXTERNAL) if external else total
    started = time.monotonic()
    try:
        runtime.send_signal(signal.SIGTERM)
        runtime.wait(share)
    except (OSError, subprocess.TimeoutExpired):
        pass
    group_kill(runtime)
    return total - (time.monotonic() - started)


def end_extensions(procs: list[subprocess.Popen[bytes]], extensions: ExtensionsApi, reason: str,
                   budget: float) -> None:
    """SHUTDOWN to the external extensions that asked for it; SIGKILL at the end of the budget."""
    procs = [proc for proc in procs if proc.poll() is None]
    if procs and extensions.deliver_shutdown(reason, int(time.time() * 1000 + budget * 1000)):
        give_up = time.monotonic() + max(0.0, budget)
        for proc in procs:
            try:
                proc.wait(max(0.0, give_up - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
    for proc in procs:
        group_kill(proc)
