"""The runtime on every CPython from 3.9 that this machine has (the test's own is always one)."""

import glob
import os
import subprocess
import sys

import pytest
from fake_api import FakeRuntimeApi
from paths import HANDLERS
from runtime_process import RuntimeProcess


def interpreters() -> dict:
    found = {f"{sys.version_info[0]}.{sys.version_info[1]}": sys.executable}
    candidates = [f"/usr/bin/python3.{minor}" for minor in range(9, 16)]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
    for path in candidates:
        try:
            out = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=10, check=False).stdout.strip()
        except OSError:
            continue
        if out and tuple(map(int, out.split("."))) >= (3, 9):
            found.setdefault(out, path)
    return found


INTERPRETERS = interpreters()


@pytest.mark.parametrize("version", sorted(INTERPRETERS, key=lambda v: tuple(map(int, v.split(".")))))
def test_runtime_serves_on(version, tmp_path):
    python_dir = tmp_path / "bin"
    python_dir.mkdir()
    (python_dir / "python3").symlink_to(INTERPRETERS[version])
    env = {"PATH": f"{python_dir}:/usr/bin:/bin"}
    with FakeRuntimeApi() as api:
        process = RuntimeProcess(api.address, "cases.decimals", HANDLERS, tmp_path, env=env)
        try:
            api.queue_event({})
            assert api.next_post().body == b'{"price": 19.990000000000000001, "nan": NaN}'
        finally:
            process.stop()
    with FakeRuntimeApi() as api:
        process = RuntimeProcess(api.address, "cases.raise_error", HANDLERS, tmp_path, env=env)
        try:
            api.queue_event("v")
            error = api.next_post().json()
        finally:
            process.stop()
    assert (error["errorType"], len(error["stackTrace"])) == ("ValueError", 2)
