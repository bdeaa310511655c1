"""What the local server's tests share: starting it, calling it, waiting for things."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from kit.paths import BOOTSTRAP, HANDLERS, ROOT, SCRIPTED

SCRIPTED_RUNTIME = SCRIPTED / "runtime.py"
SCRIPTED_EXTENSION = SCRIPTED / "extension.py"
PYTHON_DIR = str(Path(sys.executable).parent)
INVOKE = "/2015-03-31/functions/function/invocations"
STREAM = "/2021-11-15/functions/function/response-streaming-invocations"
HEALTH = "/_local/health"
ARN = "arn:aws:lambda:us-east-1:012345678912:function:test_function"



def runtime_environ(**extra) -> dict:
    """The server's own environment in a test: this machine's, with this interpreter as `python3`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA", "_HANDLER", "LAMBDA_"))}
    env["PATH"] = PYTHON_DIR + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def our_runtime() -> list:
    return [str(BOOTSTRAP)]


def scripted_runtime() -> list:
    return [sys.executable, str(SCRIPTED_RUNTIME)]


class Reply:
    def __init__(self, status: int, headers: dict, body: bytes) -> None:
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.headers}, {self.body[:300]!r})"


class Client:
    """One keep-alive connection to the server."""

    def __init__(self, port: int, timeout: float = 30, host: str = "127.0.0.1") -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Reply:
        self.conn.request(method, path, body=body, headers=headers or {})
        reply = self.conn.getresponse()
        data = reply.read()
        return Reply(reply.status, {k.lower(): v for k, v in reply.getheaders()}, data)

    def invoke(self, payload=b"{}", headers: dict | None = None) -> Reply:
        if not isinstance(payload, bytes):
            payload = json.dumps(payload).encode()
        return self.request("POST", INVOKE, payload, headers)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def call(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
         timeout: float = 30, host: str = "127.0.0.1") -> Reply:
    with Client(port, timeout, host) as client:
        return client.request(method, path, body, headers)


def invoke(port: int, payload=b"{}", headers: dict | None = None, timeout: float = 30) -> Reply:
    with Client(port, timeout) as client:
        return client.invoke(payload, headers)


def raw(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Sends bytes as they are; returns everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def lambda_client(port: int, retries: int = 1):
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=BotoConfig(retries={"max_attempts": retries, "mode": "standard"},
                                          read_timeout=60))


class ServerProcess:
    """`python3 -m local_server` in a process of its own (its memory is its own), on a port of its
    choosing; what it says is kept in `said`."""

    def __init__(self, handler: str, *options: str, env: dict | None = None) -> None:
        environ = runtime_environ(_HANDLER=handler, LAMBDA_TASK_ROOT=str(HANDLERS),
                                  PYTHONPATH=str(ROOT / "runtime"), **(env or {}))
        self.proc = subprocess.Popen([sys.executable, "-m", "local_server", "--host", "127.0.0.1", "--port", "0",
                                      "--extensions-dir", "/nonexistent", *options, str(BOOTSTRAP)],
                                     env=environ, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        line = self.proc.stderr.readline().decode()
        self.said = [line]
        self.port = int(line.split(" on 127.0.0.1:")[1].split(";")[0])
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.said.append(line.decode())

    def rss_kib(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

    def stop(self) -> int:
        self.proc.terminate()
        code = self.proc.wait(20)
        self._reader.join(10)
        return code

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(10)
        self.proc.stderr.close()


def log_lines(path: Path) -> list:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


__all__ = ["ARN", "HANDLERS", "HEALTH", "INVOKE", "STREAM"]
