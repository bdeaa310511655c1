"""The environment variables a runtime process starts with: the container's, plus Lambda's.

As the RIE gives them (and Lambda, for the ones the RIE leaves out): the runtime's own
API address is added by the environment that starts it.
"""

from __future__ import annotations

import os
import time

from ..config import Config

# Credentials of the container's own, in any of the forms botocore looks for them in the environment.
_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE")


def runtime_environ(config: Config, task_root: str, pycache_prefix: str | None,
                    lambda_endpoint: str | None = None) -> dict[str, str]:
    """`lambda_endpoint`: for a durable function, this server's address, where the durable SDK's
    unchanged `boto3.client("lambda")` then sends its checkpoints."""
    env = dict(config.environ)
    env.pop("AWS_LAMBDA_RUNTIME_API", None)
    env.update({
        "_HANDLER": config.handler,
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": config.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": config.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.function_name}",
        # One log stream per environment, named as Lambda names them.
        "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/", time.gmtime()) + "[$LATEST]" + os.urandom(16).hex(),
        "AWS_REGION": config.region,
        "AWS_DEFAULT_REGION": config.region,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
    })
    if config.log_format == "JSON":
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
    if config.max_concurrency is not None:
        env["AWS_LAMBDA_MAX_CONCURRENCY"] = str(config.max_concurrency)
    if lambda_endpoint is not None:
        env["AWS_ENDPOINT_URL_LAMBDA"] = lambda_endpoint
        if not any(env.get(name) for name in _CREDENTIALS):
            # botocore signs every request: without credentials of the container's own, the SDK
            # fails before it reaches us. This server checks no signature.
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = "LOCALSERVER", "local-server-checks-no-signature"
    if pycache_prefix:
        # Bytecode of the served code goes here, never next to it: a stale __pycache__ in the
        # image's /var/task (or the mounted folder) cannot run old code after a change.
        env["PYTHONPYCACHEPREFIX"] = pycache_prefix
    return env
