"""A module that sets up its own event loop at import and makes a client in it."""

import asyncio

INIT_LOOP = asyncio.new_event_loop()
asyncio.set_event_loop(INIT_LOOP)
INIT_CLIENT = INIT_LOOP.run_until_complete(asyncio.sleep(0, result="made at import"))


async def handler(event, context):
    return {"same_loop": asyncio.get_running_loop() is INIT_LOOP, "client": INIT_CLIENT}
