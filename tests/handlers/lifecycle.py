"""Lifecycle: SIGTERM, atexit, and which worker process answers (managed instances)."""

import atexit
import os
import signal
import sys

from cue import wait_for


def _record(path: str, text: str) -> None:
    with open(path, "a") as f:
        f.write(text + "\n")


MARKS = os.environ.get("MARKS")  # a file the test reads back
if MARKS:
    atexit.register(_record, MARKS, "atexit ran")
    if os.environ.get("OWN_SIGTERM_HANDLER"):
        signal.signal(signal.SIGTERM, lambda signum, frame: _record(MARKS, f"own handler: signal {signum}"))


def busy(event, context):
    """Runs Python code until the test's cue (the test signals the runtime meanwhile)."""
    _record(MARKS, "busy")
    wait_for(event["cue"])
    return "done"


def prints(event, context):
    print("printed before the signal")
    return "ok"


IMPORTED_IN = os.getpid()


def whoami(event, context):
    """Which worker process answers, and where its module was imported."""
    if event.get("started"):  # a file per invocation under way, for a test to count
        open(os.path.join(event["started"], context.aws_request_id), "w").close()
    if event.get("cue"):
        wait_for(event["cue"])
    if event.get("exit"):
        sys.stdout.flush()
        os._exit(event["exit"])
    return {"pid": os.getpid(), "imported_in": IMPORTED_IN, "request": context.aws_request_id}
