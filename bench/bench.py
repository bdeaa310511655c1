"""Benchmark: our runtime against awslambdaric, in one run, on one interpreter, one fast fake API.

Measures, for each runtime (and for the floor, a bare socket + json loop):
- init: process start to the first `GET /next` (median of several starts);
- warm: CPU time of the runtime process per invocation, and wall time per invocation;
- memory: resident set size after the warm invocations.
Prints each figure and its ratio to awslambdaric, with the target from issue 2, and
exits 1 if a target is missed.

Run: `make bench` (or `python bench/bench.py` with awslambdaric installed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile

import baseline
from measure import runtimes
from sources import write_task_root


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--starts", type=int, default=21, help="process starts per runtime for init")
    parser.add_argument("--invocations", type=int, default=3000, help="warm invocations per round")
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds per runtime")
    args = parser.parse_args()

    import awslambdaric

    with tempfile.TemporaryDirectory() as task_root:
        write_task_root(task_root)
        found = runtimes(task_root)
        base = baseline.run(list(found.values()), task_root, args.starts, args.rounds, args.invocations)

    return 1 if print_baseline(base, args, awslambdaric.__version__) else 0


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
