"""Benchmark: one durable function on our local server and on AWS's dex-local-runner, in one run.

The function (bench/durable_app.py: 100 steps, one wait, one callback) runs with the same
runtime (ours, runtime/bootstrap), the same interpreter and the same durable SDK on every
server, as host processes:
- ours: the local server with --durable-config, its state in SQLite (--state-dir), waits
  skipped (--durable-time-scale 0); an execution starts with an `Event` invoke of
  `function:$LATEST`;
- theirs: dex-local-runner (aws-durable-execution-sdk-python-testing, from PyPI:
  requirements-bench.txt) started with the flags SAM CLI gives it (sqlite store, --log-level
  DEBUG), plus --skip-time, which skips waits as our time scale 0 does; and a second one at
  its default log level, INFO. Each runs the function through an RIE of its own (build/rie)
  whose runtime gets AWS_ENDPOINT_URL_LAMBDA pointed at that dex, as SAM CLI's durable
  function container does; an execution starts with SAM CLI's `POST /start-durable-execution`,
  whose LambdaEndpoint names the RIE.
For each execution: the handler sends its callback id to the benchmark over TCP, which answers
it with boto3's SendDurableExecutionCallbackSuccess against that server; once answered, the
benchmark polls GetDurableExecution (plain HTTP, every millisecond) until the execution has
ended. End-to-end is the start request to the poll that sees the end. The servers take turns,
one execution each, round-robin (each round begins with the next server); the first execution
of each is not counted (the runtime starts in it, shown apart).
Measured: end-to-end (median), time per checkpoint (end-to-end / CheckpointDurableExecution
calls; and the median wall time of one call as the SDK's boto3 client sees it, recorded by the
handler), the CPU time the server spends on an execution (steadier than wall time on a shared
machine), and each server's resident memory after the executions (and how it grew per
execution: finished executions are kept for their retention): ours is the local server's
process; theirs is dex-local-runner's process, and dex-local-runner + its RIE, since our server
also does what the RIE does (the Invoke API, the Runtime API, the runtime's lifecycle); the CPU
time counts the RIE's too. The runtimes behind them are counted in none.
Targets (issue 18, item 6): end-to-end at most 1.0x each dex's; memory below each dex + RIE.
Exits 1 if one is missed; an execution that does not succeed stops the benchmark (exit 1).

Run: `make bench`, or `build/bench-venv/bin/python bench/durable.py` (the RIE is fetched by
scripts/fetch-rie.sh if missing).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ROOT / "runtime" / "bootstrap"
APP = Path(__file__).resolve().parent / "durable_app.py"
HANDLER = "durable_app.handler"
EXECUTION_TIMEOUT = 900
RETENTION_DAYS = 1
FUNCTION_TIMEOUT = "60"
# dex-local-runner's own boto3 client signs its Invoke calls: AWS's emulator image sets these.
DEX_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "foo", "AWS_SECRET_ACCESS_KEY": "bar", "AWS_DEFAULT_REGION": "us-east-1"}
# The function's: the SDK's client signs too (neither server checks it).
FUNCTION_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"}
EXPECTED_TOTAL = sum(range(100))
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http_call(port: int, method: str, path: str, body: bytes | None = None,
              headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        reply = connection.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        connection.close()


def wait_ready(port: int, path: str, server: Process, timeout: float = 30.0) -> None:
    """Until `path` answers 200 (polled)."""
    give_up = time.monotonic() + timeout
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited ({server.proc.returncode}) before it was ready:\n{server.tail()}")
        try:
            if http_call(port, "GET", path, timeout=1)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > give_up:
            raise TimeoutError(f"nothing answered 200 on port {port}{path}")
        time.sleep(0.01)


def wait_ready_any(port: int, server: Process, timeout: float = 10.0) -> None:
    """Until the port answers HTTP at all (the RIE: 404 on any path but its invoke path)."""
    give_up = time.monotonic() + timeout
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited ({server.proc.returncode}) before it was ready:\n{server.tail()}")
        try:
            http_call(port, "GET", "/ready", timeout=1)
            return
        except OSError:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.01)


def status_kib(pid: int, field_name: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


class Process:
    """A server under measurement, its output in a file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], cwd: str) -> None:
        self.name = name
        self.log: IO[bytes] = tempfile.NamedTemporaryFile(prefix=f"bench-durable-{name}-", suffix=".log")
        self.proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=self.log, stderr=self.log,
                                     start_new_session=True)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process itself (not of the runtimes it started)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_kib(self) -> tuple[int, int]:
        """(resident now, peak resident) of the process itself."""
        return status_kib(self.proc.pid, "VmRSS"), status_kib(self.proc.pid, "VmHWM")

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        with open(self.log.name, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")

    def stop(self) -> None:
        """Ends the server, then whatever it left in its process group (the runtimes)."""
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()


@dataclass
class Execution:
    seconds: float
    checkpoint_calls: list[float]
    state_calls: int
    invocations: int
    cpu: float  # CPU seconds of the server's processes (ours; dex + its RIE)


@dataclass
class Side:
    """One server and how an execution is started on it."""

    name: str
    api_port: int
    report: Path
    start: Callable[[int], str]
    processes: list[Process]
    runs: list[Execution] = field(default_factory=list)
    first: Execution | None = None
    memory: list[tuple[int, int]] = field(default_factory=list)  # (RSS, peak) KiB of each process
    memory_after_first: list[tuple[int, int]] = field(default_factory=list)
    lambda_client: Any = None


def base_environ(python: str, task_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "_HANDLER", "LAMBDA_", "PYTHONDONTWRITEBYTECODE"))}
    # The runtime's `python3` is this interpreter, which has the durable SDK.
    env.update(PATH=str(Path(python).parent) + os.pathsep + os.environ.get("PATH", ""),
               _HANDLER=HANDLER, LAMBDA_TASK_ROOT=task_root, AWS_LAMBDA_FUNCTION_TIMEOUT=FUNCTION_TIMEOUT)
    return env


