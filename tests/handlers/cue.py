"""A test's cue to a running handler: a file the test creates when the handler may go on."""

import os
import time


def wait_for(path: str, timeout: float = 20.0) -> None:
    """Blocks until the test creates `path`, polling."""
    give_up = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > give_up:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.005)
