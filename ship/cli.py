"""`python -m ship push|publish-base|deploy`: what `make push`, `make publish-base`, `make deploy` run."""

from __future__ import annotations

import argparse
import sys

from .deploy import deploy_pushed
from .errors import ShipError
from .push import push
from .tables import read_table


def _push(args: argparse.Namespace) -> None:
    arches = list(read_table("architectures")) if args.arch == "all" else [args.arch]
    push(args.image, arches, args.repository, tag=args.tag, registry=args.registry, mutability=args.mutability,
         manifest_list=args.manifest_list, record=args.record, region=args.region, profile=args.profile,
         local_prefix=args.local_prefix)


def _deploy(args: argparse.Namespace) -> None:
    image_uri, config = deploy_pushed(args.record, args.function, args.arch, args.region, args.profile)
    print(f"deployed {image_uri} to {config['FunctionArn']}")


def parser() -> argparse.ArgumentParser:
    arches = tuple(read_table("architectures"))  # image/architectures.tsv, as the Makefile reads it
    top = argparse.ArgumentParser(prog="python -m ship", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    def aws_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--region", help="AWS region (default: the AWS configuration's)")
        p.add_argument("--profile", help="AWS profile (default: the AWS configuration's)")

    for name, image, help_text in (("push", "lambda-python-example", "push a function image, one per architecture"),
                                   ("publish-base", "lambda-python", "push the base image plus a manifest list")):
        p = commands.add_parser(name, help=help_text)
        p.add_argument("--repository", required=True, help="ECR repository name")
        p.add_argument("--image", default=image, help="local image name; tags are its architectures")
        p.add_argument("--local-prefix", default="",
                       help="what comes before the architecture in the local tags (e.g. '3.13-slim-')")
        p.add_argument("--arch", choices=(*arches, "all"), default="all" if name == "publish-base" else "x86_64")
        p.add_argument("--tag", help="tag prefix (default: the git revision); '-<arch>' is appended")
        p.add_argument("--registry", help="registry host:port to push to instead of ECR's (mirrors, tests)")
        p.add_argument("--mutability", choices=("MUTABLE", "IMMUTABLE"), default="MUTABLE",
                       help="tag mutability of a repository created now")
        p.add_argument("--record", default="build/pushed.json" if name == "push" else None,
                       help="where to write what was pushed (read by deploy)")
        aws_options(p)
        p.set_defaults(run=_push, manifest_list=name == "publish-base")

    p = commands.add_parser("deploy", help="point a Lambda function at the image just pushed")
    p.add_argument("--function", required=True)
    p.add_argument("--arch", choices=arches, default="x86_64")
    p.add_argument("--record", default="build/pushed.json")
    aws_options(p)
    p.set_defaults(run=_deploy)
    return top


def main(argv: list[str] | None = None) -> int:
    """Runs one command: 0 when done, 1 with one line on stderr when a ShipError stopped it
    (2, from argparse, for a wrong command line)."""
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except ShipError as exc:
        print(f"ship: {exc}", file=sys.stderr)
        return 1
    return 0
