"""Benchmark: our local server against AWS's RIE, in one run, both as processes on this host.

Both serve the same function with the same runtime (ours, runtime/bootstrap) and the same
interpreter; only the server in front differs. Measured for each:
- ready: process start until an HTTP request is answered (the server, not the function's init);
- warm invoke latency through HTTP, one client, keep-alive: p50 and p99;
- requests per second at 1, 4 and 16 clients (client processes, keep-alive); the RIE is only
  asked with 1 client: two concurrent invokes crash it (RIE #97);
- the server's own memory (its process alone, not the runtimes): resident set after the load;
- ours again with one extension subscribed to the Telemetry API (subscribed.py);
- 16 clients against the local server's defaults (bench/loaded.py): requests/s, p99, answers not 200.
Targets (issue 7): latency at or below the RIE's, RSS under 20 MB, ready within 100 ms,
throughput that grows with clients; (issue 16) at most 0.5 ms more at p50 with the subscribed
extension; (issue 17) no answer but 200 at 16 clients with the defaults.
Prints the figures; exits 1 if a target is missed.

Run: `python3 bench/bench_server.py` (the RIE is fetched by scripts/fetch-rie.sh if missing):
both servers as host processes. `--also DIR` measures the local server of another checkout
too, in the same run (a further line: e.g. a worktree of main, to compare a change).
`--containers IMAGE` runs both inside a function image (`make function`) instead, through
Docker's port mapping as a user calls them (servers.py); the ready time is then not
measured (a container's start is Docker's, not the server's), nor the subscribed extension.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import subscribed
from loaded import line, loaded
from servers import ROOT, Container, Server, rss_kib

INVOKE_PATH = "/2015-03-31/functions/function/invocations"
HANDLER_SOURCE = "def handler(event, context):\n    return {'statusCode': 200, 'body': event['rawPath']}\n"
EVENT = json.dumps({"version": "2.0", "rawPath": "/items/42", "headers": {"accept": "*/*"},
                    "requestContext": {"http": {"method": "GET", "path": "/items/42"}}}).encode()
REQUEST = (f"POST {INVOKE_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(EVENT)}\r\n\r\n").encode() + EVENT


class Connection:
    """A minimal keep-alive HTTP client: one prebuilt request, replies read by Content-Length."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def invoke(self) -> int:
        self.sock.sendall(REQUEST)
        while b"\r\n\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the server closed the connection")
            self.buf += data
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        status = int(head[9:12])
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(rest) < length:
            rest += self.sock.recv(65536)
        self.buf = rest[length:]
        return status

    def close(self) -> None:
        self.sock.close()


def latency(port: int, count: int) -> list:
    conn = Connection(port)
    for _ in range(200):  # warm: the environment started, its code imported, caches hot
        conn.invoke()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        if conn.invoke() != 200:
            raise RuntimeError("an invoke failed")
        times.append((time.perf_counter() - start) * 1e6)
    conn.close()
    return times


def _client(port: int, seconds: float, start_at: float, results) -> None:
    conn = Connection(port)
    conn.invoke()
    while time.monotonic() < start_at:
        time.sleep(0.001)
    done = 0
    end = start_at + seconds
    while time.monotonic() < end:
        if conn.invoke() != 200:
            results.put(-1)
            return
        done += 1
    conn.close()
    results.put(done)


