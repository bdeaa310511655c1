"""Graceful shutdown: what SIGTERM does, and the opt-in that makes Lambda send it at all.

- Lambda sends SIGTERM to the runtime at shutdown only when an extension is registered;
  then the runtime has about 500 ms (2 s with an external extension) before SIGKILL.
- The runtime does its I/O on the main thread, where Python runs signal handlers: a
  handler the function installs with `signal.signal(SIGTERM, ...)` runs at once, even
  while the runtime waits for the next event (awslambdaric blocks in C there).
- Where the function installs none, SIGTERM ends the runtime with `SystemExit`, so
  `atexit` hooks run and buffered logs are flushed (the default action kills the
  process without either).
- `LAMBDA_ENABLE_SIGTERM=true` registers a no-op internal extension, the way AWS's Go and
  Rust runtimes enable SIGTERM (aws-lambda-go `lambda.WithEnableSIGTERM`): one request at
  init, and one more connection kept open waiting for an event that never comes.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal
    import socket
    from types import FrameType

    from .api_client import RuntimeApiClient
else:  # the same functions, without building `signal`'s enums (about 1 ms at start)
    import _signal as signal

EXTENSION_NAME = "lambda-python-sigterm"


def exit_on_sigterm() -> None:
    """SIGTERM raises SystemExit(0) in the main thread, unless the function sets its own handler."""
    global _fork_hooks
    signal.signal(signal.SIGTERM, _exit)
    if not _fork_hooks:
        _fork_hooks = True
        os.register_at_fork(before=_block, after_in_parent=_unblock, after_in_child=_default_in_child)


_fork_hooks = False
_SIGTERM = {signal.SIGTERM}


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


# A process the function forks (a multiprocessing pool's worker, say) must get SIGTERM's
# default action back: a Python-level handler there can leave Pool.terminate() waiting for a
# worker that never dies. SIGTERM is blocked across the fork, so that one sent to the child
# before its handler is reset waits in the kernel and then acts by default, instead of
# being taken by this handler and lost; in the parent it is only delayed.
def _block() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, _SIGTERM)


def _unblock() -> None:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGTERM)


def _default_in_child() -> None:
    if signal.getsignal(signal.SIGTERM) is _exit:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _unblock()


def enable_sigterm(client: RuntimeApiClient) -> socket.socket:
    """Registers the no-op internal extension and leaves it waiting for its next event.

    An internal extension may subscribe to no event (SHUTDOWN is for external ones); being
    registered is what makes Lambda signal the runtime. The socket is returned to be kept
    open for the life of the process.
    """
    return client.wait_for_extension_event(client.register_extension(EXTENSION_NAME))
