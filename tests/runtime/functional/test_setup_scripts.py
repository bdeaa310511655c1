"""The set-up the README's commands do by themselves, and the Makefile on other tools than GNU's."""

from __future__ import annotations

import os
import platform
import pwd
import shutil
import subprocess
import sys
import tempfile

import pytest
from kit.paths import ROOT

SCRIPTS = ROOT / "scripts"


def run(*command: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False, **kwargs)


def make_help(path: str) -> str:
    result = run("make", "-s", "-C", str(ROOT), "help", env={**os.environ, "PATH": path})
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(platform.system() == "Darwin", reason="macOS: `make help` runs on its own BSD tools below")
def test_make_help_under_busybox_tools(tmp_path):
    # busybox's sed, awk and grep stand in for the BSD tools of a laptop: no GNU-only options.
    busybox = shutil.which("busybox")
    assert busybox, "busybox is missing: `make tools` installs it (Debian: apt-get install busybox)"
    for tool in ("awk", "sed", "grep", "tr", "ls", "uname", "cut", "cat", "head", "sort"):
        (tmp_path / tool).symlink_to(busybox)
    gnu = make_help(os.environ["PATH"])
    assert make_help(f"{tmp_path}:{os.environ['PATH']}") == gnu
    assert "  make run-local            Serve the example function" in gnu
    assert gnu.count("\n  make ") >= 15


def test_make_help_lists_every_documented_target():
    targets = [line.split(":")[0] for line in (ROOT / "Makefile").read_text().splitlines()
               if "## " in line and ":" in line and not line.startswith(("#", "\t"))]
    listed = [line.split()[1] for line in make_help(os.environ["PATH"]).splitlines() if line.startswith("  make ")]
    assert listed == targets


def test_missing_tools_are_named_by_their_debian_package(tmp_path):
    # A PATH with nothing on it but python3 and docker (itself without a compose plugin).
    (tmp_path / "python3").symlink_to(sys.executable)
    (tmp_path / "docker").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "docker").chmod(0o755)
    for tool in ("uname", "sh"):
        (tmp_path / tool).symlink_to(shutil.which(tool))
    result = run("/bin/sh", str(SCRIPTS / "missing-tools.sh"), env={"PATH": str(tmp_path)})
    expected = "docker-compose busybox" + ("" if os.path.exists("/usr/bin/docker-registry") else " docker-registry") \
        + " npm"
    assert (result.returncode, result.stdout, result.stderr) == (0, expected + "\n", "")


def test_no_engine_at_docker_host_is_one_line(tmp_path):
    host = f"unix://{tmp_path}/nothing.sock"
    result = run(str(SCRIPTS / "ensure-docker.sh"), env={**os.environ, "DOCKER_HOST": host})
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"ensure-docker: no Docker engine answers 'docker info' at {host}: start Docker "
                             "Desktop (or 'sudo systemctl start docker'), then run make again\n")


@pytest.mark.docker
def test_a_user_the_engine_refuses_is_told_to_join_the_docker_group():
    assert run(str(SCRIPTS / "ensure-docker.sh")).returncode == 0  # the engine runs, for this user
    if os.geteuid() == 0:  # root reaches every socket: ask as a user outside the docker group
        readable = tempfile.mkdtemp(dir="/tmp")  # pytest's own folders are for root alone
        os.chmod(readable, 0o755)
        script = os.path.join(readable, "ensure-docker.sh")
        shutil.copy(SCRIPTS / "ensure-docker.sh", script)
        result = run("su", "-s", "/bin/sh", "nobody", "-c", script, cwd="/")
        shutil.rmtree(readable)
        user = "nobody"
    else:  # a socket behind a folder this user may not enter: refused the same way
        result = run(str(SCRIPTS / "ensure-docker.sh"), env={**os.environ, "DOCKER_HOST": "unix:///root/docker.sock"})
        user = pwd.getpwuid(os.geteuid()).pw_name
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"ensure-docker: the Docker engine refuses {user}: add yourself to the docker group "
                             f"('sudo usermod -aG docker {user}', then log in again), or run as root\n")
