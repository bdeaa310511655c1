"""Handlers the functional, differential and RIE tests run, each showing one behaviour."""

import decimal
import json
import logging
import os
import sys
from collections import OrderedDict

INVOCATIONS = 0  # module state: set up once, kept across warm invocations
log = logging.getLogger("cases")


def echo(event, context):
    return event


def counter(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    return INVOCATIONS


def context_info(event, context):
    cc = context.client_context
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "remaining_positive": context.get_remaining_time_in_millis() > 0,
        "tenant_id": context.tenant_id,
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "client_context": None if cc is None else {
            "custom": cc.custom, "env": cc.env,
            "client": None if cc.client is None else cc.client.app_title},
        "w3c": context.w3c(),
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
    }


def _inner(value):
    raise ValueError(f"bad value: {value}")


def raise_error(event, context):
    _inner(event)


class PaymentDeclined(Exception):
    pass


def raise_custom(event, context):
    raise PaymentDeclined("card declined")


def raise_unicode(event, context):
    raise RuntimeError("naïve ✓")


def unserialisable(event, context):
    return {"s": {1, 2}}


def decimals(event, context):
    return {"price": decimal.Decimal("19.990000000000000001"), "nan": decimal.Decimal("NaN")}


def binary(event, context):
    return b"\x89PNG\r\n\x1a\n\x00\xff"


def text(event, context):
    return "héllo ✓ \u2028"


def nothing(event, context):
    return None


def mixed(event, context):
    return OrderedDict(b=(1, 2.5, True), a=[None, "x"], big=2**70, f=1e-7)


def sized(event, context):
    return "x" * event["size"]


def logs(event, context):
    print("printed line")
    logging.getLogger().warning("root warning %s", 1)
    log.info("info record")
    log.error("error record", extra={"order": 7})
    context.log("context log\n")
    return "logged"


def log_exception(event, context):
    try:
        _inner(1)
    except ValueError:
        logging.getLogger().exception("caught")
    return "ok"


def exit_now(event, context):
    sys.exit(event.get("code", 3))


def env(event, context):
    return {name: os.environ.get(name) for name in event["names"]}


def bytes_event(event, context):
    return {"type": type(event).__name__, "value": event.decode("latin-1") if isinstance(event, bytes) else event}


def dumps(event, context):
    return json.dumps(event)


def slow(event, context):
    import time

    time.sleep(event.get("seconds", 0))
    return "done"


def sandbox(event, context):
    """What a function may touch under Lambda: /tmp, not the task root."""
    with open("/tmp/probe", "w") as f:
        f.write("ok")
    try:
        open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "probe"), "w").close()
        task_root_writable = True
    except OSError:
        task_root_writable = False
    return {"uid": os.getuid(), "gid": os.getgid(), "tmp": open("/tmp/probe").read(),
            "task_root_writable": task_root_writable}


def command_line(event, context):
    """How the runtime's process was started: its argv as the kernel recorded it."""
    with open("/proc/self/cmdline", "rb") as f:
        return f.read().decode().split("\0")[:-1]


def square(n):
    return n * n


def processes(event, context):
    """Work in child processes with a multiprocessing start method (or a ProcessPoolExecutor)."""
    import multiprocessing

    ctx = multiprocessing.get_context(event["method"])
    if event.get("executor"):
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(2, mp_context=ctx) as pool:
            return {"squares": list(pool.map(square, range(4)))}
    with ctx.Pool(2) as pool:
        return {"squares": pool.map(square, range(4))}


def _simplejson_cases():
    from collections import namedtuple

    point = namedtuple("Point", "x y")

    class Record:
        def _asdict(self):
            return {"id": 7, "point": point(1, b"two")}

    class NotADict:
        def _asdict(self):
            return [1]

    class Row(list):
        def _asdict(self):
            return {"row": list(self)}

    loop = []
    loop.append(loop)
    return {
        "bytes_value": {"body": b"hello"},
        "bytes_in_list": [b"a", {"b": b"c"}],
        "bytes_not_utf8": {"body": b"\xff"},
        "bytes_key": {b"k": 1},
        "namedtuple": point(1, 2),
        "nested_namedtuple": {"points": [point(1, (2, 3)), point(decimal.Decimal("1.10"), None)]},
        "asdict_object": Record(),
        "asdict_not_a_dict": NotADict(),
        "list_with_asdict": Row([1, 2]),
        "decimal_key": {decimal.Decimal("1.5"): 1},
        "tuple_key": {(1, 2): 1},
        "scalar_keys": {1.5: "f", float("nan"): "n", True: "t", None: "z", 2**70: "i"},
        "circular": loop,
        "set": {"s": {1}},
    }


