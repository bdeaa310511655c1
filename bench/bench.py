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
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")

HANDLER_SOURCE = "def handler(event, context):\n    return {'statusCode': 200, 'body': event['rawPath']}\n"

# An API Gateway HTTP API (v2) event: a typical small Lambda event.
EVENT = json.dumps({
    "version": "2.0", "routeKey": "GET /items/{id}", "rawPath": "/items/42", "rawQueryString": "q=1",
    "headers": {"accept": "*/*", "host": "abc.execute-api.us-east-1.amazonaws.com",
                "user-agent": "curl/8.5.0", "x-forwarded-for": "203.0.113.7"},
    "queryStringParameters": {"q": "1"},
    "requestContext": {"accountId": "123456789012", "apiId": "abc", "domainName": "abc.execute-api.us-east-1"
                       ".amazonaws.com", "http": {"method": "GET", "path": "/items/42", "protocol": "HTTP/1.1",
                                                  "sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"},
                       "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "routeKey": "GET /items/{id}",
                       "stage": "$default", "time": "23/Nov/2026:19:03:58 +0000", "timeEpoch": 1795460638000},
    "pathParameters": {"id": "42"}, "isBase64Encoded": False,
}).encode()

# The floor: the least a Python runtime can do (socket + json, nothing else).
FLOOR_SOURCE = r'''
import json, os, socket, sys
sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
from app import handler
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
s = socket.create_connection((host, int(port)))
r = s.makefile("rb")
def call(head, body=b""):
    s.sendall(head + body)
    length, rid = 0, None
    r.readline()
    while True:
        line = r.readline()
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"lambda-runtime-aws-request-id":
            rid = value.strip().decode()
    return rid, r.read(length)
while True:
    rid, event = call(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
    out = json.dumps(handler(json.loads(event), None)).encode()
    call(b"POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
         % (rid.encode(), len(out)), out)
'''


class FastApi:
    """A minimal Runtime API: one pre-built event per permit, 202 for every post.

    Lean on purpose: wall time per invocation is the runtime's and this server's time
    added up, so every microsecond here hides the difference between runtimes.
    """

    def __init__(self, posts_wanted: int = 0) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.permits = threading.Semaphore(0)
        self.first_next: float | None = None
        self.first_next_seen = threading.Event()
        self.posts = 0
        self.posts_wanted = posts_wanted  # `reached` is set when this many posts arrived
        self.reached = threading.Event()
        deadline = int(time.time() * 1000) + 3_600_000
        self._next_head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Lambda-Runtime-Aws-Request-Id: req-%d\r\n"
            b"Lambda-Runtime-Deadline-Ms: " + str(deadline).encode() + b"\r\n"
            b"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:b\r\n"
            b"Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1\r\n"
            b"Content-Length: " + str(len(EVENT)).encode() + b"\r\n\r\n")
        threading.Thread(target=self._accept, daemon=True).start()

    def expect_posts(self, n: int) -> None:
        self.posts_wanted = n
        self.reached.clear()
        if self.posts >= n:
            self.reached.set()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        accepted = b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n"
        buf = b""
        counter = 0
        try:
            while True:
                while (end := buf.find(b"\r\n\r\n")) < 0:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                head, buf = buf[:end], buf[end + 4:]
                if head.startswith(b"GET "):
                    if self.first_next is None:
                        self.first_next = time.perf_counter()
                        self.first_next_seen.set()
                    self.permits.acquire()
                    counter += 1
                    conn.sendall(self._next_head % counter + EVENT)
                    continue
                at = head.lower().find(b"content-length:")
                length = int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
                while len(buf) < length:
                    buf += conn.recv(65536)
                buf = buf[length:]
                conn.sendall(accepted)
                self.posts += 1
                if self.posts >= self.posts_wanted:
                    self.reached.set()
        except OSError:
            return

    def wait_posts(self, n: int, timeout: float = 120) -> None:
        self.expect_posts(n)
        if not self.reached.wait(timeout):
            raise TimeoutError(f"{self.posts} of {n} posts arrived")

    def close(self) -> None:
        self.listener.close()


def cpu_seconds(pid: int) -> float:
    """CPU time of a process (all its threads), user and system."""
    try:  # nanoseconds on the CPU, where the kernel keeps scheduler statistics
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        with open(f"/proc/{pid}/stat") as f:  # clock ticks: coarser, always there
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


