"""`deploy`: the pushed record, the function's package type, and the update's outcome. moto's
Lambda in this process where it can answer; botocore's Stubber for the statuses moto never
reports (an update still in progress, or failed)."""

import io
import json
import zipfile

import boto3
import pytest
from botocore.stub import Stubber

from ship import cli
from ship.deploy import deploy, wait_until_updated
from ship.errors import ShipError

IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api@sha256:" + "a" * 64
ARN = "arn:aws:lambda:us-east-1:123456789012:function:shop-fn"


@pytest.fixture
def record(tmp_path):
    path = tmp_path / "pushed.json"
    path.write_text(json.dumps({"x86_64": {"ref": "r", "digest": "sha256:" + "a" * 64, "image_uri": IMAGE_URI}}))
    return str(path)


def role_arn() -> str:
    return boto3.client("iam").create_role(RoleName="shop-fn-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]


def test_nothing_pushed_yet(tmp_path, capsys):
    missing = tmp_path / "pushed.json"
    assert cli.main(["deploy", "--function", "shop-fn", "--record", str(missing)]) == 1
    assert capsys.readouterr().err == f"ship: nothing pushed yet ({missing} is missing): run 'make push' first\n"


def test_the_architecture_was_not_pushed(record, capsys):
    assert cli.main(["deploy", "--function", "shop-fn", "--arch", "arm64", "--record", record]) == 1
    assert capsys.readouterr().err == (
        "ship: no arm64 image in the last push (x86_64): run 'make push ARCH=arm64' first\n")


def test_a_zip_function_is_not_given_an_image(aws, record, capsys):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "def handler(event, context):\n    return event\n")
    boto3.client("lambda").create_function(FunctionName="shop-fn", Runtime="python3.13", Handler="app.handler",
                                           Role=role_arn(), Code={"ZipFile": archive.getvalue()})
    assert cli.main(["deploy", "--function", "shop-fn", "--record", record]) == 1
    assert capsys.readouterr().err == (
        "ship: 'shop-fn' is a Zip function, not a container image function: create a function with"
        " PackageType=Image to deploy images\n")


def test_deploy_the_recorded_image(aws, record, capsys):
    lam = boto3.client("lambda")
    lam.create_function(FunctionName="shop-fn", PackageType="Image", Role=role_arn(),
                        Code={"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api:r1-x86_64"})
    assert cli.main(["deploy", "--function", "shop-fn", "--record", record]) == 0
    assert capsys.readouterr().out == f"deployed {IMAGE_URI} to {ARN}\n"
    assert lam.get_function(FunctionName="shop-fn")["Code"]["ImageUri"] == IMAGE_URI


@pytest.fixture
def lam(aws_configuration):
    """A Lambda client whose replies are scripted: no request leaves the process."""
    client = boto3.client("lambda")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def configuration(status: str, **more) -> dict:
    return {"FunctionName": "shop-fn", "FunctionArn": ARN, "PackageType": "Image", "Architectures": ["x86_64"],
            "LastUpdateStatus": status, **more}


def test_an_update_that_fails(lam):
    client, stubber = lam
    stubber.add_response("get_function_configuration", configuration("Successful"), {"FunctionName": "shop-fn"})
    stubber.add_response("update_function_code", configuration("InProgress"),
                         {"FunctionName": "shop-fn", "ImageUri": IMAGE_URI})
    stubber.add_response("get_function_configuration", configuration(
        "Failed", LastUpdateStatusReason="Lambda does not have permission to access the ECR image. Check the ECR"
                                         " permissions.", LastUpdateStatusReasonCode="ImageAccessDenied"),
        {"FunctionName": "shop-fn"})
    with pytest.raises(ShipError) as err:
        deploy(client, "shop-fn", IMAGE_URI, "x86_64")
    assert str(err.value) == ("the update of 'shop-fn' failed: Lambda does not have permission to access the ECR"
                              " image. Check the ECR permissions. (ImageAccessDenied)")


def test_an_update_in_progress_is_polled_with_backoff(lam):
    client, stubber = lam
    for _ in range(5):
        stubber.add_response("get_function_configuration", configuration("InProgress"), {"FunctionName": "shop-fn"})
    stubber.add_response("get_function_configuration", configuration("Successful"), {"FunctionName": "shop-fn"})
    waited = []
    assert wait_until_updated(client, "shop-fn", timeout=300, sleep=waited.append)["LastUpdateStatus"] == "Successful"
    assert waited == [0.5, 1, 2, 4, 5]


def test_an_update_that_outlasts_the_timeout(lam):
    client, stubber = lam
    stubber.add_response("get_function_configuration", configuration("InProgress"), {"FunctionName": "shop-fn"})
    with pytest.raises(ShipError) as err:
        wait_until_updated(client, "shop-fn", timeout=0, sleep=pytest.fail)
    assert str(err.value) == "'shop-fn' was still updating after 0 s: check it in the console"
