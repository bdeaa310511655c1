"""The local server's warm latency with one external extension subscribed to the Telemetry API
(subscriber_extension.py), beside the figure without (issue 16: at most 0.5 ms more at p50).

Measured twice: the extension registered for SHUTDOWN only, which is what telemetry itself costs
(records built for every invocation, 25 ms batches POSTed to the extension's listener, which
parses them), the figure held to the target; and registered for INVOKE too, for information:
there the extension's own round trip at each invocation (its INVOKE event, its next event/next)
shares the machine's cores with the runtime and the client, as it would on Lambda.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET_US = 500.0
VARIANTS = (("subscribed", "SHUTDOWN"), ("subscribed, INVOKE too", "INVOKE,SHUTDOWN"))


def measure(start: Callable[[list[str], dict[str, str]], Any], latency: Callable[[int, int], list[float]],
            python: str, invokes: int) -> dict[str, dict[str, float]]:
    """{variant: {"p50_us", "p99_us"}}; `start(options, env)` starts a local server (stopped by .stop())."""
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "subscriber")
        path.write_text(f"#!{python}\n" + (HERE / "subscriber_extension.py").read_text())
        os.chmod(path, 0o755)
        for name, events in VARIANTS:
            server = start(["--extensions-dir", folder], {"BENCH_EXTENSION_EVENTS": events})
            try:
                times = latency(server.port, invokes)
            finally:
                server.stop()
            results[name] = {"p50_us": statistics.median(times), "p99_us": statistics.quantiles(times, n=100)[98]}
    return results


def report(ours: dict[str, float], results: dict[str, dict[str, float]]) -> list[str]:
    """Prints the rows; returns the targets missed."""
    extra = results["subscribed"]["p50_us"] - ours["p50_us"]
    print("\nwith one extension subscribed to the Telemetry API (platform and function records, 25 ms batches):")
    print(f"{'':34}{'without':>12}{'with':>12}   target")
    print(f"{'warm invoke latency p50':34}{ours['p50_us']:>9.0f} us{results['subscribed']['p50_us']:>9.0f} us"
          f"   <= +{TARGET_US:.0f} us (+{extra:.0f} us)")
    print(f"{'warm invoke latency p99':34}{ours['p99_us']:>9.0f} us{results['subscribed']['p99_us']:>9.0f} us")
    invoke_too = results["subscribed, INVOKE too"]
    print(f"  the extension registered for INVOKE too (its own round trip each invocation): "
          f"p50 {invoke_too['p50_us']:.0f} us, p99 {invoke_too['p99_us']:.0f} us")
    return [] if extra <= TARGET_US else [f"at most {TARGET_US / 1000:.1f} ms more with a subscribed extension"]
