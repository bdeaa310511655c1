"""What this runtime does beyond AWS's own Python runtime, one handler each.

Run one with  make run-local HANDLER=features.<name>  then, in another terminal:
    curl -N localhost:9000/report          # stream_report: the lines arrive one by one
    make invoke EVENT=demo-s3              # any event, for the others

- stream_report: response streaming. Return (or be) a generator, or a StreamingResponse to
  set the content type and, for function URLs, the status, headers and cookies.
- lookup: an `async def` handler. Its event loop lives as long as the process, so what it
  makes once (a client, a semaphore) serves every later invocation.
- buffered_metrics: graceful shutdown. `atexit` hooks run when the environment ends
  (SIGTERM); Lambda sends SIGTERM only with an extension: set LAMBDA_ENABLE_SIGTERM=true.
- failing_lookup: an error with a cause. The error posted to Lambda is awslambdaric's;
  the log adds "Caused by: KeyError: ..." with its own traceback.
Concurrency (Lambda Managed Instances) needs no code: AWS_LAMBDA_MAX_CONCURRENCY=N runs N
worker processes, each importing this module once.
"""

from __future__ import annotations

import asyncio
import atexit
import time

from lambda_runtime.streaming import StreamingResponse

# --- response streaming -----------------------------------------------------------------


def stream_report(event, context):
    return StreamingResponse(_report_lines(), status_code=200, headers={"content-type": "text/plain"})


def _report_lines():
    for step in range(1, 6):
        time.sleep(0.2)  # stands for the work behind each line
        yield f"step {step} of 5 done\n"


# --- async handlers -----------------------------------------------------------------------

_limit = None  # made in the first invocation, inside the process's one event loop


async def lookup(event, context):
    global _limit
    if _limit is None:
        _limit = asyncio.Semaphore(4)  # at most four lookups at a time, across invocations
    keys = event.get("keys", ["a", "b", "c"]) if isinstance(event, dict) else ["a"]
    return {"found": await asyncio.gather(*(_fetch(key) for key in keys))}


async def _fetch(key: str) -> str:
    async with _limit:
        await asyncio.sleep(0.01)  # stands for a network call
        return key.upper()


# --- graceful shutdown --------------------------------------------------------------------

_buffered: list = []


@atexit.register
def _flush() -> None:
    # Runs when the environment ends (SIGTERM, with LAMBDA_ENABLE_SIGTERM=true on Lambda).
    print(f"flushed {len(_buffered)} buffered metric(s)")


def buffered_metrics(event, context):
    _buffered.append(context.aws_request_id)
    return {"buffered": len(_buffered)}


# --- errors with a cause --------------------------------------------------------------------

PRICES = {"tea": 3}


def failing_lookup(event, context):
    item = event.get("item", "coffee") if isinstance(event, dict) else "coffee"
    try:
        return {"price": PRICES[item]}
    except KeyError as missing:
        raise LookupError(f"no price for {item}") from missing
