"""The server and the runtime on every CPython >= 3.9 this machine has (the image ships 3.13)."""

import glob
import os
import subprocess
import sys

import pytest
from kit.paths import HANDLERS, ROOT
from kit.server_harness import invoke, runtime_environ


def _interpreters() -> list:
    found = {}
    for path in [*sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3"))), sys.executable]:
        try:
            version = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                     capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            continue
        if tuple(map(int, version.split("."))) >= (3, 9):
            found.setdefault(version, path)
    return sorted(found.items())


@pytest.mark.parametrize("version,python", _interpreters(), ids=[v for v, _ in _interpreters()])
def test_server_and_runtime_on_this_python(version, python, tmp_path):
    # From a checkout, the Runtime API's definition the server shares with the runtime is in runtime/.
    env = runtime_environ(PATH=os.path.dirname(python) + os.pathsep + os.environ["PATH"], _HANDLER="cases.context_info",
                          LAMBDA_TASK_ROOT=str(HANDLERS), PYTHONPATH=str(ROOT / "runtime"))
    proc = subprocess.Popen([python, str(ROOT / "local_server" / "__main__.py"), "--host", "127.0.0.1", "--port", "0",
                             str(ROOT / "runtime" / "bootstrap")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stderr.readline().decode()
        port = int(line.split(" on 127.0.0.1:")[1].split(";")[0])
        reply = invoke(port, b"{}", {"X-Amzn-Trace-Id": "Root=1-py"})
        assert reply.status == 200 and reply.json()["trace"] == "Root=1-py"
        assert invoke(port, b"x" * 100, {"X-Amz-Invocation-Type": "DryRun"}).status == 204
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
        proc.stdout.close()
        proc.stderr.close()
