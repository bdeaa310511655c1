"""The process's one asyncio event loop, for `async def` handlers.

It is made once (at init when the handler is a coroutine or async generator function,
else on the first awaitable result) and kept for the life of the process: a client or
connection pool made in it by one invocation (or at import, in a loop the module set
as current) serves every later one. `asyncio` is imported only then: a sync handler
never pays for it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable
    from typing import TypeVar

    T = TypeVar("T")

class EventLoop:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, awaitable: Awaitable[T]) -> T:
        """Runs `awaitable` to completion on the process's loop, made on first use."""
        loop = self._loop
        if loop is None or loop.is_closed():
            loop = self._loop = _current_or_new_loop()
        return loop.run_until_complete(awaitable)

    def prepare(self) -> None:
        """Makes the loop now (at init), so the first invocation does not pay for it."""
        if self._loop is None:
            self._loop = _current_or_new_loop()


def _current_or_new_loop() -> asyncio.AbstractEventLoop:
    import asyncio
    import warnings

    # A loop the user's module set as current at import (to make clients in it) is the
    # one to keep; asking for it must not make one (deprecated since 3.12, an error in 3.14).
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_event_loop()
        except (RuntimeError, DeprecationWarning):
            loop = None
    if loop is None or loop.is_closed() or loop.is_running():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop
