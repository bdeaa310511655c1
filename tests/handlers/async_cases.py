"""async def handlers: one event loop for the life of the process."""

import asyncio

CLIENTS = []


class Client:
    """Stands for an aiohttp/aioboto3 client: bound to the loop it was made in."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.calls = 0

    async def call(self) -> int:
        assert asyncio.get_running_loop() is self.loop, "the client is used in another loop"
        self.calls += 1
        await asyncio.sleep(0)
        return self.calls


async def async_handler(event, context):
    if not CLIENTS:  # made once, in the first invocation's loop, and reused
        CLIENTS.append(Client())
    return {"calls": await CLIENTS[0].call(), "clients": len(CLIENTS), "request": context.aws_request_id}


async def async_raises(event, context):
    await asyncio.sleep(0)
    raise KeyError("missing")


def sync_returns_coroutine(event, context):
    """A decorated handler: sync on the outside, a coroutine inside."""
    return async_handler(event, context)


async def async_loaded(event, context):
    import sys

    return sorted(name for name in event["modules"] if name in sys.modules)
