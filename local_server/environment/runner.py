"""One invocation from start to end: an environment from the pool, init, the timeout, the report.

Whatever the route (Invoke, InvokeWithResponseStream, a function URL request, an Event
invocation in the background), an invocation runs the same way; only its responder differs.
"""

from __future__ import annotations

import time

from . import lambda_errors
from .reports import TIMEOUT


def run(pool, inv, timeout: float, wait: bool = False) -> bool:
    """Runs `inv` to its end; False when no environment could take it (the caller answers 429)."""
    env = pool.acquire(wait)
    if env is None:
        return False
    release = True
    # Its caller may send the next request as soon as it has this one's answer, before this
    # environment is released: the pool then waits for it instead of answering 429.
    inv.on_answer = lambda: pool.answered(env)
    try:
        inv.set_reporter(env.report)
        failure = env.wait_ready(inv.request_id)
        if failure is not None:
            # Init failed: the caller gets what Lambda answers (the init error as posted, or
            # the runtime's exit, or the init timeout), and the next request tries init again.
            status, error_type, body = failure
            inv.abort(status, error_type, body)
            inv.report()
            return True
        if env.managed:
            # Lambda Managed Instances: a timeout is reported and the code is not stopped
            # (its slot stays taken until the runtime answers, or the worker dies).
            inv.late_ok = True
            inv.on_late_end = lambda: pool.release(env)
        pool.watchdog.watch(inv, time.monotonic() + timeout, lambda inv: _timed_out(env, inv, timeout))
        conn = env.dispatch(inv)
        usable = True
        if conn is not None:
            # The runtime waits at /next: this thread writes the event and reads the answer itself.
            usable = conn.drive(inv)
        inv.done.wait()  # the watchdog ends it at the deadline
        pool.watchdog.forget(inv)
        with inv.lock:
            if env.managed and inv.status == TIMEOUT and inv.late_ok:
                release = False  # the runtime still holds it
            else:
                inv.late_ok, inv.on_late_end = False, None
        inv.report()
        if conn is not None:
            conn.finish(usable)
        if release:
            env.wait_extensions(timeout - inv.duration_ms / 1000)
        return True
    finally:
        if release:
            pool.release(env)


def _timed_out(env, inv, timeout: float) -> None:
    """The watchdog's call at the deadline: Lambda's timeout answer, and the environment reset."""
    if inv.abort(TIMEOUT, lambda_errors.SANDBOX_TIMEDOUT, lambda_errors.timed_out(inv.request_id, timeout)) \
            and not env.managed:
        env.reset("timeout")  # the next request starts a fresh one; a blocked driver sees the socket close
