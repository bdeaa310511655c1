"""async def handlers: one event loop for the life of the process."""


def invoke(api, event=None, **kwargs):
    request_id = api.queue_event({} if event is None else event, **kwargs)
    post = api.next_post()
    assert post.request_id == request_id
    return post


def test_a_client_made_in_the_first_invocation_serves_every_later_one(api, start):
    start("async_cases.async_handler")
    answers = [invoke(api, request_id=f"r{i}").json() for i in range(3)]
    assert answers == [{"calls": i + 1, "clients": 1, "request": f"r{i}"} for i in range(3)]


def test_a_loop_the_module_set_up_at_import_is_the_one_used(api, start):
    start("init_loop.handler")
    for _ in range(2):
        assert invoke(api).json() == {"same_loop": True, "client": "made at import"}


def test_an_async_error_is_reported_like_a_sync_one(api, start):
    start("async_cases.async_raises")
    error = invoke(api).json()
    assert (error["errorType"], error["errorMessage"]) == ("KeyError", "'missing'")
    assert error["stackTrace"][-1].endswith('    raise KeyError("missing")\n')
    assert len(error["stackTrace"]) == 1  # the user's frame only, not asyncio's or the runtime's


def test_a_sync_handler_that_returns_a_coroutine_is_awaited(api, start):
    start("async_cases.sync_returns_coroutine")
    assert [invoke(api).json()["calls"] for _ in range(2)] == [1, 2]
