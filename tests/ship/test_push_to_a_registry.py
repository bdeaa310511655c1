"""`make push`, `make publish-base`, `make deploy` end to end against real parts: Debian's OCI
registry (basic auth, password from the ECR token), moto for the ECR and Lambda APIs, the
real Docker engine. The pushed image is pulled back by digest, checked, run and invoked."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import boto3
import pytest
from kit.aws_fakes import ECR_PASSWORD, DenyingProxy, aws_env, moto, registry
from kit.paths import ROOT
from kit.rie_process import free_port, invoke, wait_until_listening
from kit.tables import ARCHITECTURES

pytestmark = pytest.mark.docker
MANIFEST_TYPES = ", ".join((
    "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json"))
PUSHED = re.compile(r"^pushed (\S+)@(sha256:[0-9a-f]{64})", re.M)
# The Makefile's FUNCTION_IMAGE, read from the environment as make reads it, so a second
# checkout can run these tests without retagging the first one's images.
FUNCTION_IMAGE = os.environ.get("FUNCTION_IMAGE", "lambda-python-example")


@pytest.fixture(scope="module")
def servers(images, tmp_path_factory):
    work = tmp_path_factory.mktemp("ship")
    started = [registry(work / "registry"), moto(work)]
    yield started[0], started[1], work
    for server in started:
        server.stop()


@pytest.fixture
def env(servers, tmp_path):
    _, aws, _ = servers
    environment = aws_env(aws.url.removesuffix("/moto-api/"))
    environment["HOME"] = str(tmp_path)  # so a login left in ~/.docker would show
    return environment


def make(*args, env, check=True):
    result = subprocess.run(["make", "-s", "-C", str(ROOT), *args], env=env, capture_output=True, text=True,
                            check=False)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def ship(*args, env):
    return subprocess.run([sys.executable, "-m", "ship", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)


def registry_get(reg, path: str, accept: str = MANIFEST_TYPES):
    request = urllib.request.Request(f"http://{reg.host}{path}", headers={
        "Accept": accept, "Authorization": "Basic " + base64.b64encode(f"AWS:{ECR_PASSWORD}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.headers["Content-Type"], reply.read()


def image_architecture(reg, repository: str, digest: str) -> tuple[str, str]:
    """(manifest media type, architecture in its config) of a pushed image, read from the registry."""
    media_type, body = registry_get(reg, f"/v2/{repository}/manifests/{digest}")
    manifest = json.loads(body)
    config_digest = manifest["config"]["digest"]
    _, config = registry_get(reg, f"/v2/{repository}/blobs/{config_digest}", accept="*/*")
    return media_type, json.loads(config)["architecture"]


def assert_no_login_left(home: str, host: str):
    config = Path(home) / ".docker" / "config.json"
    assert not config.exists() or host not in config.read_text()


def test_push_creates_the_repository_and_pushes_a_single_arch_image(servers, env):
    reg, _, _ = servers
    out = make("push", "REPOSITORY=shop-api", "ARCH=x86_64", "TAG=r1", f"REGISTRY={reg.host}", env=env).stdout
    assert "created ECR repository 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api (scan on push)" in out
    (ref, digest), = PUSHED.findall(out)
    assert ref == f"{reg.host}/shop-api:r1-x86_64"
    assert image_architecture(reg, "shop-api", digest) == (
        "application/vnd.docker.distribution.manifest.v2+json", "amd64")  # one image, not a list
    repo = boto3.client("ecr", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing"
                        ).describe_repositories(repositoryNames=["shop-api"])["repositories"][0]
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo["imageTagMutability"] == "MUTABLE"
    assert_no_login_left(env["HOME"], reg.host)
    local = subprocess.run(["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"],
                           capture_output=True, text=True, check=True).stdout
    assert ref not in local  # the registry tag was only for the push
    assert json.loads((ROOT / "build" / "pushed.json").read_text())["x86_64"]["image_uri"] == (
        f"123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api@{digest}")
    run_pulled_image(reg, f"{reg.host}/shop-api@{digest}")


def run_pulled_image(reg, image: str):
    """Pulls by digest with a throwaway login, runs it, invokes it: the pushed image works."""
    with tempfile.TemporaryDirectory() as config:
        subprocess.run(["docker", "--config", config, "login", "-u", "AWS", "--password-stdin", reg.host],
                       input=ECR_PASSWORD, capture_output=True, text=True, check=True)
        subprocess.run(["docker", "image", "rm", image], capture_output=True, check=False)
        subprocess.run(["docker", "--config", config, "pull", image], capture_output=True, check=True)
    port = free_port()
    container = subprocess.run(["docker", "run", "-d", "--rm", "-p", f"127.0.0.1:{port}:8080", image],
                               capture_output=True, text=True, check=True).stdout.strip()
    try:
        wait_until_listening(f"http://127.0.0.1:{port}", timeout=60)
        status, _, body = invoke(f"http://127.0.0.1:{port}", (ROOT / "handler/events/s3.json").read_bytes())
        assert (status, json.loads(body)["body"]) == (200, "queued thumbnail job for holidays/beach day.jpg")
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)


def test_push_all_architectures_then_deploy_by_digest(servers, env):
    reg, _, _ = servers
    out = make("push", "REPOSITORY=shop-api", "ARCH=all", "TAG=r2", f"REGISTRY={reg.host}", env=env).stdout
    pushed = dict((ref.rsplit("-", 1)[1], digest) for ref, digest in PUSHED.findall(out))
    assert set(pushed) == {"x86_64", "arm64"}
    assert image_architecture(reg, "shop-api", pushed["arm64"])[1] == "arm64"
    assert image_architecture(reg, "shop-api", pushed["x86_64"])[1] == "amd64"

    lam = boto3.client("lambda", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    repo_uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api"
    role = boto3.client("iam", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing").create_role(
        RoleName="shop-fn-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    for name, arch in (("shop-fn", "arm64"), ("shop-fn-x86", "x86_64")):
        lam.create_function(FunctionName=name, PackageType="Image", Code={"ImageUri": f"{repo_uri}:r2-{arch}"},
                            Role=role["Role"]["Arn"], Architectures=[arch])
    out = make("deploy", "FUNCTION=shop-fn", "ARCH=arm64", env=env).stdout
    assert out.strip() == (f"deployed {repo_uri}@{pushed['arm64']} to "
                           "arn:aws:lambda:us-east-1:123456789012:function:shop-fn")
    assert lam.get_function(FunctionName="shop-fn")["Code"]["ImageUri"] == f"{repo_uri}@{pushed['arm64']}"

    refused = make("deploy", "FUNCTION=shop-fn-x86", "ARCH=arm64", env=env, check=False)
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines()[0] == (
        "ship: 'shop-fn-x86' runs on x86_64 but the image is arm64: run 'make push deploy ARCH=x86_64',"
        " or change the function's architecture")
    assert lam.get_function(FunctionName="shop-fn-x86")["Code"]["ImageUri"] == f"{repo_uri}:r2-x86_64"


def test_publish_base_pushes_both_architectures_and_a_manifest_list(servers, env):
    reg, _, _ = servers
    out = make("publish-base", "REPOSITORY=lambda-python", "PUBLISH_LINES=3.13", f"REGISTRY={reg.host}", env=env).stdout
    refs = dict(PUSHED.findall(out))
    assert set(refs) == {f"{reg.host}/lambda-python:{tag}" for tag in (
        "3.13-x86_64", "3.13-arm64", "3.13", "3.13-slim-x86_64", "3.13-slim-arm64", "3.13-slim")}
    for tag in ("3.13", "3.13-slim"):
        media_type, body = registry_get(reg, f"/v2/lambda-python/manifests/{tag}")
        assert media_type == "application/vnd.docker.distribution.manifest.list.v2+json"
        platforms = sorted(m["platform"]["architecture"] for m in json.loads(body)["manifests"])
        assert platforms == ["amd64", "arm64"]


def test_deploy_to_a_function_that_does_not_exist(servers, env):
    (ROOT / "build").mkdir(exist_ok=True)
    one_line_failure(make("deploy", "FUNCTION=nope", "ARCH=x86_64", env=env, check=False),
                     "ship: there is no Lambda function 'nope' in us-east-1")


def one_line_failure(result, starts):
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("ship: ")]
    assert len(lines) == 1 and lines[0].startswith(starts), result.stderr


def test_no_credentials(servers, env):
    reg, aws, _ = servers
    bare = aws_env(aws.url.removesuffix("/moto-api/"), key=None)
    one_line_failure(ship("push", "--repository", "xy", "--registry", reg.host, env=bare),
                     "ship: no AWS credentials found while looking up the ECR repository 'xy': run 'aws configure'")


@pytest.fixture(scope="module")
def iam_moto(servers):
    """A moto that checks IAM after 3 set-up calls: a user who may look, but not create."""
    _, _, work = servers
    server = moto(work / "iam", initial_no_auth_actions=3)
    endpoint = server.url.removesuffix("/moto-api/")
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="setup", aws_secret_access_key="setup")
    iam.create_user(UserName="pusher")
    iam.put_user_policy(UserName="pusher", PolicyName="look", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "ecr:DescribeRepositories", "ecr:GetAuthorizationToken"]}]}))
    key = iam.create_access_key(UserName="pusher")["AccessKey"]
    yield endpoint, key["AccessKeyId"], key["SecretAccessKey"]
    server.stop()


def test_expired_or_unknown_credentials(iam_moto, servers):
    endpoint, _, _ = iam_moto
    reg, _, _ = servers
    one_line_failure(ship("push", "--repository", "xy", "--registry", reg.host,
                          env=aws_env(endpoint, key="AKIAEXPIRED000000000", secret="x")),
                     "ship: AWS rejected the credentials while looking up the ECR repository 'xy'")


def test_missing_repository_without_the_right_to_create_it(iam_moto, servers):
    endpoint, key, secret = iam_moto
    reg, _, _ = servers
    one_line_failure(ship("push", "--repository", "not-there", "--registry", reg.host,
                          env=aws_env(endpoint, key=key, secret=secret)),
                     "ship: the ECR repository 'not-there' does not exist and these credentials may not create it")


def test_a_registry_that_refuses_the_push(servers, env):
    _, _, work = servers
    readonly = registry(work / "readonly", readonly=True)
    try:
        result = make("push", "REPOSITORY=shop-api", "ARCH=x86_64", "TAG=r3", f"REGISTRY={readonly.host}",
                      env=env, check=False)
    finally:
        readonly.stop()
    one_line_failure(result, f"ship: docker failed while pushing {readonly.host}/shop-api:r3-x86_64:")
    assert_no_login_left(env["HOME"], readonly.host)


def test_docker_not_running(servers, env):
    reg, _, _ = servers
    no_engine = dict(env, DOCKER_HOST="unix:///nonexistent/docker.sock")
    one_line_failure(ship("push", "--repository", "xy", "--registry", reg.host, env=no_engine),
                     "ship: Docker is not running")


@pytest.fixture
def fresh_images(env, tmp_path):
    """<function image>-halfway:<arch> for every architecture, with digests no earlier push has
    (a label changes them)."""
    halfway = f"{FUNCTION_IMAGE}-halfway"
    for arch, row in ARCHITECTURES.items():
        (tmp_path / arch).mkdir()
        (tmp_path / arch / "Dockerfile").write_text(
            f"FROM {FUNCTION_IMAGE}:{arch}\nLABEL test.marker={tmp_path.name}\n")
        subprocess.run(["docker", "build", "-q", "--platform", row["platform"], "-t", f"{halfway}:{arch}",
                        str(tmp_path / arch)], env=dict(env, DOCKER_BUILDKIT="0"), capture_output=True, check=True)
    yield halfway
    for arch in ARCHITECTURES:
        subprocess.run(["docker", "image", "rm", f"{halfway}:{arch}"], capture_output=True, check=False)


def push_denying_arm64(reg, env, tmp_path, image, tag):
    proxy = DenyingProxy(reg.host, deny=f"PUT /v2/shop-api/manifests/{tag}-arm64 ".encode())
    try:
        return proxy.host, ship("push", "--repository", "shop-api", "--image", image, "--arch", "all",
                                "--tag", tag, "--registry", proxy.host, "--record", str(tmp_path / "pushed.json"),
                                env=env)
    finally:
        proxy.stop()


def tags(reg) -> set:
    _, body = registry_get(reg, "/v2/shop-api/tags/list", accept="application/json")
    return set(json.loads(body).get("tags") or [])


def test_a_push_that_fails_halfway_leaves_no_partial_release(servers, env, tmp_path, fresh_images):
    reg, _, _ = servers
    host, result = push_denying_arm64(reg, env, tmp_path, fresh_images, "r9")
    one_line_failure(result, f"ship: docker failed while pushing {host}/shop-api:r9-arm64: denied")
    assert f"pushed {host}/shop-api:r9-x86_64@sha256:" in result.stdout  # the first went through...
    assert f"removed {host}/shop-api:r9-x86_64: the push did not complete" in result.stderr
    assert not {"r9-x86_64", "r9-arm64"} & tags(reg)  # ...and is gone again
    assert not (tmp_path / "pushed.json").exists()


def test_the_rollback_never_removes_an_earlier_release(servers, env, tmp_path, fresh_images):
    reg, _, _ = servers
    earlier = ship("push", "--repository", "shop-api", "--image", fresh_images, "--arch", "x86_64", "--tag", "r7",
                   "--registry", reg.host, "--record", str(tmp_path / "earlier.json"), env=env)
    assert earlier.returncode == 0, earlier.stderr
    host, result = push_denying_arm64(reg, env, tmp_path, fresh_images, "r8")
    assert result.returncode != 0
    assert (f"could not remove {host}/shop-api:r8-x86_64 after the failed push: the same image is also tagged"
            " r7-x86_64, and this registry cannot remove one tag alone: remove r8-x86_64 by hand") in result.stderr
    assert "r7-x86_64" in tags(reg)  # the earlier release is untouched


def test_a_refused_login_leaves_no_docker_config_behind(servers, env, tmp_path):
    _, _, work = servers
    other = registry(work / "other-password", password="not-the-ecr-token")
    env = dict(env, TMPDIR=str(tmp_path))  # where the throwaway Docker config would be left
    try:
        result = ship("push", "--repository", "shop-api", "--image", FUNCTION_IMAGE, "--tag", "r6",
                      "--registry", other.host, env=env)
    finally:
        other.stop()
    one_line_failure(result, f"ship: docker failed while logging in to {other.host}:")
    assert not list(tmp_path.glob("ship-docker-*"))


def test_a_local_image_missing_or_of_another_architecture_stops_before_aws(servers, env):
    reg, aws, _ = servers
    no_aws = aws_env(aws.url.removesuffix("/moto-api/"), key=None)  # AWS asked anything would fail otherwise
    missing = ship("push", "--repository", "shop-api", "--image", f"{FUNCTION_IMAGE}-never-built",
                   "--registry", reg.host, env=no_aws)
    assert (missing.returncode, missing.stderr) == (
        1, f"ship: there is no local image {FUNCTION_IMAGE}-never-built:x86_64: build it first (make function)\n")

    mislabelled = f"{FUNCTION_IMAGE}-mislabelled"
    subprocess.run(["docker", "tag", f"{FUNCTION_IMAGE}:x86_64", f"{mislabelled}:arm64"], check=True)
    try:
        wrong = ship("push", "--repository", "shop-api", "--image", mislabelled, "--arch", "arm64",
                     "--registry", reg.host, env=no_aws)
    finally:
        subprocess.run(["docker", "image", "rm", f"{mislabelled}:arm64"], capture_output=True, check=False)
    assert (wrong.returncode, wrong.stderr) == (
        1, f"ship: {mislabelled}:arm64 is a amd64 image, not arm64: rebuild it (make function ARCH=arm64)\n")
