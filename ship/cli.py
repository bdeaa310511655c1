"""`python -m ship push|publish-base|deploy`: what `make push`, `make publish-base`, `make deploy` run."""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from . import docker, ecr
from .aws import aws_errors, session
from .deploy import deploy
from .errors import ShipError

ARCHES = ("x86_64", "arm64")
DOCKER_ARCH = {"x86_64": "amd64", "arm64": "arm64"}


def _arches(arch: str) -> list:
    return list(ARCHES) if arch == "all" else [arch]


def _default_tag() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or "latest"


def _is_loopback(host: str) -> bool:
    return host.split(":", maxsplit=1)[0] in ("127.0.0.1", "localhost", "[::1]")


def _check_local_images(image: str, arches: list) -> None:
    docker.ensure_running()
    for arch in arches:
        found = docker.architecture(f"{image}:{arch}")
        if found != DOCKER_ARCH[arch]:
            raise ShipError(f"{image}:{arch} is a {found} image, not {arch}: rebuild it (make function ARCH={arch})")


def push(args: argparse.Namespace) -> int:
    arches = _arches(args.arch)
    _check_local_images(args.image, arches)  # before touching AWS: nothing to undo yet
    ecr_client = session(args.region, args.profile).client("ecr")
    repository_uri, created = ecr.repository(ecr_client, args.repository, args.mutability)
    if created:
        print(f"created ECR repository {repository_uri} (scan on push)")
    registry = ecr.login(ecr_client, repository_uri, args.registry)
    tag = args.tag or _default_tag()
    pushed = {}
    with docker.Session(registry.host, registry.username, registry.password) as client:
        try:
            for arch in arches:
                ref = registry.ref(f"{tag}-{arch}")
                digest = client.push(f"{args.image}:{arch}", ref)
                pushed[arch] = {"ref": ref, "digest": digest, "image_uri": f"{repository_uri}@{digest}"}
                print(f"pushed {ref}@{digest}")
            if args.manifest_list and len(arches) > 1:
                ref = registry.ref(tag)
                members = [pushed[a]["ref"] for a in arches]
                digest = client.manifest_list(ref, members, insecure=_is_loopback(registry.host))
                pushed["all"] = {"ref": ref, "digest": digest, "image_uri": f"{repository_uri}@{digest}"}
                print(f"pushed {ref}@{digest} (manifest list: {', '.join(arches)})")
        except ShipError:
            _untag(ecr_client, registry, args.registry, pushed)
            raise
    if args.record:
        Path(args.record).parent.mkdir(parents=True, exist_ok=True)
        Path(args.record).write_text(json.dumps(pushed, indent=2) + "\n")
    return 0


def _untag(ecr_client, registry: ecr.Registry, override: str | None, pushed: dict) -> None:
    """Removes what this push tagged before it failed: no partial release is left."""
    for entry in pushed.values():
        tag = entry["ref"].rsplit(":", 1)[1]
        try:
            if override:
                _registry_untag(registry, tag, entry["digest"])
            else:  # ECR removes the tag; the image stays while other tags point to it
                with aws_errors("removing a partly pushed tag"):
                    ecr_client.batch_delete_image(repositoryName=registry.repository, imageIds=[{"imageTag": tag}])
            print(f"removed {entry['ref']}: the push did not complete", file=sys.stderr)
        except (ShipError, OSError) as exc:
            print(f"could not remove {entry['ref']} after the failed push: {exc}", file=sys.stderr)


def _registry_untag(registry: ecr.Registry, tag: str, digest: str) -> None:
    """A plain registry can only delete a manifest, with all its tags: done only when no
    other tag points to it, so an earlier release of the same image is never removed."""
    _, body = _registry_call(registry, "GET", "tags/list")
    for other in json.loads(body).get("tags") or []:
        if other != tag:
            headers, _ = _registry_call(registry, "HEAD", f"manifests/{other}")
            if headers.get("Docker-Content-Digest") == digest:
                raise ShipError(f"the same image is also tagged {other}, and this registry cannot remove"
                                f" one tag alone: remove {tag} by hand")
    _registry_call(registry, "DELETE", f"manifests/{digest}")


def _registry_call(registry: ecr.Registry, method: str, path: str) -> tuple:
    scheme = "http" if _is_loopback(registry.host) else "https"
    request = urllib.request.Request(f"{scheme}://{registry.host}/v2/{registry.repository}/{path}", method=method)
    token = base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    request.add_header("Accept", "application/vnd.docker.distribution.manifest.v2+json, "
                                 "application/vnd.oci.image.manifest.v1+json")
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.headers, reply.read()


def deploy_command(args: argparse.Namespace) -> int:
    record = Path(args.record)
    if not record.exists():
        raise ShipError(f"nothing pushed yet ({record} is missing): run 'make push' first")
    pushed = json.loads(record.read_text())
    if args.arch not in pushed:
        raise ShipError(f"no {args.arch} image in the last push ({', '.join(pushed)}): run"
                        f" 'make push ARCH={args.arch}' first")
    lam = session(args.region, args.profile).client("lambda")
    image_uri = pushed[args.arch]["image_uri"]
    config = deploy(lam, args.function, image_uri, args.arch)
    print(f"deployed {image_uri} to {config['FunctionArn']}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m ship", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    def aws_options(p):
        p.add_argument("--region", help="AWS region (default: the AWS configuration's)")
        p.add_argument("--profile", help="AWS profile (default: the AWS configuration's)")

    for name, image, help_text in (("push", "lambda-python-example", "push a function image, one per architecture"),
                                   ("publish-base", "lambda-python", "push the base image plus a manifest list")):
        p = commands.add_parser(name, help=help_text)
        p.add_argument("--repository", required=True, help="ECR repository name")
        p.add_argument("--image", default=image, help="local image name; tags are its architectures")
        p.add_argument("--arch", choices=(*ARCHES, "all"), default="all" if name == "publish-base" else "x86_64")
        p.add_argument("--tag", help="tag prefix (default: the git revision); '-<arch>' is appended")
        p.add_argument("--registry", help="registry host:port to push to instead of ECR's (mirrors, tests)")
        p.add_argument("--mutability", choices=("MUTABLE", "IMMUTABLE"), default="MUTABLE",
                       help="tag mutability of a repository created now")
        p.add_argument("--record", default="build/pushed.json" if name == "push" else None,
                       help="where to write what was pushed (read by deploy)")
        aws_options(p)
        p.set_defaults(run=push, manifest_list=name == "publish-base")

    p = commands.add_parser("deploy", help="point a Lambda function at the image just pushed")
    p.add_argument("--function", required=True)
    p.add_argument("--arch", choices=ARCHES, default="x86_64")
    p.add_argument("--record", default="build/pushed.json")
    aws_options(p)
    p.set_defaults(run=deploy_command)
    return top


def main(argv: list | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except ShipError as exc:
        print(f"ship: {exc}", file=sys.stderr)
        return 1
