"""AWS's durable execution conformance requirements against the local server (`make durable-conformance`).

Runs where aws-durable-execution-conformance-tests is installed (it needs Python 3.14: the
Makefile runs this in a container of lambda-python:3.14-x86_64). For each suite, a local server
serves one function per requirement (catalog.py) from handlers/; the package's own
`validate_description` validates each requirement against it, through the package's own
`Invoker` (boto3's Invoke with Qualifier=$LATEST) and a boto3 Lambda client aimed at the server,
with CloudFormation and CloudWatch Logs stood in by the server's own output (stand_ins.py).
Prints `N of M requirements pass`, then each failure with its first difference.

    python3 run.py --server 'python3 /var/runtime/local_server.zip' --runtime /var/runtime/bootstrap \\
                   --handlers handlers --out OUT [--only 1-1,4-3] [--suite step] [--workers 6]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import shlex
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

import boto3
import catalog
from aws_durable_execution_conformance_tests import validate
from aws_durable_execution_conformance_tests.clients import AwsClients
from aws_durable_execution_conformance_tests.cloudwatch import CloudWatchLogRetriever
from aws_durable_execution_conformance_tests.config import TESTS_DIR
from aws_durable_execution_conformance_tests.sam import Invoker
from botocore.config import Config
from local_process import LocalServer
from stand_ins import CloudFormation, Logs

STACK = "local-server"
REGION = "us-east-1"
# The validator's own knobs, read at call time: history polled every 0.2 s instead of 2 s (a
# local server answers at once); the Logs stand-in has every line as soon as the server wrote
# it, so after the validator's fixed 10 s wait one look suffices (CloudWatch's ingestion window
# is 10 s of polling). Nothing else of the validation is changed.
validate.POLL_INTERVAL_SECONDS = 0.2
CloudWatchLogRetriever.EVENT_POLL_TIMEOUT_SECONDS = 0.0


def lambda_client(port: int) -> Any:
    return boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{port}", region_name=REGION,
                        aws_access_key_id="local", aws_secret_access_key="local",
                        config=Config(read_timeout=180, retries={"mode": "standard", "max_attempts": 2}))


def validate_one(server: LocalServer, requirement: str, path: str, out: Path) -> tuple[str, list[str], float]:
    """(id, errors, seconds): the package's validation of one requirement."""
    name = catalog.function_name(requirement)
    lam = lambda_client(server.port)
    cfn = CloudFormation(STACK, list(server.functions))
    clients = AwsClients(MappingProxyType({"lambda": lam, "cloudformation": cfn, "logs": Logs(server.logs)}))
    invoker = Invoker(STACK, region=REGION, lambda_client=lam, cfn_client=cfn)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="conformance-events-") as events:
            result = validate.validate_description(function_name=name, description_id=requirement, test_file=path,
                                                   invoker=invoker, tmp_dir=events, region=REGION,
                                                   aws_clients=clients, output_dir=str(out / "histories"))
        errors = [] if result.passed else (result.errors or ["failed without an error message"])
    except Exception as problem:  # the validation itself broke: a failure of this requirement
        errors = [f"{type(problem).__name__}: {problem}"]
    return requirement, errors, time.monotonic() - started


def groups(selected: dict[str, str]) -> list[tuple[str, float, list[str]]]:
    """(suite, time scale, requirement ids): one local server each."""
    found = []
    for suite in catalog.SUITES:
        ids = sorted((r for r, p in selected.items() if Path(p).parent.name == suite),
                     key=lambda r: [int(n) for n in r.split("-")])
        for scale, part in ((0.0, [r for r in ids if r not in catalog.REAL_TIME]),
                            (1.0, [r for r in ids if r in catalog.REAL_TIME])):
            if part:
                found.append((suite, scale, part))
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", required=True, help="the command that starts a local server")
    parser.add_argument("--runtime", required=True, help="the runtime command the server starts")
    parser.add_argument("--handlers", required=True, help="the folder of the handlers (the task root)")
    parser.add_argument("--out", required=True, help="where histories and the server's output go")
    parser.add_argument("--only", default="", help="requirement ids, comma-separated")
    parser.add_argument("--suite", default="", help="suites, comma-separated")
    parser.add_argument("--workers", type=int, default=6, help="requirements validated at once")
    args = parser.parse_args(argv)
    every = validate.discover_test_files(TESTS_DIR)
    wanted = {r for r in args.only.split(",") if r}
    suites = {s for s in args.suite.split(",") if s}
    selected = {r: p for r, p in every.items() if (not wanted or r in wanted)
                and (not suites or Path(p).parent.name in suites)}
    unknown = wanted - set(every)
    if unknown or not selected:
        print(f"no such requirement: {', '.join(sorted(unknown)) or args.only or args.suite}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = sys.stdout
    print(f"Python {sys.version.split()[0]}, aws-durable-execution-conformance-tests "
          f"{metadata.version('aws-durable-execution-conformance-tests')}: {len(selected)} requirement(s)", file=report)
    began = time.monotonic()
    failures: dict[str, list[str]] = {}
    # The package prints its progress: into a file, so that the report stays readable.
    with open(out / "validation.log", "w") as chatter, open(out / "local-server.log", "w") as server_log:
        sys.stdout = chatter
        try:
            for suite, scale, ids in groups(selected):
                failures.update(run_group(args, suite, scale, ids, selected, out, server_log, report))
        finally:
            sys.stdout = report
    passed = len(selected) - len(failures)
    minutes, seconds = divmod(int(time.monotonic() - began), 60)
    print(f"\n{passed} of {len(selected)} requirements pass ({minutes} min {seconds} s)", file=report)
    for requirement in sorted(failures, key=lambda r: [int(n) for n in r.split("-")]):
        print(f"  {requirement} ({Path(selected[requirement]).parent.name}): {failures[requirement][0]}", file=report)
    return 1 if failures else 0


def run_group(args: argparse.Namespace, suite: str, scale: float, ids: list[str], selected: dict[str, str],
              out: Path, server_log: IO[str], report: IO[str]) -> dict[str, list[str]]:
    failures: dict[str, list[str]] = {}
    print(f"{suite}: {len(ids)} requirement(s), time scale {scale:g}", file=report, flush=True)
    with LocalServer(shlex.split(args.server), args.runtime, args.handlers, catalog.functions(suite, ids), scale,
                     server_log) as server:
        with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
            jobs = [pool.submit(validate_one, server, r, selected[r], out) for r in ids]
            for job in concurrent.futures.as_completed(jobs):
                requirement, errors, seconds = job.result()
                print(f"  {'PASS' if not errors else 'FAIL'} {requirement} ({seconds:.1f} s)"
                      + (f": {errors[0]}" if errors else ""), file=report, flush=True)
                if errors:
                    failures[requirement] = errors
    return failures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
