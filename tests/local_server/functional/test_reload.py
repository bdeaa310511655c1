"""Hot reload: a code folder served over the image's task root, reloaded when a file changes."""

import os
import threading

from kit.polling import wait_until
from kit.server_harness import invoke

APP = """import dep

VERSION = {version!r}


def handler(event, context):
    return {{"version": VERSION, "dep": dep.VALUE}}
"""


def _layout(tmp_path, version="v1"):
    image = tmp_path / "var-task"  # what the image installed: a dependency, compiled bytecode
    image.mkdir()
    (image / "dep.py").write_text('VALUE = "from the image"\n')
    (image / "app.py").write_text("def handler(event, context):\n    return 'the image copy'\n")
    code = tmp_path / "code"  # the developer's folder, mounted read-only
    code.mkdir()
    (code / "app.py").write_text(APP.format(version=version))
    return image, code


def _console_lines(server) -> list:
    return [line for line in server.console.stderr.decode().splitlines() if "code changed" in line]


def test_code_folder_over_the_task_root_and_a_change_reloads(serve, tmp_path):
    image, code = _layout(tmp_path)
    server = serve("app.handler", task_root=image, code_dir=str(code), poll_interval=0.05)
    assert invoke(server.port).json() == {"version": "v1", "dep": "from the image"}
    (code / "app.py").write_text(APP.format(version="v2-longer"))
    # Nothing is invoked until the change is seen, so the environment is idle when it is.
    wait_until(lambda: _console_lines(server), what="the change to be seen")
    assert invoke(server.port).json()["version"] == "v2-longer"
    assert _console_lines(server) == [
        "local-server: code changed (app.py changed): the next request runs the new code; "
        "1 idle environment(s) retired"]
    assert server.pool.stats()["started"] == 2


def test_added_files_are_seen(serve, tmp_path):
    image, code = _layout(tmp_path)
    server = serve("app.handler", task_root=image, code_dir=str(code), poll_interval=0.05)
    invoke(server.port)
    (code / "dep.py").write_text('VALUE = "from the code folder"\n')
    wait_until(lambda: invoke(server.port).json()["dep"] == "from the code folder", what="the new module")
    assert _console_lines(server)[0].startswith("local-server: code changed (dep.py added)")


def test_in_flight_request_finishes_on_the_old_code(serve, tmp_path):
    image, code = _layout(tmp_path)
    (code / "app.py").write_text(
        "import os, time\nVERSION = 'old'\n\ndef handler(event, context):\n"
        "    open(event['started'], 'w').close()\n"
        "    while not os.path.exists(event['gate']):\n        time.sleep(0.005)\n    return VERSION\n")
    server = serve("app.handler", task_root=image, code_dir=str(code), poll_interval=0.05, timeout=20)
    gate, started = tmp_path / "gate", tmp_path / "started"
    event = {"gate": str(gate), "started": str(started)}
    results = []
    thread = threading.Thread(target=lambda: results.append(invoke(server.port, event).json()))
    thread.start()
    wait_until(started.exists, what="the old code to start running")
    (code / "app.py").write_text((code / "app.py").read_text().replace("'old'", "'new'"))
    wait_until(lambda: _console_lines(server), what="the change to be seen")
    assert _console_lines(server)[0].endswith("0 idle environment(s) retired, 1 after their request")
    gate.write_text("open")
    thread.join(20)
    assert results == ["old"]
    assert invoke(server.port, event).json() == "new"
    wait_until(lambda: server.pool.stats()["environments"] == 1, what="the old environment to be retired")


def test_runtime_sees_the_view_and_a_pycache_prefix(serve, tmp_path):
    image, code = _layout(tmp_path)
    (code / "env.py").write_text("import os\n\ndef handler(event, context):\n"
                                 "    found = {n: os.environ.get(n) for n in event['names']}\n"
                                 "    found['cwd'] = os.getcwd()\n    return found\n")
    server = serve("env.handler", task_root=image, code_dir=str(code))
    found = invoke(server.port, {"names": ["LAMBDA_TASK_ROOT", "PYTHONPYCACHEPREFIX"]}).json()
    view = found["LAMBDA_TASK_ROOT"]
    assert view.startswith("/tmp/lambda-local-") and view.endswith("/task")
    assert found["PYTHONPYCACHEPREFIX"] == os.path.join(os.path.dirname(view), "pycache")
    assert os.path.realpath(found["cwd"]) == os.path.realpath(view)
    assert sorted(os.listdir(view)) == ["app.py", "dep.py", "env.py"]
    assert os.readlink(os.path.join(view, "app.py")) == str(code / "app.py")  # the code folder wins
    assert os.readlink(os.path.join(view, "dep.py")) == str(image / "dep.py")
    server.stop()
    assert not os.path.exists(view)


def test_without_a_code_folder_the_task_root_is_served_as_it_is(serve, tmp_path):
    image, _ = _layout(tmp_path)
    server = serve("app.handler", task_root=image)
    assert invoke(server.port).json() == "the image copy"
    assert server.watcher is None


def test_a_code_folder_mounted_over_the_task_root_itself_is_watched(serve, tmp_path):
    image, _ = _layout(tmp_path)
    server = serve("app.handler", task_root=image, code_dir=str(image), poll_interval=0.05)
    assert invoke(server.port).json() == "the image copy"
    (image / "app.py").write_text("def handler(event, context):\n    return 'edited in place'\n")
    wait_until(lambda: invoke(server.port).json() == "edited in place", what="the edit to run")


def test_an_environment_retired_as_the_server_stops_leaves_no_file_open(serve):
    server = serve("cases.echo")
    assert invoke(server.port, b'"warm"').json() == "warm"
    env = server.pool.envs[0]
    wait_until(lambda: server.pool.stats()["busy"] == 0, what="the environment to be free (after REPORT)")
    assert server.pool.new_generation(1, server.pool.task_root) == (1, 0)  # retired: shuts down in the background
    server.stop()  # at once, while it may still be shutting down
    assert not env.processes.has_open_files()
