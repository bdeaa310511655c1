"""The push tool's parts that need neither Docker nor a registry: AWS errors as one line,
sessions, the ECR repository and login (moto in this process), the architecture table,
the default tag, and what the command line says when Docker is not installed."""

import base64
import subprocess

import boto3
import botocore.exceptions
import pytest
from kit.paths import ROOT

from ship import cli, ecr
from ship.aws import aws_errors, session
from ship.errors import ShipError
from ship.push import default_tag
from ship.tables import read_table


def client_error(code, message, status=400):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize("raised,expected", [
    (botocore.exceptions.NoCredentialsError(),
     "no AWS credentials found while pushing: run 'aws configure' (or 'aws sso login'), or set AWS_PROFILE"
     " / AWS_ACCESS_KEY_ID"),
    (client_error("ExpiredTokenException", "The security token included in the request is expired"),
     "AWS rejected the credentials while pushing (ExpiredTokenException: The security token included in the"
     " request is expired): they are expired or wrong; refresh them ('aws sso login', new keys) and retry"),
    (client_error("AccessDeniedException", "User: x is not authorized"),
     "not allowed while pushing (AccessDeniedException): User: x is not authorized"),
    (client_error("403", '<?xml version="1.0"?>\n<ErrorResponse><Error><Code>InvalidClientTokenId</Code>'
                         "<Message>The security token\nis invalid.</Message></Error></ErrorResponse>", 403),
     "AWS rejected the credentials while pushing (InvalidClientTokenId: The security token is invalid.): they"
     " are expired or wrong; refresh them ('aws sso login', new keys) and retry"),
    (client_error("500", "<html>Internal error</html>", 500), "AWS refused while pushing (500): <html>Internal"
                                                              " error</html>"),
    (client_error("LimitExceededException", "Too many\nrequests"),
     "AWS refused while pushing (LimitExceededException): Too many requests"),
    (botocore.exceptions.ParamValidationError(report="Invalid length for parameter repositoryNames[0]\nmore"),
     "invalid value while pushing: Parameter validation failed: Invalid length for parameter"
     " repositoryNames[0] more"),
    (botocore.exceptions.EndpointConnectionError(endpoint_url="https://api.ecr.us-east-1.amazonaws.com/"),
     'cannot reach AWS while pushing: Could not connect to the endpoint URL: "https://api.ecr.us-east-1'
     '.amazonaws.com/"'),
])
def test_aws_errors_become_one_line(raised, expected):
    with pytest.raises(ShipError) as err, aws_errors("pushing"):
        raise raised
    assert str(err.value) == expected


def test_a_denial_with_its_own_advice():
    with pytest.raises(ShipError) as err, aws_errors("creating", denied="ask for ecr:CreateRepository"):
        raise client_error("AccessDenied", "User: x is not authorized")
    assert str(err.value) == "ask for ecr:CreateRepository"


def test_a_profile_that_is_not_configured(aws_configuration):
    with pytest.raises(ShipError) as err:
        session(profile="shop")
    assert str(err.value) == ("AWS profile 'shop' is not configured: run 'aws configure --profile shop'"
                              " or leave PROFILE= empty")


def test_no_region_anywhere(aws_configuration, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(ShipError) as err:
        session()
    assert str(err.value) == "no AWS region: set REGION=, AWS_REGION, or a region in your AWS profile"
    assert session(region="eu-west-1").region_name == "eu-west-1"


class FakeEcr:
    """The one call `ecr.login` makes, answered as ECR answers it."""

    def get_authorization_token(self):
        token = base64.b64encode(b"AWS:secret-password").decode()
        return {"authorizationData": [{"authorizationToken": token,
                                       "proxyEndpoint": "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"}]}


def test_login_from_the_authorization_token():
    uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api"
    reg = ecr.login(FakeEcr(), uri)
    assert (reg.host, reg.repository, reg.username, reg.password) == (
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "shop/api", "AWS", "secret-password")
    assert reg.ref("v1-arm64") == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:v1-arm64"
    assert not reg.is_local  # ECR is spoken to over HTTPS
    mirror = ecr.login(FakeEcr(), uri, "127.0.0.1:5000")
    assert (mirror.ref("t"), mirror.is_local) == ("127.0.0.1:5000/shop/api:t", True)


def test_an_immutable_repository_is_created_once(aws):
    client = boto3.client("ecr")
    assert ecr.repository(client, "shop-api", "IMMUTABLE") == (
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api", True)
    assert ecr.repository(client, "shop-api", "MUTABLE") == (
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api", False)
    repo, = client.describe_repositories()["repositories"]
    assert (repo["imageTagMutability"], repo["imageScanningConfiguration"]) == ("IMMUTABLE", {"scanOnPush": True})


@pytest.mark.parametrize("column", ["platform", "debian", "machine", "rie", "dockerfile"])
def test_the_architecture_table_reads_as_the_makefile_reads_it(column):
    """ship/ and scripts/table.sh (what the Makefile calls) see the same values."""
    table = read_table("architectures")
    assert list(table) == ["x86_64", "arm64"]
    for arch, row in table.items():
        shell = subprocess.run([str(ROOT / "scripts" / "table.sh"), "architectures", arch, column],
                               capture_output=True, text=True, check=True).stdout
        assert shell == f"{row[column]}\n"


def test_the_default_tag_is_the_git_revision(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    assert default_tag() == revision
    monkeypatch.chdir(tmp_path)  # not a git checkout
    assert default_tag() == "latest"
    monkeypatch.setenv("PATH", str(tmp_path))  # no git at all
    assert default_tag() == "latest"


def test_docker_not_installed(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # checked before AWS is asked anything
    assert cli.main(["push", "--repository", "shop-api"]) == 1
    assert capsys.readouterr().err == "ship: the docker command is not installed: install Docker (or Docker Desktop)\n"
