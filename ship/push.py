"""`push` and `publish-base`: local images, one per architecture, to ECR (or another registry),
optionally with a manifest list over them; what was pushed is recorded for `deploy`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from . import docker, ecr
from .aws import session
from .errors import ShipError
from .rollback import remove_pushed
from .tables import read_table


def push(image: str, arches: list[str], repository: str, *, tag: str | None = None, registry: str | None = None,
         mutability: str = "MUTABLE", manifest_list: bool = False, record: str | None = None,
         region: str | None = None, profile: str | None = None, local_prefix: str = "") -> dict[str, Any]:
    """Pushes `image`:<local_prefix><arch> as <tag>-<arch> for each of `arches` (and <tag> as a
    manifest list over them when asked and there are several); returns what was pushed, as recorded."""
    check_local_images(image, arches, local_prefix)  # before touching AWS: nothing to undo yet
    ecr_client = session(region, profile).client("ecr")
    repository_uri, created = ecr.repository(ecr_client, repository, mutability)
    if created:
        print(f"created ECR repository {repository_uri} (scan on push)")
    target = ecr.login(ecr_client, repository_uri, registry)
    tag = tag or default_tag()
    pushed: dict[str, Any] = {}
    with docker.Session(target.host, target.username, target.password) as client:
        try:
            for arch in arches:
                ref = target.ref(f"{tag}-{arch}")
                digest = client.push(f"{image}:{local_prefix}{arch}", ref)
                pushed[arch] = {"ref": ref, "digest": digest, "image_uri": f"{repository_uri}@{digest}"}
                print(f"pushed {ref}@{digest}")
            if manifest_list and len(arches) > 1:
                ref = target.ref(tag)
                members = [pushed[a]["ref"] for a in arches]
                digest = client.manifest_list(ref, members, insecure=target.is_local)
                pushed["all"] = {"ref": ref, "digest": digest, "image_uri": f"{repository_uri}@{digest}"}
                print(f"pushed {ref}@{digest} (manifest list: {', '.join(arches)})")
        except ShipError:
            remove_pushed(ecr_client, target, registry, pushed)
            raise
    if record:
        Path(record).parent.mkdir(parents=True, exist_ok=True)
        Path(record).write_text(json.dumps(pushed, indent=2) + "\n")
    return pushed


def check_local_images(image: str, arches: list[str], local_prefix: str = "") -> None:
    """Each `image`:<local_prefix><arch> exists and is built for that architecture (Docker's
    name for it is the table's Debian one), so a wrong image never reaches the registry."""
    docker.ensure_running()
    architectures = read_table("architectures")
    for arch in arches:
        name = f"{image}:{local_prefix}{arch}"
        found = docker.architecture(name)
        if found != architectures[arch]["debian"]:
            raise ShipError(f"{name} is a {found} image, not {arch}: rebuild it (make function ARCH={arch})")


def default_tag() -> str:
    """The git revision of the checkout, so each push of new code gets a new tag; "latest" for
    a copy without git (a source archive), as the Makefile's VERSION falls back to "dev"."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return "latest"
    return out.stdout.strip() or "latest"
