"""16 clients against a server's defaults (issue 17): what a new user's load test sees.

Each client (a process of its own, one keep-alive connection) invokes as fast as it is answered
and notes every request's latency and status. Reported: the answers 200 per second, the p99
latency of all requests, and how many were not 200 (before issue 17, past 4 environments the
local server answered 429 at once; now a request waits for a free environment).
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from typing import Any


def _client(connection_class: Any, port: int, seconds: float, start_at: float, results: Any) -> None:
    conn = connection_class(port)
    conn.invoke()  # connected, and served once, before the clock starts
    while time.monotonic() < start_at:
        time.sleep(0.001)
    latencies, refused = [], 0
    end = start_at + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        status = conn.invoke()
        if status == 200:
            latencies.append((time.perf_counter() - started) * 1e6)
        else:
            refused += 1
    conn.close()
    results.put((latencies, refused))


def loaded(connection_class: Any, port: int, clients: int, seconds: float) -> dict[str, float]:
    """{"rps": answers 200 per second, "p99_us": their p99 latency, "refused": answers that were not 200}."""
    results: Any = multiprocessing.Queue()
    start_at = time.monotonic() + 0.5 + 0.05 * clients
    procs = [multiprocessing.Process(target=_client, args=(connection_class, port, seconds, start_at, results))
             for _ in range(clients)]
    for proc in procs:
        proc.start()
    gathered = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join()
    latencies = [value for part, _ in gathered for value in part]
    return {"rps": len(latencies) / seconds, "p99_us": statistics.quantiles(latencies, n=100)[98],
            "refused": sum(refused for _, refused in gathered)}


def line(name: str, result: dict[str, float]) -> str:
    return (f"  {name:10} {result['rps']:8.0f} requests/s answered 200, p99 {result['p99_us']:7.0f} us, "
            f"{result['refused']:.0f} not 200")
