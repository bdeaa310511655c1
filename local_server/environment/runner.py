"""One invocation from start to end: an environment from the pool, init, the timeout, the report.

Whatever the route (Invoke, InvokeWithResponseStream, a function URL request, an Event
invocation in the background), an invocation runs the same way; only its responder differs.
The caller's thread runs this and waits: the environment's Runtime API connection hands the
invocation to the runtime and its answer to the responder.
"""

from __future__ import annotations

import time

from ..wire import lambda_errors
from .environment import Environment
from .invocation import Invocation
from .pool import Pool


def run(pool: Pool, inv: Invocation, timeout: float, wait: bool = False) -> bool:
    """Runs `inv` to its end; False when no environment could take it (the caller answers 429)."""
    env = pool.acquire(wait)
    if env is None:
        return False
    # Its caller may send the next request as soon as it has this one's answer, before this
    # environment is released: the pool then waits for it instead of answering 429. On managed
    # instances, a timed-out invocation keeps its slot until the runtime gives it up.
    inv.assign(env.report, lambda: pool.answered(env), (lambda: pool.release(env)) if env.managed else None)
    held = False
    try:
        failure = env.wait_ready(inv.request_id)
        if failure is not None:
            # Init failed: the caller gets what Lambda answers (the init error as posted, or
            # the runtime's exit, or the init timeout), and the next request tries init again.
            inv.abort(*failure)
            inv.report()
            return True
        pool.watchdog.watch(inv, time.monotonic() + timeout, lambda inv: _timed_out(env, inv, timeout))
        env.dispatch(inv)
        inv.answered.wait()  # the watchdog answers it at the deadline
        pool.watchdog.forget(inv)
        inv.report()
        held = inv.settle()  # the runtime still holds it: leaving OVERTIME releases the slot
        if not held:
            env.wait_extensions(inv, timeout - inv.duration_ms / 1000)
        return True
    finally:
        if not held:
            pool.release(env)


def _timed_out(env: Environment, inv: Invocation, timeout: float) -> None:
    """The watchdog's call at the deadline: Lambda's timeout answer, and the environment reset."""
    if inv.time_out(lambda_errors.timed_out(inv.request_id, timeout)) and not env.managed:
        env.reset("timeout")  # the next request starts a fresh one
