"""Lambda Managed Instances (issue 8, item 5): AWS_LAMBDA_MAX_CONCURRENCY=N worker processes.

- throughput: invocations per second at N workers, ours against awslambdaric's own
  managed-instance mode (`lambda_multi_concurrent_utils`), each worker on its own
  connection to the same fake API;
- start: process start to N workers waiting on /next, and the memory of them all (sum of
  PSS over the parent and its workers, which counts pages shared copy-on-write once), for
  N inits (the default) and `LAMBDA_FORK_WORKERS_AFTER_INIT=true`, with a handler module that
  imports sizeable parts of the standard library.
"""

from __future__ import annotations

import statistics
import time

from fast_api import FastApi
from measure import Runtime, process_tree, pss_kib, start, stop

HEAVY_HANDLER = "heavy_app.handler"
FORK_AFTER_INIT = {"LAMBDA_FORK_WORKERS_AFTER_INIT": "true"}


def measure_throughput(runtime: Runtime, task_root: str, workers: int, warmup: int, n: int) -> float:
    """Invocations per second with `workers` workers: n permits released at once, n posts timed."""
    api = FastApi(workers=workers)
    proc = start(runtime, api, task_root, env={"AWS_LAMBDA_MAX_CONCURRENCY": str(workers)})
    try:
        api.wait_waiting()
        api.permits.release(warmup)
        api.wait_posts(warmup)
        api.expect_posts(warmup + n)
        begin = time.perf_counter()
        api.permits.release(n)
        api.wait_posts(warmup + n)
        return n / (time.perf_counter() - begin)
    finally:
        stop(proc)
        api.close()


def measure_start(runtime: Runtime, task_root: str, workers: int, env: dict[str, str],
                  invocations: int) -> tuple[float, int, int]:
    """(seconds from process start to `workers` waiting on /next, PSS KiB of the process tree
    then, and after `invocations` more invocations)."""
    api = FastApi(workers=workers)
    begin = time.perf_counter()
    proc = start(runtime, api, task_root, HEAVY_HANDLER, env={"AWS_LAMBDA_MAX_CONCURRENCY": str(workers), **env})
    try:
        ready = api.wait_waiting() - begin
        tree = process_tree(proc.pid)
        if len(tree) != workers + 1:
            raise RuntimeError(f"{runtime.name}: {len(tree)} processes for {workers} workers")
        pss_ready = sum(pss_kib(pid) for pid in tree)
        api.permits.release(invocations)
        api.wait_posts(invocations)
        pss_after = sum(pss_kib(pid) for pid in tree)
        return ready, pss_ready, pss_after
    finally:
        stop(proc)
        api.close()


def run_throughput(runtimes: list[Runtime], task_root: str, counts: list[int], rounds: int,
                   invocations: int) -> dict[tuple[str, int], float]:
    """Median invocations per second per (runtime name, N), runs interleaved."""
    rates: dict[tuple[str, int], list[float]] = {}
    for _ in range(rounds):
        for workers in counts:
            for r in runtimes:
                rate = measure_throughput(r, task_root, workers, warmup=max(200, 20 * workers), n=invocations)
                rates.setdefault((r.name, workers), []).append(rate)
    return {key: statistics.median(v) for key, v in rates.items()}


def run_start(variants: dict[str, tuple[Runtime, dict[str, str]]], task_root: str, counts: list[int],
              starts: int) -> dict[tuple[str, int], tuple[float, float, float]]:
    """Medians per (variant, N): (init seconds, PSS KiB when ready, PSS KiB after 20 invocations per worker)."""
    runs: dict[tuple[str, int], list[tuple[float, int, int]]] = {}
    for _ in range(starts):
        for workers in counts:
            for name, (runtime, env) in variants.items():
                runs.setdefault((name, workers), []).append(
                    measure_start(runtime, task_root, workers, env, invocations=20 * workers))
    return {key: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v),
                  statistics.median(x[2] for x in v)) for key, v in runs.items()}