def throughput(port: int, clients: int, seconds: float) -> float:
    results = multiprocessing.Queue()
    start_at = time.monotonic() + 0.5 + 0.05 * clients  # every client connected and warm first
    procs = [multiprocessing.Process(target=_client, args=(port, seconds, start_at, results)) for _ in range(clients)]
    for proc in procs:
        proc.start()
    counts = [results.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join()
    if min(counts) < 0:
        raise RuntimeError("a client got an error")
    return sum(counts) / seconds


def _print_other(name: str, result: dict) -> None:
    print(f"  {name}: p50 {result['p50_us']:.0f} us, p99 {result['p99_us']:.0f} us, requests/s "
          f"{result['rps'][1]:.0f} / {result['rps'][4]:.0f} / {result['rps'][16]:.0f} at 1 / 4 / 16 clients, "
          f"RSS {result['rss_kib'] / 1024:.1f} MiB, ready {_ms(result['ready_ms'])}")


def _ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f} ms"  # NaN: not measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter for the server and the runtime")
    parser.add_argument("--invokes", type=int, default=3000, help="sequential invokes for the latency")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each throughput run")
    parser.add_argument("--containers", metavar="IMAGE", help="run both servers in containers of this "
                        "function image (e.g. lambda-python-example:x86_64) instead of as host processes")
    parser.add_argument("--also", metavar="DIR", type=Path, action="append", default=[],
                        help="also measure the local server of this checkout (host processes only)")
    args = parser.parse_args()
    others = {f"{checkout.name}": checkout.resolve() for checkout in args.also}
    # Bytecode compiled beforehand, as the image has it: compiling at start costs time and memory.
    for checkout in [ROOT, *others.values()]:
        subprocess.run([args.python, "-m", "compileall", "-q", str(checkout / "local_server"),
                        str(checkout / "runtime")], check=True)
    results = {}
    with tempfile.TemporaryDirectory() as task_root:
        Path(task_root, "app.py").write_text(HANDLER_SOURCE)
        os.chmod(task_root, 0o755)
        for kind in ("rie", "ours", *others):
            if args.containers:
                server = Container(kind, Path(task_root), args.containers, max_environments=16)
            else:
                server = Server(kind, Path(task_root), args.python, max_environments=16,
                                checkout=others.get(kind, ROOT))
            try:
                times = latency(server.port, args.invokes)
                rates = {1: throughput(server.port, 1, args.seconds)}
                if kind != "rie":
                    for clients in (4, 16):
                        rates[clients] = throughput(server.port, clients, args.seconds)
                results[kind] = {
                    "ready_ms": server.ready_ms,
                    "p50_us": statistics.median(times),
                    "p99_us": statistics.quantiles(times, n=100)[98],
                    "rps": rates,
                    "rss_kib": rss_kib(server.proc.pid),
                    "hwm_kib": rss_kib(server.proc.pid, "VmHWM"),
                }
            finally:
                server.stop()
        with_telemetry = None if args.containers else subscribed.measure(
            lambda options, env: Server("ours", Path(task_root), args.python, 16, options=tuple(options),
                                        extra_env=env), latency, args.python, args.invokes)
        defaults = {}  # 16 clients against the local servers' defaults (no --max-environments)
        for kind in ("ours", *others):
            if args.containers:
                server = Container(kind, Path(task_root), args.containers, max_environments=None)
            else:
                server = Server(kind, Path(task_root), args.python, max_environments=None,
                                checkout=others.get(kind, ROOT))
            try:
                defaults[kind] = loaded(Connection, server.port, 16, args.seconds)
            finally:
                server.stop()
    rie, ours = results["rie"], results["ours"]
    version = subprocess.run([args.python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                             text=True, check=True).stdout.strip()
    where = f"in containers of {args.containers}" if args.containers else f"host processes, Python {version}"
    print(f"local server vs AWS's RIE ({platform.machine()}, {os.cpu_count()} cores, {where}, "
          "our runtime behind both)")
    print(f"{'':34}{'RIE':>12}{'ours':>12}   target")
    rows = [
        ("ready (start to first answer)", _ms(rie["ready_ms"]), _ms(ours["ready_ms"]), "<= 100 ms"),
        ("warm invoke latency p50", f"{rie['p50_us']:.0f} us", f"{ours['p50_us']:.0f} us", "<= RIE"),
        ("warm invoke latency p99", f"{rie['p99_us']:.0f} us", f"{ours['p99_us']:.0f} us", ""),
        ("requests/s, 1 client", f"{rie['rps'][1]:.0f}", f"{ours['rps'][1]:.0f}", ""),
        ("requests/s, 4 clients", "crashes", f"{ours['rps'][4]:.0f}", "grows"),
        ("requests/s, 16 clients", "crashes", f"{ours['rps'][16]:.0f}", "grows up to the cores"),
        ("server RSS after the load", f"{rie['rss_kib'] / 1024:.1f} MiB", f"{ours['rss_kib'] / 1024:.1f} MiB",
         "< 20 MB"),
        ("server peak RSS", f"{rie['hwm_kib'] / 1024:.1f} MiB", f"{ours['hwm_kib'] / 1024:.1f} MiB", ""),
    ]
    for name, a, b, target in rows:
        print(f"{name:34}{a:>12}{b:>12}   {target}")
    for name in others:
        _print_other(name, results[name])
    print("16 clients against the defaults (4 environments, no reserved concurrency):")
    for name, result in defaults.items():
        print(line(name, result))
    missed = []
    if defaults["ours"]["refused"]:
        missed.append("no answer but 200 at 16 clients with the defaults")
    if ours["ready_ms"] > 100:  # (NaN in containers: not measured, never missed)
        missed.append("ready within 100 ms")
    if ours["p50_us"] > rie["p50_us"]:
        missed.append("latency at or below the RIE's")
    if ours["rss_kib"] >= 20 * 1000:
        missed.append("RSS under 20 MB")
    if not ours["rps"][4] > ours["rps"][1]:
        missed.append("throughput grows with clients")
    if with_telemetry:
        missed += subscribed.report(ours, with_telemetry)
    print("targets missed: " + ", ".join(missed) if missed else "all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