def start_ours(python: str, server_python: str, task_root: str, work: Path, callback: str) -> Side:
    port = free_port()
    report = work / "ours-report.jsonl"
    env = base_environ(python, task_root)
    env.update(PYTHONPATH=str(ROOT / "runtime"), BENCH_DURABLE_CALLBACK=callback, BENCH_DURABLE_REPORT=str(report))
    config = json.dumps({"ExecutionTimeout": EXECUTION_TIMEOUT, "RetentionPeriodInDays": RETENTION_DAYS})
    server = Process("ours", [server_python, str(ROOT / "local_server" / "__main__.py"), "--host", "127.0.0.1",
                              "--port", str(port), "--durable-config", config, "--durable-time-scale", "0",
                              "--state-dir", str(work / "ours-state"), str(BOOTSTRAP)], env, task_root)
    wait_ready(port, "/_local/health", server)

    def start(run: int) -> str:
        status, headers, body = http_call(
            port, "POST", "/2015-03-31/functions/function%3A%24LATEST/invocations", json.dumps({"run": run}).encode(),
            {"X-Amz-Invocation-Type": "Event", "X-Amz-Durable-Execution-Name": f"bench-{run}"})
        if status != 202:
            raise RuntimeError(f"ours: the Event invoke answered {status}: {body[:300]!r}")
        return headers["x-amz-durable-execution-arn"]

    return Side("ours", port, report, start, [server])


def start_dex(python: str, task_root: str, work: Path, callback: str, log_level: str) -> Side:
    arch = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    rie_binary = ROOT / "build" / "rie" / f"aws-lambda-rie-{arch}"
    if not rie_binary.exists():
        subprocess.run([str(ROOT / "scripts" / "fetch-rie.sh"), str(ROOT / "build" / "rie")], check=True)
    dex_binary = Path(python).parent / "dex-local-runner"
    if not dex_binary.exists():
        raise FileNotFoundError(f"{dex_binary}: install requirements-bench.txt (make bench does)")
    dex_port, rie_port = free_port(), free_port()
    report = work / f"dex-{log_level}-report.jsonl"
    # The RIE and the function as SAM CLI's durable function container has them: the SDK's
    # endpoint is the emulator.
    env = base_environ(python, task_root)
    env.update(FUNCTION_CREDENTIALS, AWS_ENDPOINT_URL_LAMBDA=f"http://127.0.0.1:{dex_port}",
               AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
               BENCH_DURABLE_CALLBACK=callback, BENCH_DURABLE_REPORT=str(report))
    rie_command = [str(rie_binary), "--runtime-interface-emulator-address", f"127.0.0.1:{rie_port}",
                   "--runtime-api-address", f"127.0.0.1:{free_port()}", str(BOOTSTRAP)]
    rie = Process(f"rie-{log_level}", rie_command, env, task_root)
    # dex-local-runner as SAM CLI starts it (samcli/local/docker/durable_functions_emulator_container.py,
    # aws-sam-cli 1.170.0), on the host instead of in its container: the same flags and store, --skip-time
    # added. (SAM's --lambda-endpoint is its own start-lambda port; each execution's LambdaEndpoint, here as
    # in SAM, names the RIE instead, so the flag is not used: it names the RIE too.)
    dex_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    dex_env.update(DEX_CREDENTIALS)
    state = work / f"dex-{log_level}-state"
    state.mkdir()
    dex_command = [str(dex_binary), "start-server", "--host", "127.0.0.1", "--port", str(dex_port),
                   "--log-level", log_level, "--lambda-endpoint", f"http://127.0.0.1:{rie_port}",
                   "--store-type", "sqlite", "--store-path", str(state / "durable-executions.db"), "--skip-time"]
    dex = Process(f"dex-{log_level}", dex_command, env=dex_env, cwd=str(work))
    wait_ready(dex_port, "/health", dex)
    wait_ready_any(rie_port, rie)

    def start(run: int) -> str:
        request = {"AccountId": "123456789012", "FunctionName": "function", "FunctionQualifier": "$LATEST",
                   "ExecutionName": f"bench-{run}", "ExecutionTimeoutSeconds": EXECUTION_TIMEOUT,
                   "ExecutionRetentionPeriodDays": RETENTION_DAYS, "Input": json.dumps({"run": run}),
                   "LambdaEndpoint": f"http://127.0.0.1:{rie_port}"}
        status, _, body = http_call(dex_port, "POST", "/start-durable-execution", json.dumps(request).encode(),
                                    {"Content-Type": "application/json"})
        if status != 201:
            raise RuntimeError(f"dex: /start-durable-execution answered {status}: {body[:300]!r}")
        arn: str = json.loads(body)["ExecutionArn"]
        return arn

    return Side(f"dex {log_level}", dex_port, report, start, [dex, rie])


