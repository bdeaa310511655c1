"""Real servers for the push tests: Debian's OCI registry, and moto for the AWS control plane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from kit.rie_process import free_port, wait_for_http

ACCOUNT = "123456789012"
ECR_PASSWORD = f"{ACCOUNT}-auth-token"  # what moto's GetAuthorizationToken hands out


class Server:
    def __init__(self, command: list, url: str, log: Path, env: dict | None = None) -> None:
        self.url = url
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        wait_for_http(url, timeout=60)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


REGISTRY_IMAGE = "registry:2.8.2"  # the same release as Debian's docker-registry, for machines without it


def registry(workdir: Path, password: str = ECR_PASSWORD, readonly: bool = False) -> Server:
    """The OCI distribution registry on 127.0.0.1 with basic auth for user AWS: Debian's
    docker-registry where installed (CI), else the same release as a container (laptops)."""
    import bcrypt

    workdir.mkdir(parents=True, exist_ok=True)
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5, prefix=b"2a")).decode()
    (workdir / "htpasswd").write_text(f"AWS:{hashed}\n")
    port = free_port()
    binary = shutil.which("docker-registry") or (
        "/usr/bin/docker-registry" if os.path.exists("/usr/bin/docker-registry") else None)
    root = workdir if binary else Path("/work")
    (workdir / "config.yml").write_text(f"""version: 0.1
storage:
  filesystem:
    rootdirectory: {root / "data"}
  delete:
    enabled: true
  maintenance:
    readonly:
      enabled: {str(readonly).lower()}
http:
  addr: {"127.0.0.1" if binary else "0.0.0.0"}:{port if binary else 5000}
auth:
  htpasswd:
    realm: test-registry
    path: {root / "htpasswd"}
""")
    if binary:
        command = [binary, "serve", str(workdir / "config.yml")]
    else:
        command = ["docker", "run", "--rm", "--name", f"test-registry-{uuid.uuid4().hex[:8]}",
                   "-p", f"127.0.0.1:{port}:5000", "-v", f"{workdir}:/work", REGISTRY_IMAGE,
                   "/work/config.yml"]
    server = Server(command, f"http://127.0.0.1:{port}/v2/", workdir / "registry.log")
    server.host = f"127.0.0.1:{port}"
    return server


def moto(workdir: Path, initial_no_auth_actions: int | None = None) -> Server:
    """moto's server for ECR and Lambda; with IAM enforced after N actions when asked."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = dict(os.environ)
    if initial_no_auth_actions is not None:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(initial_no_auth_actions)
    moto_server = Path(sys.executable).parent / "moto_server"
    return Server([str(moto_server), "-H", "127.0.0.1", "-p", str(port)], f"http://127.0.0.1:{port}/moto-api/",
                  workdir / f"moto-{port}.log", env=env)


def aws_config(key: str | None = "testing", secret: str | None = "testing") -> dict:
    """The whole AWS configuration of a test: us-east-1, the key given, no files, no instance role."""
    config = dict(AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/nonexistent",
                  AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_EC2_METADATA_DISABLED="true")
    if key:
        config.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
    return config


def aws_env(endpoint: str, key: str | None = "testing", secret: str | None = "testing") -> dict:
    """An environment whose AWS configuration is only what is given (no ~/.aws leaks in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(aws_config(key, secret), AWS_ENDPOINT_URL=endpoint)
    return env


class DenyingProxy:
    """A TCP proxy to a real registry that answers one request line with 403 DENIED.

    Go's HTTP client sends a request only after the previous reply, so a request line
    always starts a read from the client: matching `deny` there is enough.
    """

    DENIED = (b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}')

    def __init__(self, target: str, deny: bytes) -> None:
        import socket
        import threading

        self._target = target.split(":", maxsplit=1)[0], int(target.split(":")[1])
        self._deny = deny
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._socket, self._threading = socket, threading
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = self._socket.create_connection(self._target)
            self._threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            self._threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source, sink, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client and data.startswith(self._deny):
                    source.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                                   % (len(self.DENIED), self.DENIED))
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(self._socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def stop(self) -> None:
        self._listener.close()
