"""Fixtures of the durable tests: `served(...)` starts the durable API with an in-process function."""

from __future__ import annotations

import pytest
from kit.durable_harness import Served


@pytest.fixture
def served(tmp_path, monkeypatch):
    started: list[Served] = []

    def point_the_sdk_at(url):
        # What an environment gets so that the SDK's own boto3.client("lambda") reaches the server.
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", url)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
        from aws_durable_execution_sdk_python.lambda_service import LambdaClient
        LambdaClient._cached_boto_client = None  # the SDK caches its client per process

    def _served(state_dir=None, **options):
        server = Served(str(state_dir or tmp_path / "state"), before_start=point_the_sdk_at, **options)
        started.append(server)
        return server

    yield _served
    for server in started:
        server.stop()
