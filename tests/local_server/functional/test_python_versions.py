"""The server and the runtime on every CPython >= 3.9 this machine has (the image ships 3.13)."""

import os
import subprocess

import pytest
from kit.interpreters import interpreters
from kit.paths import HANDLERS, ROOT
from kit.server_harness import invoke, runtime_environ

INTERPRETERS = interpreters()

@pytest.mark.parametrize("version,python", INTERPRETERS.items(), ids=list(INTERPRETERS))
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
