"""Durable functions in the image, under the local server: with the durable SDK the image bundles
(3.13's full image), and with one the user installs, read-only and as a user Lambda would pick.

boto3 on the host calls the container as it would call Lambda; the SDK inside reaches the same
server through the AWS_ENDPOINT_URL_LAMBDA it is given.
"""

from __future__ import annotations

import json
import shutil

import pytest
from kit.containers import FunctionContainer, build_image
from kit.paths import HANDLERS
from kit.server_harness import lambda_client
from kit.wheelhouse import wheelhouse

pytestmark = pytest.mark.docker

DURABLE = {"LAMBDA_EMULATOR": "local", "LAMBDA_LOCAL_DURABLE_CONFIG": '{"ExecutionTimeout": 600}',
           "LAMBDA_LOCAL_DURABLE_TIME_SCALE": "0", "AWS_LAMBDA_FUNCTION_TIMEOUT": "60"}
# As Lambda runs an image: read-only but /tmp, as a user nobody chose in advance.
SANDBOX = ("--read-only", "--tmpfs", "/tmp", "--user", "4242")


def _client(container: FunctionContainer):
    return lambda_client(int(container.url.rsplit(":", 1)[1]))


def _order(container: FunctionContainer) -> dict:
    client = _client(container)
    try:
        reply = client.invoke(FunctionName="function:$LATEST", Payload=b'{"item": "kettle", "price": 30}')
        arn = reply["ResponseMetadata"]["HTTPHeaders"]["x-amz-durable-execution-arn"]
        result = json.loads(reply["Payload"].read())
        history = client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    finally:
        client.close()
    assert history[0]["EventType"] == "ExecutionStarted" and history[-1]["EventType"] == "ExecutionSucceeded"
    return result


def test_the_bundled_durable_sdk_runs_a_durable_function(x86_images):
    with FunctionContainer(x86_images[0], "durable_cases.order", env=DURABLE,
                           options=("-v", f"{HANDLERS}:/var/task:ro", *SANDBOX), ready_path="/_local/health") as fn:
        result = _order(fn)
    assert result == {"order": ["reserved kettle", "charged 30"], "sdk": "3.0.0+bundled",
                      "environment": {"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:8080",
                                      "AWS_DEFAULT_REGION": "us-east-1"}}


@pytest.fixture(scope="module")
def own_sdk(x86_images, tmp_path_factory):
    """FROM the slim image (no SDK at all), with the user's own durable SDK and boto3 from pip."""
    context = tmp_path_factory.mktemp("own-durable-sdk")
    shutil.copytree(wheelhouse("3.13"), context / "wheels")
    shutil.copy(HANDLERS / "durable_cases.py", context)
    return build_image(context, """FROM lambda-python:slim-x86_64
COPY wheels /tmp/wheels
RUN pip install --no-index --find-links /tmp/wheels --target ${LAMBDA_TASK_ROOT} \\
      aws-durable-execution-sdk-python==2.0.1 boto3==1.42.1 && rm -rf /tmp/wheels
COPY durable_cases.py ${LAMBDA_TASK_ROOT}/
""", "lambda-python-test:own-durable-sdk")


def test_a_durable_sdk_the_user_installs_runs_too(own_sdk):
    with FunctionContainer(own_sdk, "durable_cases.order", env=DURABLE, options=SANDBOX,
                           ready_path="/_local/health") as fn:
        result = _order(fn)
    assert (result["order"], result["sdk"]) == (["reserved kettle", "charged 30"], "2.0.1")
