"""The local server as the image ships it: one zip, packed by image/pack-local-server.py, with its
subpackages and the Runtime API's definition inside, run by `python3 local_server.zip`."""

import subprocess
import sys
import zipfile

import pytest
from kit.paths import BOOTSTRAP, HANDLERS, ROOT
from kit.server_harness import invoke, runtime_environ


def _pack(out):
    done = subprocess.run([sys.executable, str(ROOT / "image" / "pack-local-server.py"), str(ROOT / "local_server"),
                           str(ROOT / "runtime" / "lambda_runtime_api"), str(out)],
                          capture_output=True, text=True, check=True)
    assert done.stdout.startswith("pack-local-server: ")
    return out


@pytest.fixture
def packed(tmp_path):
    return _pack(tmp_path / "local_server.zip")


def test_the_zip_holds_every_module_of_every_subpackage_with_its_bytecode(packed):
    sources = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "local_server").rglob("*.py"))
    sources += ["lambda_runtime_api/__init__.py"]
    with zipfile.ZipFile(packed) as archive:
        names = archive.namelist()
    assert sorted(name for name in names if name.endswith(".py") and name != "__main__.py") == sorted(sources)
    assert {name + "c" for name in sources} <= set(names)
    assert {"local_server/wire/http.py", "local_server/environment/invocation.py",
            "local_server/front/responders.py", "local_server/reload/code_watch.py"} <= set(names)
    # The same sources always make the same zip (fixed dates, a fixed order).
    assert _pack(packed.with_name("again.zip")).read_bytes() == packed.read_bytes()


def test_the_zip_runs_help_and_serves_an_invoke_from_its_own_modules(packed, tmp_path):
    # Run from an empty folder without PYTHONPATH: nothing but the zip can provide the modules.
    env = runtime_environ(_HANDLER="cases.context_info", LAMBDA_TASK_ROOT=str(HANDLERS))
    env.pop("PYTHONPATH", None)
    helped = subprocess.run([sys.executable, str(packed), "--help"], env=env, cwd=str(tmp_path),
                            capture_output=True, text=True, check=True)
    assert helped.stdout.startswith("usage: python3 -m local_server [options] [RUNTIME COMMAND [ARGS...]]\n")
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import local_server.wire.http as h, "
             "local_server.environment.invocation as i, lambda_runtime_api as a; "
             "print(h.__file__, i.__file__, a.__file__)")
    where = subprocess.run([sys.executable, "-c", probe, str(packed)], env=env, cwd=str(tmp_path),
                           capture_output=True, text=True, check=True).stdout.split()
    # Their bytecode, compiled when packed.
    assert where == [f"{packed}/local_server/wire/http.pyc", f"{packed}/local_server/environment/invocation.pyc",
                     f"{packed}/lambda_runtime_api/__init__.pyc"]
    server = subprocess.Popen([sys.executable, str(packed), "--host", "127.0.0.1", "--port", "0", str(BOOTSTRAP)],
                              env=env, cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        line = server.stderr.readline().decode()
        port = int(line.split(" on 127.0.0.1:")[1].split(";")[0])
        reply = invoke(port, b"{}", {"X-Amzn-Trace-Id": "Root=1-zip"})
        assert (reply.status, reply.json()["trace"]) == (200, "Root=1-zip")
    finally:
        server.terminate()
        server.communicate(timeout=10)
    assert server.returncode == 0


def test_every_subpackage_reaches_the_image_build():
    # The build context is what .dockerignore lets through; Docker's legacy builder needs each
    # folder named (a missing one fails the image's build at `local_server.zip --help`).
    allowed = set((ROOT / ".dockerignore").read_text().splitlines())
    packages = sorted(path.parent.relative_to(ROOT) for path in (ROOT / "local_server").rglob("__init__.py"))
    assert [str(package) for package in packages if f"!{package}/*.py" not in allowed] == []
    assert "!runtime/lambda_runtime_api/*.py" in allowed
