"""Fixtures for the unit tests of ship/: AWS as moto's in-process mock (no sockets)."""

import os

import pytest
from kit.aws_fakes import aws_config
from moto import mock_aws


@pytest.fixture
def aws_configuration(monkeypatch):
    """This process's AWS configuration is only a fake key and us-east-1 (no ~/.aws leaks in)."""
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in aws_config().items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def aws(aws_configuration):
    """moto's ECR, Lambda and IAM in this process, reached through that configuration."""
    with mock_aws():
        yield
