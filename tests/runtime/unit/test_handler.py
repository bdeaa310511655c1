"""Handler strings and the init error types of awslambdaric."""

import sys

import pytest
from lambda_runtime.errors import FaultError
from lambda_runtime.handler import load_handler, prepare_sys_path, split_handler


@pytest.mark.parametrize("handler,expected", [
    ("app.handler", ("app", "handler")),
    ("pkg/sub/mod.fn", ("pkg/sub/mod", "fn")),
    ("pkg.sub.mod.fn", ("pkg.sub.mod", "fn")),
    ("pkg/sub.mod.fn", ("pkg/sub.mod", "fn")),
])
def test_split_at_the_last_dot(handler, expected):
    assert split_handler(handler) == expected


def test_no_dot_is_a_malformed_handler_name():
    with pytest.raises(FaultError) as err:
        split_handler("handler")
    assert err.value.error_type == "Runtime.MalformedHandlerName"
    assert err.value.message == "Bad handler 'handler': not enough values to unpack (expected 2, got 1)"


@pytest.fixture
def task_root(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    prepare_sys_path(str(tmp_path))
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def write(root, path, text):
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


@pytest.mark.parametrize("handler", ["pkg/sub/mod.fn", "pkg.sub.mod.fn", "pkg/sub.mod.fn"])
def test_nested_modules_load_in_every_spelling(task_root, handler):
    write(task_root, "pkg/__init__.py", "")
    write(task_root, "pkg/sub/__init__.py", "")
    write(task_root, "pkg/sub/mod.py", "def fn(e, c):\n    return 'nested'\n")
    assert load_handler(handler)(None, None) == "nested"


def test_task_root_then_layers_come_first(task_root):
    v = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert sys.path[:3] == [str(task_root), f"/opt/python/lib/{v}/site-packages", "/opt/python"]


def test_pth_files_in_the_task_root_are_honoured(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "vendor").mkdir()
    (tmp_path / "extra.pth").write_text("vendor\n")
    prepare_sys_path(str(tmp_path))
    assert str(tmp_path / "vendor") in sys.path


@pytest.mark.parametrize("source,handler,error_type,message", [
    (None, "sys.handler", "Runtime.BuiltInModuleConflict",
     "Cannot use built-in module sys as a handler module"),
    (None, "nothere.handler", "Runtime.ImportModuleError",
     "Unable to import module 'nothere': No module named 'nothere'"),
    ("import missing_dep\n", "app.handler", "Runtime.ImportModuleError",
     "Unable to import module 'app': No module named 'missing_dep'"),
    ("x = 1\n", "app.handler", "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'app'"),
])
def test_init_error_types(task_root, source, handler, error_type, message):
    if source is not None:
        write(task_root, "app.py", source)
    with pytest.raises(FaultError) as err:
        load_handler(handler)
    assert (err.value.error_type, err.value.message) == (error_type, message)


def test_syntax_errors_anywhere_in_the_chain(task_root):
    write(task_root, "app.py", "import helper\n")
    write(task_root, "helper.py", "def broken(:\n")
    with pytest.raises(FaultError) as err:
        load_handler("app.handler")
    assert err.value.error_type == "Runtime.UserCodeSyntaxError"
    assert err.value.message.startswith("Syntax error in module 'app': ")
    assert err.value.stack_trace == [f'  File "{task_root / "helper.py"}" Line 1\n    def broken(:\n']


def test_other_exceptions_at_import_propagate(task_root):
    write(task_root, "app.py", "raise KeyError('cfg')\n")
    with pytest.raises(KeyError):
        load_handler("app.handler")
