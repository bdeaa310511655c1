"""Benchmark: our runtime against awslambdaric, in one run, on one interpreter, one fast fake API.

Measures, for each runtime (and for the floor, a bare socket + json loop):
- init: process start to the first `GET /next` (median of several starts);
- warm: CPU time of the runtime process per invocation, and wall time per invocation;
- memory: resident set size after the warm invocations.
Prints each figure and its ratio to awslambdaric, with the target from issue 2.

Then the features of issue 8 (fast_api.py, measure.py; one module per section):
- streaming.py: a 200 MiB streamed response in 64 KiB chunks, MiB/s against a raw-socket
  floor, and the runtime's peak RSS during the stream;
- async_handler.py: an `async def` handler's CPU per invocation next to the sync one's;
- managed.py: invocations per second at AWS_LAMBDA_MAX_CONCURRENCY = 1, 4, 16 against
  awslambdaric's managed-instance mode; and at N = 4, 16, the time to N workers waiting and
  their memory (PSS), N inits against LAMBDA_FORK_WORKERS_AFTER_INIT=true;
- sigterm.py: what LAMBDA_ENABLE_SIGTERM=true costs at init (time, RSS).
Exits 1 if a target is missed.

Run: `make bench` (or `python bench/bench.py` with awslambdaric installed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import async_handler
import baseline
import managed
import sigterm
import streaming
from measure import Runtime, runtimes
from sources import write_task_root

THROUGHPUT_COUNTS = [1, 4, 16]
START_COUNTS = [4, 16]


class Check:
    """A target: `measured` against `target`, with `at_most` saying which side passes."""

    def __init__(self, label: str, measured: float, target: float, at_most: bool, unit: str = "x") -> None:
        self.label = label
        self.measured = measured
        self.target = target
        self.at_most = at_most
        self.unit = unit

    @property
    def ok(self) -> bool:
        return self.measured <= self.target if self.at_most else self.measured >= self.target

    def line(self) -> str:
        measured = f"{self.measured:.2f}x" if self.unit == "x" else f"{self.measured:.1f} {self.unit}"
        target = ("<= " if self.at_most else ">= ") + (
            format(self.target, ".2f") if self.unit == "x" else f"{self.target:g} {self.unit}")
        return f"{self.label:34}{measured:>10}{target:>14}  {'ok' if self.ok else 'MISSED'}"


def row(label: str, values: list[float], width: int = 12, first: int = 14, fmt: str = ".1f") -> str:
    return f"{label:34}" + "".join(f"{v:>{first if i == 0 else width}{fmt}}" for i, v in enumerate(values))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--starts", type=int, default=21, help="process starts per runtime for init")
    parser.add_argument("--invocations", type=int, default=3000, help="warm invocations per round")
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds per runtime")
    parser.add_argument("--stream-rounds", type=int, default=5, help="200 MiB streams per runtime")
    parser.add_argument("--mi-invocations", type=int, default=6000,
                        help="invocations timed per managed-instance run")
    parser.add_argument("--mi-rounds", type=int, default=3, help="managed-instance runs per runtime and N")
    parser.add_argument("--worker-starts", type=int, default=5, help="starts per variant and N of the workers")
    parser.add_argument("--sigterm-starts", type=int, default=21, help="starts with and without SIGTERM")
    args = parser.parse_args()

    import awslambdaric

    with tempfile.TemporaryDirectory() as task_root:
        write_task_root(task_root)
        found = runtimes(task_root)
        ours, ric = found["ours"], found["awslambdaric"]
        base = baseline.run(list(found.values()), task_root, args.starts, args.rounds, args.invocations)
        stream_floor = Runtime("floor", [sys.executable, str(Path(task_root, "floor_stream.py"))])
        streams = streaming.run(ours, stream_floor, task_root, args.stream_rounds)
        async_cpu = async_handler.run(ours, task_root, args.rounds, args.invocations)
        rates = managed.run_throughput([ric, ours], task_root, THROUGHPUT_COUNTS, args.mi_rounds,
                                       args.mi_invocations)
        worker_starts = managed.run_start(
            {"awslambdaric": (ric, {}), "ours": (ours, {}), "fork": (ours, managed.FORK_AFTER_INIT)},
            task_root, START_COUNTS, args.worker_starts)
        sigterm_cost = sigterm.run(ours, task_root, args.sigterm_starts)

    missed = print_baseline(base, args, awslambdaric.__version__)

    print(f"\nStreaming: {streaming.STREAM_BYTES >> 20} MiB in 64 KiB chunks (a generator yielding one bytes object), "
          f"median of {args.stream_rounds}")
    print(f"{'':34}{'ours':>14}{'floor':>12}")
    print(row("throughput (MiB/s)", [streams["ours"].mib_per_s, streams["floor"].mib_per_s], fmt=".0f"))
    print(row("CPU of the process per stream (ms)", [streams["ours"].cpu * 1000, streams["floor"].cpu * 1000]))
    print(row("RSS before the stream (MiB)", [streams[n].rss_before / 1024 for n in ("ours", "floor")]))
    print(row("peak RSS during the stream (MiB)", [streams[n].peak_rss / 1024 for n in ("ours", "floor")]))
    print("(RSS: the run whose RSS grew most during its stream)")

    print(f"\nasync def handler (ours): {args.rounds} x {args.invocations} warm invocations, interleaved with sync")
    print(f"{'':34}{'sync':>14}{'async':>12}")
    print(row("warm: CPU per invocation (us)", [async_cpu["sync"] * 1e6, async_cpu["async"] * 1e6]))

    print(f"\nManaged instances (AWS_LAMBDA_MAX_CONCURRENCY=N): invocations per second, "
          f"{args.mi_rounds} x {args.mi_invocations} per N")
    print(f"{'':34}{'awslambdaric':>14}{'ours':>12}{'ours/ric':>12}")
    for n in THROUGHPUT_COUNTS:
        print(row(f"N = {n}", [rates["awslambdaric", n], rates["ours", n]], fmt=".0f")
              + f"{rates['ours', n] / rates['awslambdaric', n]:>11.2f}x")

    print(f"\nWorkers at start: a handler module importing asyncio, decimal, email, json, logging; "
          f"median of {args.worker_starts}")
    print(f"{'':34}{'awslambdaric':>14}{'ours':>12}{'ours: fork':>12}")
    print(f"{'':34}{'(N inits)':>14}{'(N inits)':>12}{'after init':>12}")
    variants = ("awslambdaric", "ours", "fork")
    for n in START_COUNTS:
        print(row(f"N = {n}: start to N on /next (ms)", [worker_starts[v, n][0] * 1000 for v in variants]))
        print(row(f"N = {n}: PSS, all processes (MiB)", [worker_starts[v, n][1] / 1024 for v in variants]))
        print(row(f"N = {n}: PSS after {20 * n} calls (MiB)", [worker_starts[v, n][2] / 1024 for v in variants]))

    print(f"\nLAMBDA_ENABLE_SIGTERM=true (ours): {args.sigterm_starts} starts each, interleaved")
    off, on = sigterm_cost["off"], sigterm_cost["on"]
    print(f"{'':34}{'off':>14}{'on':>12}{'on - off':>12}")
    print(row("init: start to first /next (ms)", [off[0] * 1000, on[0] * 1000, (on[0] - off[0]) * 1000], fmt=".2f"))
    print(row("CPU to the first /next (ms)", [off[1] * 1000, on[1] * 1000, (on[1] - off[1]) * 1000], fmt=".2f"))
    print(row("RSS at the first /next (MiB)", [off[2] / 1024, on[2] / 1024, (on[2] - off[2]) / 1024], fmt=".2f"))

    ours_stream = streams["ours"]
    checks = [
        Check("streaming MiB/s vs floor", ours_stream.mib_per_s / streams["floor"].mib_per_s, 0.8, at_most=False),
        Check("streaming: peak RSS - RSS before", (ours_stream.peak_rss - ours_stream.rss_before) / 1024, 4,
              at_most=True, unit="MiB"),
        Check("async - sync CPU per invocation", (async_cpu["async"] - async_cpu["sync"]) * 1e6, 50,
              at_most=True, unit="us"),
        *(Check(f"managed N={n} inv/s vs awslambdaric", rates["ours", n] / rates["awslambdaric", n], 1.0,
                at_most=False) for n in THROUGHPUT_COUNTS),
    ]
    print(f"\n{'issue 8 targets':34}{'measured':>10}{'target':>14}")
    for check in checks:
        print(check.line())
        missed += not check.ok
    return 1 if missed else 0


def print_baseline(base: baseline.Baseline, args: argparse.Namespace, ric_version: str) -> int:
    """The first section, as issue 2 set it: returns how many of its targets were missed."""
    med, cpu, wall, rss = base.init, base.cpu, base.wall, base.rss
    columns = (("awslambdaric", 14), ("ours", 12), ("floor", 12))
    print(f"Python {sys.version.split()[0]}, awslambdaric {ric_version}, "
          f"{args.starts} starts, {args.rounds} x {args.invocations} warm invocations per runtime\n")
    print(f"{'':34}{'awslambdaric':>14}{'ours':>12}{'floor':>12}")
    print(f"{'init: start to first /next (ms)':34}" + "".join(f"{med[n] * 1000:>{w}.1f}" for n, w in columns))
    print(f"{'warm: CPU per invocation (us)':34}" + "".join(f"{cpu[n] * 1e6:>{w}.1f}" for n, w in columns))
    print(f"{'warm: wall per invocation (us)':34}" + "".join(f"{wall[n] * 1e6:>{w}.1f}" for n, w in columns))
    print(f"{'RSS after warm invocations (MiB)':34}" + "".join(f"{rss[n] / 1024:>{w}.1f}" for n, w in columns))

    checks = [
        ("init vs awslambdaric", med["ours"] / med["awslambdaric"], 0.75),
        ("init vs floor", med["ours"] / med["floor"], 1.10),
        ("warm CPU vs awslambdaric", cpu["ours"] / cpu["awslambdaric"], 0.50),
        ("warm wall vs awslambdaric", wall["ours"] / wall["awslambdaric"], 0.65),
        ("RSS vs awslambdaric", rss["ours"] / rss["awslambdaric"], 0.85),
    ]
    print(f"\n{'ratio':34}{'measured':>10}{'target':>10}")
    missed = 0
    for label, ratio, target in checks:
        ok = ratio <= target
        missed += not ok
        print(f"{label:34}{ratio:>9.2f}x{'<= ' + format(target, '.2f'):>10}  {'ok' if ok else 'MISSED'}")
    print(f"(floor vs awslambdaric: init {med['floor'] / med['awslambdaric']:.2f}x, "
          f"CPU {cpu['floor'] / cpu['awslambdaric']:.2f}x)")
    return missed


if __name__ == "__main__":
    sys.exit(main())
