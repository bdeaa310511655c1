"""A request waiting for an environment, seen from the caller's side: is its client still there,
and what it is answered when no environment took it.

While a request waits in line (environment.admission), nothing is read from its connection; a
client that closes it (a timeout of its own, Ctrl-C) would leave its place taken for nothing.
The supervisor's thread, which watches every descriptor, watches the connection too: readable
with nothing to read is the client gone, and its place is given up. (A client that half-closes
its side while it waits for the answer looks the same, and is taken for gone.)
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from ..console import Console
from ..environment import admission
from ..environment.supervisor import Supervisor
from ..wire import lambda_errors
from ..wire.lambda_errors import Answer


def watch_client(supervisor: Supervisor, sock: socket.socket) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """A watch for the pool (pool.Watch): calls `gone()` if the client closes its connection; the
    function it returns ends the watch."""
    def watch(gone: Callable[[], None]) -> Callable[[], None]:
        def readable() -> None:
            try:
                data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            supervisor.remove(sock)  # once: a pipelined request (data) is no sign of leaving
            if not data:
                gone()

        supervisor.add(sock, readable)
        return lambda: supervisor.remove(sock)

    return watch


def refused(outcome: str, timeout: float, max_environments: int, console: Console) -> Answer:
    """The answer to a request no environment took (admission's outcome)."""
    if outcome == admission.THROTTLED:
        return lambda_errors.too_many_requests(lambda_errors.RESERVED_LIMIT)
    if outcome == admission.TIMED_OUT:
        console.say(f"a request waited its whole timeout ({timeout:g} s) for one of the {max_environments} "
                    "execution environments and got 429; --max-environments runs more at once")
    # Every environment the server runs was busy: the account-level reason (FULL: managed instances
    # "might reject new invokes to protect invokes that are already in flight").
    return lambda_errors.too_many_requests(lambda_errors.CONCURRENCY_LIMIT)
