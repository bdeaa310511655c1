"""Points an existing Lambda function at a pushed image, by digest, and waits for the update."""

from __future__ import annotations

import time

from .aws import aws_errors
from .errors import ShipError

UPDATE_TIMEOUT_SECONDS = 300


def deploy(lam, function: str, image_uri: str, arch: str, timeout: float = UPDATE_TIMEOUT_SECONDS) -> dict:
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


def wait_until_updated(lam, function: str, timeout: float) -> dict:
    """Polls LastUpdateStatus until the update has finished (as the function_updated waiter does)."""
    give_up = time.monotonic() + timeout
    delay = 0.5
    while True:
        with aws_errors(f"waiting for '{function}' to update"):
            config = lam.get_function_configuration(FunctionName=function)
        status = config.get("LastUpdateStatus", "Successful")
        if status == "Successful":
            return config
        if status == "Failed":
            raise ShipError(f"the update of '{function}' failed: {config.get('LastUpdateStatusReason', '')}"
                            f" ({config.get('LastUpdateStatusReasonCode', 'no code')})")
        if time.monotonic() > give_up:
            raise ShipError(f"'{function}' was still updating after {timeout:g} s: check it in the console")
        time.sleep(delay)  # polling AWS, with backoff
        delay = min(delay * 2, 5)
