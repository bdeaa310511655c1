"""awslambdaric's hook surface (lambda_runtime/bootstrap.py) against awslambdaric 4.2.2 itself.

Code that hooks the runtime replaces these names and calls the originals with the arguments
it was given: each must exist with awslambdaric's parameters, in awslambdaric's order, with its
defaults. (What the hooks then do is tests/runtime/differential/test_error_trackers.py.)
"""

import inspect

import pytest
from awslambdaric import bootstrap as theirs
from awslambdaric.lambda_runtime_client import LambdaRuntimeClient as TheirClient
from lambda_runtime import bootstrap as ours


def parameters(function) -> list:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_handle_event_request_takes_awslambdarics_arguments():
    assert parameters(ours.handle_event_request) == parameters(theirs.handle_event_request)


@pytest.mark.parametrize("method", ["post_init_error", "post_invocation_result", "post_invocation_error"])
def test_the_client_methods_hooks_wrap_take_awslambdarics_arguments(method):
    assert parameters(getattr(ours.LambdaRuntimeClient, method)) == parameters(getattr(TheirClient, method))


def test_the_surface_is_where_awslambdaric_has_it():
    # sentry-sdk and honeybadger look for `handle_event_request` and `LambdaRuntimeClient` on
    # the module they find as `__main__.bootstrap` (runtime/bootstrap binds this one there).
    assert hasattr(theirs, "LambdaRuntimeClient") and hasattr(ours, "LambdaRuntimeClient")
    assert not hasattr(ours, "handle_http_request")  # would make them take it for Python 3.6's runtime


def test_handle_event_request_before_a_handler_is_loaded_says_so():
    client = ours.LambdaRuntimeClient(api=None, encoder=None)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="before the runtime loaded its handler"):
        ours.handle_event_request(client, print, "r", b"{}", "application/json", None, None, None, 0, None, None)


@pytest.mark.parametrize("body,error_type", [
    ('{"errorType": "ValueError", "errorMessage": "x"}', "ValueError"),
    ('{"errorMessage": "x"}', ""),
    ('{"errorType": 3}', ""),
    ("[1]", ""),
    ("not json", ""),
])
def test_the_error_type_header_comes_from_the_error_body(body, error_type):
    sent = []

    class Api:
        def post_error(self, *args):
            sent.append(args)

    ours.LambdaRuntimeClient(Api(), None).post_invocation_error("r-1", body, "{}", "i-1")  # type: ignore[arg-type]
    assert sent == [("r-1", body.encode(), error_type, "{}", "i-1")]