class Runtime:
    def __init__(self, name: str, command: list) -> None:
        self.name = name
        self.command = command


def start(runtime: Runtime, api: FastApi, task_root: str) -> subprocess.Popen:
    env = {
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": api.address, "_HANDLER": "app.handler", "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        # As AWS's image for this interpreter sets it, for both runtimes alike.
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}",
    }
    return subprocess.Popen(runtime.command, env=env, cwd=task_root, stdout=subprocess.DEVNULL)


def measure_init(runtime: Runtime, task_root: str) -> float:
    api = FastApi()
    begin = time.perf_counter()
    proc = start(runtime, api, task_root)
    try:
        if not api.first_next_seen.wait(30):
            raise TimeoutError(f"{runtime.name} never called /next")
        return api.first_next - begin
    finally:
        proc.kill()
        proc.wait()
        api.close()


def measure_warm(runtime: Runtime, task_root: str, warmup: int, n: int) -> tuple[float, float, int]:
    """(CPU seconds per invocation, wall seconds per invocation, RSS KiB after)."""
    api = FastApi()
    proc = start(runtime, api, task_root)
    try:
        for _ in range(warmup):
            api.permits.release()
        api.wait_posts(warmup)
        api.expect_posts(warmup + n)
        cpu_before = cpu_seconds(proc.pid)
        begin = time.perf_counter()
        api.permits.release(n)
        api.wait_posts(warmup + n)
        wall = time.perf_counter() - begin
        cpu = cpu_seconds(proc.pid) - cpu_before
        return cpu / n, wall / n, rss_kib(proc.pid)
    finally:
        proc.kill()
        proc.wait()
        api.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=21, help="process starts per runtime for init")
    parser.add_argument("--invocations", type=int, default=3000, help="warm invocations per round")
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds per runtime")
    args = parser.parse_args()

    import awslambdaric

    with tempfile.TemporaryDirectory() as task_root:
        Path(task_root, "app.py").write_text(HANDLER_SOURCE)
        Path(task_root, "floor.py").write_text(FLOOR_SOURCE)
        runtimes = [
            Runtime("awslambdaric", [sys.executable, "-m", "awslambdaric", "app.handler"]),
            Runtime("ours", [str(ROOT / "runtime" / "bootstrap")]),
            Runtime("floor", [sys.executable, str(Path(task_root, "floor.py"))]),
        ]
        init = {r.name: [] for r in runtimes}
        for _ in range(args.starts):  # interleaved, so drift on the machine hits all alike
            for r in runtimes:
                init[r.name].append(measure_init(r, task_root))
        warm = {r.name: [] for r in runtimes}
        for _ in range(args.rounds):
            for r in runtimes:
                warm[r.name].append(measure_warm(r, task_root, warmup=300, n=args.invocations))

    med = {name: statistics.median(v) for name, v in init.items()}
    cpu = {name: statistics.median(x[0] for x in v) for name, v in warm.items()}
    wall = {name: statistics.median(x[1] for x in v) for name, v in warm.items()}
    rss = {name: statistics.median(x[2] for x in v) for name, v in warm.items()}

    print(f"Python {sys.version.split()[0]}, awslambdaric {awslambdaric.__version__}, "
          f"{args.starts} starts, {args.rounds} x {args.invocations} warm invocations per runtime\n")
    print(f"{'':34}{'awslambdaric':>14}{'ours':>12}{'floor':>12}")
    print(f"{'init: start to first /next (ms)':34}" + "".join(
        f"{med[n] * 1000:>{w}.1f}" for n, w in (("awslambdaric", 14), ("ours", 12), ("floor", 12))))
    print(f"{'warm: CPU per invocation (us)':34}" + "".join(
        f"{cpu[n] * 1e6:>{w}.1f}" for n, w in (("awslambdaric", 14), ("ours", 12), ("floor", 12))))
    print(f"{'warm: wall per invocation (us)':34}" + "".join(
        f"{wall[n] * 1e6:>{w}.1f}" for n, w in (("awslambdaric", 14), ("ours", 12), ("floor", 12))))
    print(f"{'RSS after warm invocations (MiB)':34}" + "".join(
        f"{rss[n] / 1024:>{w}.1f}" for n, w in (("awslambdaric", 14), ("ours", 12), ("floor", 12))))

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
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
