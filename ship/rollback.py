"""What a failed push undoes: the tags it already made, so no partial release is left; and
the policy that an earlier release is never removed with them."""

from __future__ import annotations

import sys
from typing import Any

from botocore.client import BaseClient

from . import registry as oci
from .aws import aws_errors
from .errors import ShipError
from .registry import Registry


def remove_pushed(ecr_client: BaseClient, registry: Registry, override: str | None,
                  pushed: dict[str, Any]) -> None:
    """Removes every tag in `pushed` ({arch: {"ref", "digest", ...}}), saying on stderr what was
    removed and what could not be rather than raising: the push's own error stays the one reported."""
    for entry in pushed.values():
        tag = entry["ref"].rsplit(":", 1)[1]
        try:
            if override:
                _remove_from_registry(registry, tag, entry["digest"])
            else:
                _remove_from_ecr(ecr_client, registry, tag)
            print(f"removed {entry['ref']}: the push did not complete", file=sys.stderr)
        except (ShipError, OSError) as exc:
            print(f"could not remove {entry['ref']} after the failed push: {exc}", file=sys.stderr)


def _remove_from_ecr(ecr_client: BaseClient, registry: Registry, tag: str) -> None:
    """ECR removes the tag alone: the image stays while other tags point to it. By tag only, as
    AWS documents untagging (given a digest too, moto at least deletes the image and every tag).
    What ECR could not remove comes back as `failures` of a successful call, not as an error."""
    doing = "removing a partly pushed tag"
    with aws_errors(doing):
        reply = ecr_client.batch_delete_image(repositoryName=registry.repository, imageIds=[{"imageTag": tag}])
    if reply.get("failures"):
        failure = reply["failures"][0]  # one image id asked for: at most one failure
        raise ShipError(f"AWS refused while {doing} ({failure['failureCode']}): {failure['failureReason']}")


def _remove_from_registry(registry: Registry, tag: str, digest: str) -> None:
    """A plain registry can only delete a manifest, with all its tags: done only when no
    other tag points to it, so an earlier release of the same image is never removed."""
    for other in oci.tags(registry):
        if other != tag and oci.digest_of(registry, other) == digest:
            raise ShipError(f"the same image is also tagged {other}, and this registry cannot remove"
                            f" one tag alone: remove {tag} by hand")
    oci.delete_manifest(registry, digest)
