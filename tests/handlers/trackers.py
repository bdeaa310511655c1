"""A function that reports to error trackers we did not write: Sentry and Honeybadger.

Both hook the runtime from inside the function's process (lambda_runtime/bootstrap.py), as
they hook awslambdaric in AWS's images. Configured by the environment, as users configure them:
- SENTRY_DSN: sentry_sdk.init with AwsLambdaIntegration (TRACKERS_TIMEOUT_WARNING=1 for its
  timeout warning), every transaction sampled;
- HONEYBADGER_API_KEY and HONEYBADGER_ENDPOINT: honeybadger.configure();
- TRACKERS_FAIL_INIT=1: the module then fails its import (an init error).
"""

import os
import threading

timeout_warned = threading.Event()  # set when Sentry sends its timeout warning


def _before_send(event, hint):
    values = event.get("exception", {}).get("values", [])
    if any(value.get("type") == "ServerlessTimeoutWarning" for value in values):
        timeout_warned.set()
    return event


if os.environ.get("SENTRY_DSN"):
    import sentry_sdk
    from sentry_sdk.integrations.aws_lambda import AwsLambdaIntegration

    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        integrations=[AwsLambdaIntegration(timeout_warning=os.environ.get("TRACKERS_TIMEOUT_WARNING") == "1")],
        traces_sample_rate=1.0,
        before_send=_before_send,
    )

if os.environ.get("HONEYBADGER_API_KEY"):
    from honeybadger import honeybadger

    honeybadger.configure()

if os.environ.get("TRACKERS_FAIL_INIT") == "1":
    raise RuntimeError("the configuration is missing")


def fail(event, context):
    raise ValueError(f"boom in {context.aws_request_id}")


def succeed(event, context):
    return {"ok": context.aws_request_id}


def slow(event, context):
    """Runs until Sentry has sent its timeout warning (1.5 s before the deadline), then answers."""
    warned = timeout_warned.wait(context.get_remaining_time_in_millis() / 1000)
    return {"warned": warned}
