"""Where a push goes (host, repository, login), and the few calls of the OCI distribution API
that a rollback needs on a registry other than ECR's: list the tags, read the digest a tag
points to, delete a manifest (https://github.com/opencontainers/distribution-spec/blob/main/spec.md)."""

from __future__ import annotations

import base64
import json
import urllib.request
from email.message import Message

# The manifests a push makes; a registry may answer a client that accepts none of them with
# a converted older manifest, and that one's digest.
_MANIFEST_TYPES = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"


class Registry:
    """Where to push: the registry host, the repository, and the login for it."""

    def __init__(self, host: str, repository: str, username: str, password: str) -> None:
        self.host = host
        self.repository = repository
        self.username = username
        self.password = password

    def ref(self, tag: str) -> str:
        return f"{self.host}/{self.repository}:{tag}"

    @property
    def is_local(self) -> bool:
        """A registry on this machine (a test, a local mirror) speaks plain HTTP."""
        return self.host.split(":", maxsplit=1)[0] in ("127.0.0.1", "localhost", "[::1]")


def tags(registry: Registry) -> list[str]:
    """GET /v2/<name>/tags/list: every tag in the repository."""
    _, body = _call(registry, "GET", "tags/list")
    return json.loads(body).get("tags") or []


def digest_of(registry: Registry, tag: str) -> str | None:
    """HEAD /v2/<name>/manifests/<tag>: the digest the tag points to."""
    headers, _ = _call(registry, "HEAD", f"manifests/{tag}")
    return headers.get("Docker-Content-Digest")


def delete_manifest(registry: Registry, digest: str) -> None:
    """DELETE /v2/<name>/manifests/<digest>: the manifest, and with it every tag pointing to it."""
    _call(registry, "DELETE", f"manifests/{digest}")


def _call(registry: Registry, method: str, path: str) -> tuple[Message, bytes]:
    scheme = "http" if registry.is_local else "https"
    request = urllib.request.Request(f"{scheme}://{registry.host}/v2/{registry.repository}/{path}", method=method)
    token = base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    request.add_header("Accept", _MANIFEST_TYPES)
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.headers, reply.read()
