"""Streamed responses: 200 MiB in 64 KiB chunks, ours against a raw-socket floor (issue 8, item 1).

The fake API times each streamed POST from its head to its last chunk; the runtime's peak
RSS is taken over that stream alone (its high-water mark reset just before).
"""

from __future__ import annotations

import json
import statistics

from fast_api import FastApi, StreamedResponse
from measure import Runtime, cpu_seconds, peak_rss_kib, reset_peak_rss, rss_kib, start, stop
from sources import STREAM_CHUNK

STREAM_BYTES = 200 * 1024 * 1024  # Lambda's limit for a streamed response ("200 MB")
WARMUP_BYTES = 8 * 1024 * 1024


class StreamRun:
    """One 200 MiB stream: MiB/s, CPU seconds of the process, RSS before and peak RSS during (KiB)."""

    def __init__(self, mib_per_s: float, cpu: float, rss_before: int, peak_rss: int) -> None:
        self.mib_per_s = mib_per_s
        self.cpu = cpu
        self.rss_before = rss_before
        self.peak_rss = peak_rss


def _checked(runtime: Runtime, stream: StreamedResponse, size: int) -> StreamedResponse:
    if stream.size != size or stream.trailers:
        raise RuntimeError(f"{runtime.name} streamed {stream.size} of {size} bytes, trailers {stream.trailers!r}")
    return stream


def measure_stream(runtime: Runtime, task_root: str, handler: str = "stream_app.handler") -> StreamRun:
    api = FastApi(event=json.dumps({"chunks": WARMUP_BYTES // STREAM_CHUNK}).encode())
    proc = start(runtime, api, task_root, handler)
    try:
        api.permits.release()  # a first, smaller stream: what the first stream imports is init's
        _checked(runtime, api.wait_stream(1), WARMUP_BYTES)
        api.set_event(json.dumps({"chunks": STREAM_BYTES // STREAM_CHUNK}).encode())
        rss_before = rss_kib(proc.pid)
        reset_peak_rss(proc.pid)
        cpu_before = cpu_seconds(proc.pid)
        api.permits.release()
        stream = _checked(runtime, api.wait_stream(2), STREAM_BYTES)
        cpu = cpu_seconds(proc.pid) - cpu_before
        return StreamRun(STREAM_BYTES / 2**20 / stream.seconds, cpu, rss_before, peak_rss_kib(proc.pid))
    finally:
        stop(proc)
        api.close()


def run(ours: Runtime, floor: Runtime, task_root: str, rounds: int) -> dict[str, StreamRun]:
    """For "ours" and "floor", over `rounds` interleaved runs: the median MiB/s and CPU, and the
    RSS before and peak RSS of the run whose RSS grew most during its stream."""
    runs: dict[str, list[StreamRun]] = {"ours": [], "floor": []}
    for _ in range(rounds):
        for name, runtime in (("ours", ours), ("floor", floor)):
            runs[name].append(measure_stream(runtime, task_root))
    result = {}
    for name, v in runs.items():
        worst = max(v, key=lambda r: r.peak_rss - r.rss_before)
        result[name] = StreamRun(statistics.median(r.mib_per_s for r in v), statistics.median(r.cpu for r in v),
                                 worst.rss_before, worst.peak_rss)
    return result
