"""The push tool's pure parts: AWS errors as one line, the ECR token as a login."""

import base64

import botocore.exceptions
import pytest

from ship import ecr
from ship.aws import aws_errors
from ship.errors import ShipError


def client_error(code, message, status=400):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize("raised,expected", [
    (botocore.exceptions.NoCredentialsError(), "no AWS credentials found while pushing: run 'aws configure'"),
    (client_error("ExpiredTokenException", "The security token included in the request is expired"),
     "AWS rejected the credentials while pushing (ExpiredTokenException: The security token included in the"
     " request is expired): they are expired or wrong"),
    (client_error("AccessDeniedException", "User: x is not authorized"),
     "not allowed while pushing (AccessDeniedException): User: x is not authorized"),
    (client_error("403", '<?xml version="1.0"?>\n<ErrorResponse><Error><Code>InvalidClientTokenId</Code>'
                         "<Message>The security token\nis invalid.</Message></Error></ErrorResponse>", 403),
     "AWS rejected the credentials while pushing (InvalidClientTokenId: The security token is invalid.)"),
    (botocore.exceptions.ParamValidationError(report="Invalid length for parameter repositoryNames[0]\nmore"),
     "invalid value while pushing: Parameter validation failed: Invalid length for parameter"),
])
def test_aws_errors_become_one_line(raised, expected):
    with pytest.raises(ShipError) as err, aws_errors("pushing"):
        raise raised
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


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
    assert ecr.login(FakeEcr(), uri, "127.0.0.1:5000").ref("t") == "127.0.0.1:5000/shop/api:t"
