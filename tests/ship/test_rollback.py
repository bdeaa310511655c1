"""What a failed push to ECR undoes (the branch taken without REGISTRY=): moto's ECR in this
process holds the images, as real ECR would after `docker push`."""

import hashlib
import json

import boto3
import pytest

from ship import ecr
from ship.rollback import remove_pushed

REPOSITORY_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api"


@pytest.fixture
def ecr_client(aws):
    client = boto3.client("ecr")
    client.create_repository(repositoryName="shop-api")
    return client


def put_image(client, tag: str, layer: str) -> str:
    """An image tagged `tag`, as `docker push` leaves it; its digest (moto's: from the layers)."""
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                           "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest()},
                "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1,
                            "digest": "sha256:" + hashlib.sha256(layer.encode()).hexdigest()}]}
    reply = client.put_image(repositoryName="shop-api", imageManifest=json.dumps(manifest), imageTag=tag)
    return reply["image"]["imageId"]["imageDigest"]


def pushed(target, **digests) -> dict:
    """What `push` had recorded when it failed: {arch: ref, digest, image_uri}."""
    return {arch: {"ref": target.ref(tag), "digest": digest, "image_uri": f"{REPOSITORY_URI}@{digest}"}
            for arch, (tag, digest) in digests.items()}


def tags(client) -> dict:
    return {image["imageTag"]: image["imageDigest"] for image in client.list_images(
        repositoryName="shop-api", filter={"tagStatus": "TAGGED"})["imageIds"]}


def test_a_failed_push_removes_its_tags_but_never_an_earlier_release(ecr_client, capsys):
    earlier = put_image(ecr_client, "r7-x86_64", "app v7")
    same_as_earlier = put_image(ecr_client, "r8-x86_64", "app v7")  # unchanged code: the same image
    new = put_image(ecr_client, "r8-arm64", "app v8 arm64")
    assert same_as_earlier == earlier
    target = ecr.login(ecr_client, REPOSITORY_URI)

    remove_pushed(ecr_client, target, None, pushed(target, x86_64=("r8-x86_64", earlier), arm64=("r8-arm64", new)))

    assert tags(ecr_client) == {"r7-x86_64": earlier}  # the earlier release keeps its tag and its image
    assert ecr_client.batch_get_image(repositoryName="shop-api", imageIds=[{"imageDigest": new}])["images"] == []
    assert capsys.readouterr().err == (
        f"removed {REPOSITORY_URI}:r8-x86_64: the push did not complete\n"
        f"removed {REPOSITORY_URI}:r8-arm64: the push did not complete\n")


def test_a_tag_already_gone_is_not_reported_removed(ecr_client, capsys):
    """ECR answers a tag it cannot remove with a failure in a successful reply, not an error."""
    target = ecr.login(ecr_client, REPOSITORY_URI)
    digest = put_image(ecr_client, "r8-x86_64", "app v8")
    ecr_client.batch_delete_image(repositoryName="shop-api", imageIds=[{"imageTag": "r8-x86_64"}])  # by hand

    remove_pushed(ecr_client, target, None, pushed(target, x86_64=("r8-x86_64", digest)))

    assert capsys.readouterr().err == (
        f"could not remove {REPOSITORY_URI}:r8-x86_64 after the failed push: AWS refused while removing a partly"
        " pushed tag (ImageNotFound): Requested image not found\n")


def test_what_cannot_be_removed_is_said_and_the_rest_still_removed(ecr_client, capsys):
    x86 = put_image(ecr_client, "r8-x86_64", "app v8")
    target = ecr.login(ecr_client, REPOSITORY_URI)
    gone = ecr.login(ecr_client, REPOSITORY_URI.replace("shop-api", "shop-gone"))

    remove_pushed(ecr_client, gone, None, pushed(gone, x86_64=("r8-x86_64", x86)))
    remove_pushed(ecr_client, target, None, pushed(target, x86_64=("r8-x86_64", x86)))

    assert tags(ecr_client) == {}
    assert capsys.readouterr().err == (
        f"could not remove {REPOSITORY_URI.replace('shop-api', 'shop-gone')}:r8-x86_64 after the failed push: AWS"
        " refused while removing a partly pushed tag (RepositoryNotFoundException): The repository with name"
        " 'shop-gone' does not exist in the registry with id '123456789012'\n"
        f"removed {REPOSITORY_URI}:r8-x86_64: the push did not complete\n")
