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
from .pool import Pool, Watch


def run(pool: Pool, inv: Invocation, timeout: float, watch: Watch | None = None,
        patience: float | None = None) -> str | None:
    """Runs `inv` to its end, once an environment is free for it (waiting `patience`, by default its own
    timeout, at most, or until `watch` sees its client go); None when it ran, else why no environment
    took it (admission's outcomes)."""
    env = pool.acquire(inv.tenant_id, timeout if patience is None else patience, watch)
    if isinstance(env, str):
        return env
    run_on(pool, env, inv, timeout)
    return None


def run_on(pool: Pool, env: Environment, inv: Invocation, timeout: float) -> None:
    """Runs `inv` in `env`, which the pool gave it; the environment goes back to the pool at the end."""
    # Its caller may send the next request as soon as it has this one's answer, before this
    # environment is released: on managed instances the pool then waits for it instead of
    # answering 429; and there a timed-out invocation keeps its slot until the runtime gives it up.
    inv.assign(env.report, (lambda: pool.answered(env)) if env.managed else _nothing,
               (lambda: pool.release(env)) if env.managed else None)
    held = False
    try:
        failure = env.wait_ready(inv.request_id)
        if failure is not None:
            # Init failed: the caller gets what Lambda answers (the init error as posted, or
            # the runtime's exit, or the init timeout), and the next request tries init again.
            inv.abort(*failure)
            inv.report()
            return
        pool.watchdog.watch(inv, time.monotonic() + timeout, lambda inv: _timed_out(env, inv, timeout))
        env.dispatch(inv)
        inv.answered.wait()  # the watchdog answers it at the deadline
        pool.watchdog.forget(inv)
        inv.report()
        held = inv.settle()  # the runtime still holds it: leaving OVERTIME releases the slot
        if not held:
            env.wait_extensions(inv, timeout - inv.duration_ms / 1000)
    finally:
        if not held:
            pool.release(env)


def _nothing() -> None:
    pass


def _timed_out(env: Environment, inv: Invocation, timeout: float) -> None:
    """The watchdog's call at the deadline: Lambda's timeout answer, and the environment reset."""
    if inv.time_out(lambda_errors.timed_out(inv.request_id, timeout)) and not env.managed:
        env.reset("timeout")  # the next request starts a fresh one