def simplejson_rules(event, context):
    """Results that simplejson (awslambdaric's encoder) writes its own way."""
    return _simplejson_cases()[event["case"]]


not_callable = 42  # a handler name that resolves to something that cannot be called


def sdk(event, context):
    """The AWS SDK this function gets, and where it comes from."""
    import boto3
    import botocore

    return {"boto3": boto3.__version__, "botocore": botocore.__version__, "path": boto3.__file__}


def sdk_modules(event, context):
    """Which SDK modules are loaded: none unless the function imports them itself."""
    sdk = ("boto3", "botocore", "s3transfer", "aws_durable_execution_sdk_python")
    return sorted(name for name in sys.modules if name.split(".")[0] in sdk)


def durable_sdk(event, context):
    """The durable execution SDK this function gets, where it comes from, and the user agent of
    the Lambda client it makes for its checkpoints (taken from the signed request, which then
    goes nowhere)."""
    import importlib.metadata

    from aws_durable_execution_sdk_python import __file__ as path
    from aws_durable_execution_sdk_python import __version__
    from aws_durable_execution_sdk_python.lambda_service import LambdaClient

    class Sent(Exception):
        pass

    def stop(request, **kwargs):
        agent = request.headers["User-Agent"]
        raise Sent(agent.decode() if isinstance(agent, bytes) else agent)

    client = LambdaClient.initialize_client().client
    client.meta.events.register("before-send.lambda", stop)
    try:
        client.list_functions()
    except Sent as sent:
        user_agent = sent.args[0]
    return {"version": __version__, "distribution": importlib.metadata.version("aws-durable-execution-sdk-python"),
            "path": path, "user_agent": user_agent}


def native(event, context):
    """What a function that ships native code relies on: libraries by name, layer binaries, TZ."""
    import ctypes
    import subprocess
    import time

    from murmurhash import mrmr  # a C++ extension from a manylinux wheel

    shipped = ctypes.CDLL("libshipped.so.1")  # /var/task/lib, found through LD_LIBRARY_PATH
    shipped.zlibVersion.restype = ctypes.c_char_p
    return {
        "murmur": mrmr.hash("lambda"),
        "shipped": bool(shipped.zlibVersion()),
        "layer_tool": subprocess.run(["layer-tool"], capture_output=True, text=True, check=True).stdout,
        "tz": os.environ.get("TZ"),
        "tzname": list(time.tzname),
    }


# Exceptions with a cause chain: the posted error is awslambdaric's, the log shows the chain.
def _lookup(table):
    return {"orders": 1}[table]


def raise_from(event, context):
    try:
        _lookup("customers")
    except KeyError as exc:
        raise RuntimeError("could not load customers") from exc


def raise_while_handling(event, context):
    try:
        _lookup("customers")
    except KeyError:
        raise ValueError("cleanup failed too")  # noqa: B904  (the implicit context is the point)


def raise_from_none(event, context):
    try:
        _lookup("customers")
    except KeyError:
        raise ValueError("no context") from None


def root_handlers(event, context):
    """The root logger's handlers, by class name (what awslambdaric installs)."""
    return [type(handler).__name__ for handler in logging.getLogger().handlers]


def line_info(event, context):
    """The Python line, the AWS SDK and durable execution SDK in use (None without one) and a
    C++ extension's answer."""
    import importlib

    def found(module: str):
        try:
            imported = importlib.import_module(module)
        except ImportError:
            return None
        return [imported.__version__, imported.__file__]

    from murmurhash import mrmr

    return {"python": "{}.{}".format(*sys.version_info[:2]), "boto3": found("boto3"),
            "durable": found("aws_durable_execution_sdk_python"), "murmur": mrmr.hash("lambda")}
