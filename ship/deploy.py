"""`deploy`: points an existing Lambda function at a pushed image, by digest, and waits for the update."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.client import BaseClient

from .aws import aws_errors, session
from .errors import ShipError

UPDATE_TIMEOUT_SECONDS = 300


def deploy_pushed(record: str, function: str, arch: str, region: str | None = None,
                  profile: str | None = None) -> tuple[str, dict[str, Any]]:
    """Deploys the `arch` image of the last push (as `push` recorded it in `record`);
    returns the image URI and the function's configuration once updated."""
    path = Path(record)
    if not path.exists():
        raise ShipError(f"nothing pushed yet ({path} is missing): run 'make push' first")
    pushed = json.loads(path.read_text())
    if arch not in pushed:
        raise ShipError(f"no {arch} image in the last push ({', '.join(pushed)}): run"
                        f" 'make push ARCH={arch}' first")
    image_uri: str = pushed[arch]["image_uri"]
    return image_uri, deploy(session(region, profile).client("lambda"), function, image_uri, arch)


def deploy(lam: BaseClient, function: str, image_uri: str, arch: str,
           timeout: float = UPDATE_TIMEOUT_SECONDS) -> dict[str, Any]:
    """UpdateFunctionCode with `image_uri` (repository@sha256:...), refused if the architectures differ."""
    with aws_errors(f"reading the Lambda function '{function}'"):
        try:
            config = lam.get_function_configuration(FunctionName=function)
        except lam.exceptions.ResourceNotFoundException:
            raise ShipError(f"there is no Lambda function '{function}' in {lam.meta.region_name}: create it"
                            " first (from this image), or check FUNCTION= and REGION=") from None
    if config.get("PackageType") != "Image":
        raise ShipError(f"'{function}' is a {config.get('PackageType', 'Zip')} function, not a container image"
                        " function: create a function with PackageType=Image to deploy images")
    function_arch = (config.get("Architectures") or ["x86_64"])[0]
    if function_arch != arch:
        raise ShipError(f"'{function}' runs on {function_arch} but the image is {arch}: run"
                        f" 'make push deploy ARCH={function_arch}', or change the function's architecture")
    with aws_errors(f"updating the code of '{function}'"):
        lam.update_function_code(FunctionName=function, ImageUri=image_uri)
    return wait_until_updated(lam, function, timeout)


def wait_until_updated(lam: BaseClient, function: str, timeout: float,
                       sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Polls LastUpdateStatus until the update has finished (as the function_updated waiter does);
    `sleep` is injectable so a test walks through the backoff without waiting."""
    give_up = time.monotonic() + timeout
    delay = 0.5
    while True:
        with aws_errors(f"waiting for '{function}' to update"):
            config: dict[str, Any] = lam.get_function_configuration(FunctionName=function)
        status = config.get("LastUpdateStatus", "Successful")
        if status == "Successful":
            return config
        if status == "Failed":
            raise ShipError(f"the update of '{function}' failed: {config.get('LastUpdateStatusReason', '')}"
                            f" ({config.get('LastUpdateStatusReasonCode', 'no code')})")
        if time.monotonic() >= give_up:
            raise ShipError(f"'{function}' was still updating after {timeout:g} s: check it in the console")
        sleep(delay)  # polling AWS, with backoff
        delay = min(delay * 2, 5)
