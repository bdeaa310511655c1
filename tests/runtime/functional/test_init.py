"""Init, contract section 2: every init error type reaches /init/error, then the process exits."""

import sys
from pathlib import Path

import pytest
from kit.paths import BOOTSTRAP, RUNTIME_DIR


@pytest.fixture
def task_root(tmp_path):
    root = tmp_path / "task"
    root.mkdir()
    return root


INIT_CASES = [
    # (files, handler, errorType, errorMessage)
    ({}, "app", "Runtime.MalformedHandlerName",
     "Bad handler 'app': not enough values to unpack (expected 2, got 1)"),
    ({}, "sys.handler", "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module"),
    ({}, "missing.handler", "Runtime.ImportModuleError",
     "Unable to import module 'missing': No module named 'missing'"),
    ({"app.py": "import not_installed\n"}, "app.handler", "Runtime.ImportModuleError",
     "Unable to import module 'app': No module named 'not_installed'"),
    ({"app.py": "x = 1\n"}, "app.handler", "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'app'"),
    ({"app.py": "import settings\n", "settings.py": "TABLE = os.environ['TABLE']\n"}, "app.handler",
     "NameError", "name 'os' is not defined"),
]


@pytest.mark.parametrize("files,handler,error_type,message", INIT_CASES)
def test_init_errors(api, start, task_root, files, handler, error_type, message):
    for name, text in files.items():
        (task_root / name).write_text(text)
    process = start(handler, task_root=task_root)
    assert process.wait() == 1
    post = api.next_post()
    assert (post.kind, post.headers["lambda-runtime-function-error-type"]) == ("init_error", error_type)
    body = post.json()
    assert (body["errorType"], body["errorMessage"], body["requestId"]) == (error_type, message, "")
    assert api.next_calls == 0  # never asked for an event
    assert "LAMBDA_WARNING: Unhandled exception." in process.stdout
    assert f"[ERROR] {error_type}: {message}\rTraceback (most recent call last):" in process.stdout


def test_exception_at_import_lists_only_user_frames(api, start, task_root):
    (task_root / "app.py").write_text("import settings\n")
    (task_root / "settings.py").write_text("def load():\n    raise KeyError('TABLE')\nload()\n")
    start("app.handler", task_root=task_root).wait()
    assert api.next_post().json()["stackTrace"] == [
        f'  File "{task_root}/app.py", line 1, in <module>\n    import settings\n',
        f'  File "{task_root}/settings.py", line 3, in <module>\n    load()\n',
        f'  File "{task_root}/settings.py", line 2, in load\n    raise KeyError(\'TABLE\')\n',
    ]


def test_syntax_error_in_the_import_chain(api, start, task_root):
    (task_root / "app.py").write_text("import helper\n")
    (task_root / "helper.py").write_text("def f(:\n    pass\n")
    start("app.handler", task_root=task_root).wait()
    body = api.next_post().json()
    assert body["errorType"] == "Runtime.UserCodeSyntaxError"
    assert body["errorMessage"] == "Syntax error in module 'app': invalid syntax (helper.py, line 1)"
    assert body["stackTrace"] == [f'  File "{task_root}/helper.py" Line 1\n    def f(:\n']


def test_handler_module_is_imported_once_before_the_first_next(api, start, task_root):
    (task_root / "app.py").write_text(
        "import os\nSTARTS = open(os.environ['MARKER'], 'a').write('x')\n"
        "def handler(e, c):\n    return open(os.environ['MARKER']).read()\n")
    marker = task_root / "marker"
    start("app.handler", task_root=task_root, env={"MARKER": str(marker)})
    api.wait_for_next_calls(1)
    assert marker.read_text() == "x"  # imported at init, before any event
    for _ in range(3):
        api.queue_event({})
        assert api.next_post().json() == "x"


