"""What a failed push undoes: the tags it already made, so no partial release is left; and
the policy that an earlier release is never removed with them."""

from __future__ import annotations

import sys

from botocore.client import BaseClient

from . import registry as oci
from .aws import aws_errors
from .errors import ShipError
from .registry import Registry


def remove_pushed(ecr_client: BaseClient, registry: Registry, override: str | None, pushed: dict) -> None:
    """Removes every tag in `pushed` ({arch: {"ref", "digest", ...}}), saying on stderr what was
    removed and what could not be rather than raising: the push's own error stays the one reported."""
    for entry in pushed.values():
        tag = entry["ref"].rsplit(":", 1)[1]
        try:
            if override:
                _remove_from_registry(registry, tag, entry["digest"])
            else:  # ECR removes the tag; the image stays while other tags point to it
                with aws_errors("removing a partly pushed tag"):
                    ecr_client.batch_delete_image(repositoryName=registry.repository, imageIds=[{"imageTag": tag}])
            print(f"removed {entry['ref']}: the push did not complete", file=sys.stderr)
        except (ShipError, OSError) as exc:
            print(f"could not remove {entry['ref']} after the failed push: {exc}", file=sys.stderr)


def _remove_from_registry(registry: Registry, tag: str, digest: str) -> None:
    """A plain registry can only delete a manifest, with all its tags: done only when no
    other tag points to it, so an earlier release of the same image is never removed."""
    for other in oci.tags(registry):
        if other != tag and oci.digest_of(registry, other) == digest:
            raise ShipError(f"the same image is also tagged {other}, and this registry cannot remove"
                            f" one tag alone: remove {tag} by hand")
    oci.delete_manifest(registry, digest)
