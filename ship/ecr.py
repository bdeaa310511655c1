"""The ECR side of a push: the repository (created when missing) and a registry login."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlparse

from botocore.client import BaseClient

from .aws import aws_errors
from .registry import Registry


def _describe_or_none(ecr: BaseClient, name: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        return found
    except ecr.exceptions.RepositoryNotFoundException:
        return None


def repository(ecr: BaseClient, name: str, mutability: str = "MUTABLE") -> tuple[str, bool]:
    """(repository URI, created now?) for `name`, creating it with scan on push when missing."""
    with aws_errors(f"looking up the ECR repository '{name}'"):
        found = _describe_or_none(ecr, name)
    if found is not None:
        return found["repositoryUri"], False
    denied = (f"the ECR repository '{name}' does not exist and these credentials may not create it"
              " (ecr:CreateRepository): create it once, or ask for that permission")
    with aws_errors(f"creating the ECR repository '{name}'", denied=denied):
        created = ecr.create_repository(
            repositoryName=name, imageTagMutability=mutability,
            imageScanningConfiguration={"scanOnPush": True})["repository"]
    return created["repositoryUri"], True


def login(ecr: BaseClient, repository_uri: str, registry_override: str | None = None) -> Registry:
    """The registry login from an ECR authorization token (never printed, never stored)."""
    with aws_errors("getting an ECR authorization token"):
        data = ecr.get_authorization_token()["authorizationData"][0]
    username, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    host = registry_override or urlparse(data["proxyEndpoint"]).netloc or repository_uri.split("/", 1)[0]
    return Registry(host, repository_uri.split("/", 1)[1], username, password)
