"""Error bodies and stack traces: only the user's frames."""

from kit.source_lines import line_of
from lambda_runtime import errors


def _raise_here():
    raise ValueError("bad value")


def test_make_error_has_awslambdaric_keys_in_order():
    body = errors.make_error("m", "T", None, "id")
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert body == {"errorMessage": "m", "errorType": "T", "requestId": "id", "stackTrace": []}
    assert errors.make_error("", "", [])["requestId"] == ""


def test_from_exception_lists_frames_in_format_list_form_without_carets():
    try:
        _raise_here()
    except ValueError as exc:
        body, cause = errors.from_exception(exc, "req")
    line = line_of(__file__, '    raise ValueError("bad value")')
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "bad value"
    assert body["stackTrace"][-1] == (
        f'  File "{__file__}", line {line}, in _raise_here\n    raise ValueError("bad value")\n')
    assert "^" not in "".join(body["stackTrace"])
    assert cause["exceptions"][0]["type"] == "ValueError"
    assert cause["exceptions"][0]["stack"][-1] == {"label": "_raise_here", "path": __file__, "line": line}
    assert cause["paths"] == [__file__]


def test_runtime_frames_at_the_top_are_cut():
    # The traceback starts in a file inside the runtime package, as the loop's own frame does.
    source = ("import sys\ndef call(f):\n    try:\n        f()\n"
              "    except ValueError:\n        return sys.exc_info()[2]\n")
    namespace = {}
    exec(compile(source, errors._RUNTIME_DIR + "fake_loop.py", "exec"), namespace)
    frames = errors.user_frames(namespace["call"](_raise_here))
    assert [(f[2], f[3]) for f in frames] == [("_raise_here", 'raise ValueError("bad value")')]


def test_fault_errors_have_their_own_type_and_no_stack():
    body, cause = errors.from_exception(errors.FaultError("Runtime.MarshalError", "nope"), "r")
    assert body == {"errorMessage": "nope", "errorType": "Runtime.MarshalError", "requestId": "r",
                    "stackTrace": []}
    assert cause["exceptions"] == [{"message": "nope", "type": "LambdaValidationError", "stack": []}]