def test_exec_wrapper_runs_the_runtime(api, start, task_root):
    wrapper = task_root / "wrapper.sh"
    wrapper.write_text('#!/bin/sh\nexport WRAPPED="$*"\nexec "$@"\n')
    wrapper.chmod(0o755)
    (task_root / "app.py").write_text("import os\ndef handler(e, c):\n    return os.environ['WRAPPED']\n")
    start("app.handler", task_root=task_root, env={"AWS_LAMBDA_EXEC_WRAPPER": str(wrapper)})
    api.queue_event({})
    # As AWS's runtime hands it over: the interpreter by its full path, then the script.
    interpreter, *rest = api.next_post().json().split(" ")
    assert Path(interpreter).is_absolute() and Path(interpreter).name.startswith("python")
    assert rest == ["-u", str(RUNTIME_DIR / "lambda_runtime" / "__main__.py")]


def test_bootstrap_pinned_as_the_image_pins_it(api, start, tmp_path):
    # What the Dockerfile does to bootstrap's first line: the kernel then starts this
    # interpreter itself, no shell in between (argv[0] is its full path, not "python3").
    folder = tmp_path / "runtime"
    folder.mkdir()
    (folder / "lambda_runtime").symlink_to(RUNTIME_DIR / "lambda_runtime")
    (folder / "lambda_runtime_api").symlink_to(RUNTIME_DIR / "lambda_runtime_api")
    pinned = folder / "bootstrap"
    pinned.write_text(f"#!{sys.executable} -u\n" + BOOTSTRAP.read_text().split("\n", 1)[1])
    pinned.chmod(0o755)
    start("cases.command_line", command=lambda handler: [str(pinned)])
    api.queue_event({})
    assert api.next_post().json() == [sys.executable, "-u", str(pinned)]


@pytest.mark.parametrize("wrapped", [False, True])
def test_runs_where_python_puts_no_script_folder_on_the_path(api, start, task_root, wrapped):
    # PYTHONSAFEPATH (Python 3.11+; older lines ignore it): nothing is put first on sys.path,
    # neither bootstrap's folder nor, through a wrapper, the package's own.
    env = {"PYTHONSAFEPATH": "1"}
    if wrapped:
        (task_root / "wrapper.sh").write_text('#!/bin/sh\nexec "$@"\n')
        (task_root / "wrapper.sh").chmod(0o755)
        env["AWS_LAMBDA_EXEC_WRAPPER"] = str(task_root / "wrapper.sh")
    (task_root / "app.py").write_text("import sys\ndef handler(e, c):\n    return sys.path\n")
    start("app.handler", task_root=task_root, env=env)
    api.queue_event({})
    path = api.next_post().json()
    assert str(RUNTIME_DIR) in path and str(RUNTIME_DIR / "lambda_runtime") not in path


def test_exec_wrapper_that_cannot_run_is_reported(api, start, task_root):
    wrapper = task_root / "wrapper.sh"
    wrapper.write_text('#!/bin/sh\nexec "$@"\n')
    wrapper.chmod(0o644)
    process = start("app.handler", task_root=task_root, env={"AWS_LAMBDA_EXEC_WRAPPER": str(wrapper)})
    assert process.wait() == 126
    assert process.stderr == f"{wrapper}: is not an executable\n"


def test_missing_exec_wrapper_is_reported(api, start, task_root):
    process = start("app.handler", task_root=task_root, env={"AWS_LAMBDA_EXEC_WRAPPER": "/nope"})
    assert process.wait() == 127
    assert process.stderr == "/nope: does not exist\n"


def test_a_functions_own_bootstrap_module_imports(start, api, tmp_path):
    # The runtime's hook surface is `__main__.bootstrap`, not a module named `bootstrap`.
    root = tmp_path / "task"
    root.mkdir()
    (root / "bootstrap.py").write_text("WHO = 'the function'\n")
    (root / "app.py").write_text("import bootstrap\n\ndef handler(event, context):\n    return bootstrap.WHO\n")
    start("app.handler", task_root=root)
    api.queue_event({})
    assert api.next_post().json() == "the function"