def boto3_client(port: int) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60))


def run_execution(side: Side, listener: socket.socket, run: int, poll: float) -> Execution:
    side.report.write_text("")
    cpu_before = sum(process.cpu_seconds() for process in side.processes)
    begin = time.perf_counter()
    arn = side.start(run)
    connection, _ = listener.accept()  # the handler's submitter, with the callback's id
    with connection:
        connection.settimeout(30)
        callback_id = connection.makefile("rb").readline().decode().strip()
    side.lambda_client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"approved"')
    path = "/2025-12-01/durable-executions/" + quote(arn, safe="")
    while True:
        status, _, body = http_call(side.api_port, "GET", path)
        if status != 200:
            raise RuntimeError(f"{side.name}: GetDurableExecution answered {status}: {body[:300]!r}")
        execution = json.loads(body)
        if execution["Status"] in TERMINAL:
            break
        time.sleep(poll)
    seconds = time.perf_counter() - begin
    cpu = sum(process.cpu_seconds() for process in side.processes) - cpu_before
    if execution["Status"] != "SUCCEEDED":
        raise RuntimeError(f"{side.name}: the execution ended {execution['Status']}: {execution.get('Error')}")
    result = json.loads(execution["Result"])
    if result != {"run": run, "total": EXPECTED_TOTAL, "answer": '"approved"'}:
        raise RuntimeError(f"{side.name}: unexpected result {result}")
    reports = [json.loads(line) for line in side.report.read_text().splitlines()]
    checkpoints = [t for r in reports for t in r["calls"]["CheckpointDurableExecution"]]
    states = sum(len(r["calls"]["GetDurableExecutionState"]) for r in reports)
    return Execution(seconds, checkpoints, states, len(reports), cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured executions per server (after one not counted)")
    parser.add_argument("--poll", type=float, default=0.001, help="seconds between GetDurableExecution polls "
                        "once the callback is answered")
    parser.add_argument("--dex-log-levels", default="DEBUG,INFO", help="one dex-local-runner per --log-level "
                        "(SAM CLI starts it with DEBUG; INFO is its default)")
    args = parser.parse_args()
    python = sys.executable  # the bench venv's: the durable SDK, dex-local-runner, boto3
    server_python = getattr(sys, "_base_executable", python)  # ours needs only the standard library
    # Bytecode compiled beforehand, as the image has it (pip compiled dex-local-runner's at install).
    subprocess.run([server_python, "-m", "compileall", "-q", str(ROOT / "local_server"), str(ROOT / "runtime")],
                   check=True)
    sides: list[Side] = []
    with tempfile.TemporaryDirectory(prefix="bench-durable-") as work_dir, socket.socket() as listener:
        work = Path(work_dir)
        task_root = work / "task"
        task_root.mkdir()
        shutil.copy(APP, task_root / APP.name)
        os.chmod(task_root, 0o755)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(60)
        callback = f"127.0.0.1:{listener.getsockname()[1]}"
        try:
            sides.append(start_ours(python, server_python, str(task_root), work, callback))
            for level in args.dex_log_levels.split(","):
                sides.append(start_dex(python, str(task_root), work, callback, level))
            for side in sides:
                side.lambda_client = boto3_client(side.api_port)
            for run in range(args.runs + 1):
                # Round-robin, each round starting one further: no server always runs first or last.
                for side in sides[run % len(sides):] + sides[:run % len(sides)]:
                    try:
                        measured = run_execution(side, listener, run, args.poll)
                    except Exception:
                        for process in side.processes:
                            print(f"--- the last lines of {process.name}'s output:\n{process.tail()}", file=sys.stderr)
                        raise
                    if run == 0:
                        side.first = measured
                        side.memory_after_first = [process.rss_kib() for process in side.processes]
                    else:
                        side.runs.append(measured)
            for side in sides:
                side.memory = [process.rss_kib() for process in side.processes]
        finally:
            for side in sides:
                for process in side.processes:
                    process.stop()
    return report(sides[0], sides[1:], args)


def median(side: Side) -> float:
    return statistics.median(r.seconds for r in side.runs)


def per_checkpoint(side: Side) -> float:
    return statistics.median(r.seconds / len(r.checkpoint_calls) for r in side.runs)


def call_p50(side: Side) -> float:
    return statistics.median(t for r in side.runs for t in r.checkpoint_calls)


def report(ours: Side, theirs: list[Side], args: argparse.Namespace) -> int:
    """Prints the table: one column per server, ours last, then ours / each of theirs."""
    sides = [*theirs, ours]
    print(f"\nDurable function: local server vs AWS's dex-local-runner 1.4.0 + RIE ({platform.machine()}, "
          f"{os.cpu_count()} cores, host processes, Python {sys.version.split()[0]}, our runtime behind both)")
    print(f"100 steps, a wait (skipped by both), a callback answered with boto3; {args.runs} executions per server, "
          "round-robin, after one not counted")
    names = [s.name for s in sides] + [f"ours/{s.name.split()[-1]}" for s in theirs]
    print(f"{'':42}" + "".join(f"{n:>12}" for n in names) + "   target")

    def line(label: str, values: list[float], fmt: Callable[[float], str], ratio: bool, target: str = "") -> None:
        cells = [fmt(v) for v in values]
        if ratio:
            cells += [f"{values[-1] / v:.2f}x" for v in values[:-1]]
        print(f"{label:42}" + "".join(f"{c:>12}" for c in cells) + (f"   {target}" if target else ""))

    def ms(value: float) -> str:
        return f"{value * 1000:.1f} ms"

    def mib(value: float) -> str:
        return f"{value / 1024:.1f} MiB"

    line("end-to-end, median", [median(s) for s in sides], ms, True, "<= 1.00x")
    print(f"{'end-to-end, min-max (ms)':42}" + "".join(
        f"{min(r.seconds for r in s.runs) * 1000:>6.0f}-{max(r.seconds for r in s.runs) * 1000:<5.0f}" for s in sides))
    line("per checkpoint (end-to-end / calls)", [per_checkpoint(s) for s in sides], ms, True)
    line("one checkpoint call, p50 (SDK's client)", [call_p50(s) for s in sides], ms, True)
    line("CPU of the server per execution, median", [statistics.median(r.cpu for r in s.runs) for s in sides], ms,
         True)
    line("first execution (the runtime starts)", [s.first.seconds if s.first else math.nan for s in sides], ms, True)
    line("RSS after the runs: the server alone", [s.memory[0][0] for s in sides], mib, True)
    line("RSS after the runs: with dex, + its RIE", [sum(m[0] for m in s.memory) for s in sides], mib, True, "< 1.00x")
    line("peak RSS: with dex, + its RIE", [sum(m[1] for m in s.memory) for s in sides], mib, True)
    # Finished executions kept (retention) cost memory: the server's growth over the counted ones.
    print(f"{'the server: RSS growth per execution':42}" + "".join(
        f"{(s.memory[0][0] - s.memory_after_first[0][0]) / len(s.runs):>8.0f} KiB" for s in sides))
    for s in sides:
        counts = sorted({len(r.checkpoint_calls) for r in s.runs})
        invocations = sorted({r.invocations for r in s.runs})
        states = sorted({r.state_calls for r in s.runs})
        extra = f", the RIE {mib(s.memory[1][0])}" if len(s.memory) > 1 else ""
        print(f"  {s.name}: {'/'.join(map(str, counts))} checkpoint calls, {'/'.join(map(str, invocations))} "
              f"invocations, {'/'.join(map(str, states))} GetDurableExecutionState calls per execution{extra}")
    missed = []
    for s in theirs:
        if median(ours) > median(s):
            missed.append(f"end-to-end at most {s.name}'s")
        if ours.memory[0][0] >= sum(m[0] for m in s.memory):
            missed.append(f"memory below {s.name} + RIE")
    print("targets missed: " + ", ".join(missed) if missed else "all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
