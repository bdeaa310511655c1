"""The server's settings: command-line options over environment variables over Lambda's defaults.

Read once at start (`Config.from_args`), then passed to whatever needs them; nothing here
reads the environment later.
"""

from __future__ import annotations

import copy
import os
import re
from typing import Any, Callable, Optional

DEFAULT_PORT = 8080  # the RIE's
DEFAULT_MAX_ENVIRONMENTS = 4
# CreateFunction's defaults (botocore lambda service-2.json): MemorySize "The default value
# is 128 MB."; Timeout "The default is 3 seconds." (The RIE's own are 3008 MB and 300 s.)
DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT = 3.0
# "The Init phase is limited to 10 seconds." (AWS "Lambda execution environment lifecycle")
DEFAULT_INIT_TIMEOUT = 10.0
DEFAULT_COMMAND = ["/var/runtime/bootstrap"]
DEFAULT_FUNCTION_NAME = "test_function"  # the RIE's
ACCOUNT_ID = "012345678912"  # the account in the RIE's function ARN
HEALTH_PATH = "/_local/health"
DEFAULT_POLL_INTERVAL = 0.5
TENANT_ISOLATION_MODE = "PER_TENANT"
# Where durable executions are kept when --state-dir is not given: a folder of the container's
# /tmp (the one folder Lambda's file system leaves writable), so it lives as long as the container.
DEFAULT_STATE_DIR = "/tmp/lambda-local-state"
# DurableConfig's bounds (botocore's Lambda model, DurableConfig; SAM's and CDK's default retention).
MAX_EXECUTION_TIMEOUT = 31_622_400
DEFAULT_RETENTION_DAYS = 14


class ConfigError(Exception):
    """A setting that cannot work: one line that says which and why."""


class DurableConfig:
    """The function's DurableConfig, as `aws lambda create-function --durable-config` takes it."""

    def __init__(self, execution_timeout: int, retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self.execution_timeout = execution_timeout
        self.retention_days = retention_days

    @classmethod
    def parse(cls, text: str) -> DurableConfig:
        """From its JSON, `{"ExecutionTimeout": N, "RetentionPeriodInDays": D}`; ConfigError if it cannot work."""
        import json

        try:
            value = json.loads(text)
        except ValueError as problem:
            raise ConfigError(f"--durable-config must be JSON like '{{\"ExecutionTimeout\": 900}}': "
                              f"{problem}") from None
        if not isinstance(value, dict):
            raise ConfigError(f"--durable-config must be a JSON object, not {text!r}")
        unknown = sorted(set(value) - {"ExecutionTimeout", "RetentionPeriodInDays"})
        if unknown:
            raise ConfigError(f"--durable-config: unknown member(s) {', '.join(unknown)}; "
                              "DurableConfig has ExecutionTimeout and RetentionPeriodInDays")
        timeout, retention = value.get("ExecutionTimeout"), value.get("RetentionPeriodInDays", DEFAULT_RETENTION_DAYS)
        # The service's own words for a DurableConfig without it (a quote: docs/facts.md D13).
        if timeout is None:
            raise ConfigError("--durable-config: You cannot create a function with a durable configuration "
                              "without an executionTimeout")
        if type(timeout) is not int or not 1 <= timeout <= MAX_EXECUTION_TIMEOUT:
            raise ConfigError(f"--durable-config: ExecutionTimeout must be a whole number of seconds from 1 to "
                              f"{MAX_EXECUTION_TIMEOUT}, not {timeout!r}")
        if type(retention) is not int or not 1 <= retention <= 90:
            raise ConfigError(f"--durable-config: RetentionPeriodInDays must be a whole number of days from 1 to 90, "
                              f"not {retention!r}")
        return cls(timeout, retention)


class Config:
    def __init__(self, **values: Any) -> None:
        self.host: str = values.get("host", "0.0.0.0")
        self.port: int = values.get("port", DEFAULT_PORT)
        self.command: list[str] = values.get("command") or list(DEFAULT_COMMAND)
        self.handler: str = values.get("handler", "")
        self.task_root: str = values.get("task_root", "/var/task")
        self.code_dir: str | None = values.get("code_dir")
        self.function_name: str = values.get("function_name", DEFAULT_FUNCTION_NAME)
        self.version = "$LATEST"
        self.memory_mb: int = values.get("memory_mb", DEFAULT_MEMORY_MB)
        self.timeout: float = values.get("timeout", DEFAULT_TIMEOUT)
        self.init_timeout: float = values.get("init_timeout", DEFAULT_INIT_TIMEOUT)
        self.region: str = values.get("region", "us-east-1")
        self.max_environments: int = values.get("max_environments", DEFAULT_MAX_ENVIRONMENTS)
        # Lambda Managed Instances: one environment takes this many invocations at once.
        self.max_concurrency: int | None = values.get("max_concurrency")
        self.log_format: str = values.get("log_format", "Text")
        self.http_events: str = values.get("http_events", "v2")
        self.extensions_dir: str = values.get("extensions_dir", "/opt/extensions")
        self.poll_interval: float = values.get("poll_interval", DEFAULT_POLL_INTERVAL)
        self.prewarm: int = values.get("prewarm", 0)
        # Lambda's reserved concurrency: past it, a request gets 429 at once (None: not set).
        self.reserved_concurrency: int | None = values.get("reserved_concurrency")
        # TenancyConfig's TenantIsolationMode: PER_TENANT keeps environments per tenant id.
        self.tenant_isolation: bool = values.get("tenant_isolation", False)
        self.durable: DurableConfig | None = values.get("durable")  # None: the function is not durable
        self.durable_time_scale: float = values.get("durable_time_scale", 1.0)
        self.state_dir: str = values.get("state_dir", DEFAULT_STATE_DIR)
        self.environ: dict[str, str] = values.get("environ", {})  # the server's own environment, given to runtimes
        # More functions from the same code, served beside this one: (name, handler) each.
        self.functions: list[tuple[str, str]] = values.get("functions", [])

    def of_function(self, name: str, handler: str) -> Config:
        """These settings for another function of the same code: its name and handler, the rest shared."""
        other = copy.copy(self)
        other.function_name, other.handler, other.functions = name, handler, []
        return other

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def init_type(self) -> str:
        """AWS_LAMBDA_INITIALIZATION_TYPE: "lambda-managed-instances" with AWS_LAMBDA_MAX_CONCURRENCY
        (as AWS's managed-instances RIE sets it; the OpenTelemetry collector branches on it)."""
        return "on-demand" if self.max_concurrency is None else "lambda-managed-instances"

    @property
    def slots(self) -> int:
        """Invocations one environment takes at once."""
        return self.max_concurrency or 1

    @classmethod
    def from_args(cls, argv: list[str], environ: dict[str, str]) -> Config:
        """Settings from the command line and the environment; ConfigError (one line) if they cannot work."""
        args, command = _parse(argv, environ)
        get = environ.get
        try:
            timeout = _number(get("AWS_LAMBDA_FUNCTION_TIMEOUT"), "AWS_LAMBDA_FUNCTION_TIMEOUT", DEFAULT_TIMEOUT)
            memory = int(_number(get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                 DEFAULT_MEMORY_MB))
            concurrency = get("AWS_LAMBDA_MAX_CONCURRENCY")
            max_concurrency = int(_number(concurrency, "AWS_LAMBDA_MAX_CONCURRENCY", 1)) if concurrency else None
        except ValueError as problem:
            raise ConfigError(str(problem)) from None
        if args["max-environments"] < 1:
            raise ConfigError("--max-environments must be at least 1")
        if args["http-events"] not in ("v2", "v1"):
            raise ConfigError(f"--http-events must be v2 or v1, not {args['http-events']!r}")
        reserved = args["reserved-concurrency"]
        if reserved is not None and reserved < 0:
            raise ConfigError(f"--reserved-concurrency must be 0 or more, got {reserved}")
        mode = args["tenant-isolation-mode"]
        if mode not in (None, TENANT_ISOLATION_MODE):
            # TenancyConfig.TenantIsolationMode: "Valid Values: PER_TENANT" (API_TenancyConfig).
            raise ConfigError(f"--tenant-isolation-mode must be {TENANT_ISOLATION_MODE}, not {mode!r}")
        if mode and args["prewarm"]:
            # Environments belong to a tenant, known at the first request (and Lambda's provisioned
            # concurrency, its prewarming, does not go with tenant isolation).
            raise ConfigError("--prewarm does not go with --tenant-isolation-mode: an environment belongs to "
                              "the tenant of its first request")
        log_format = get("AWS_LAMBDA_LOG_FORMAT") or "Text"
        durable = DurableConfig.parse(args["durable-config"]) if args["durable-config"] else None
        if args["durable-time-scale"] < 0:
            raise ConfigError("--durable-time-scale must be 0 or more (0: waits and retry delays elapse at once)")
        function_name = get("AWS_LAMBDA_FUNCTION_NAME") or DEFAULT_FUNCTION_NAME
        # Paths as the user meant them, from where the server was started: the runtime and the
        # extensions run in the task root, where a relative path would mean something else.
        if command and os.sep in command[0]:
            command = [os.path.abspath(command[0]), *command[1:]]
        return cls(
            host=args["host"], port=args["port"], command=command or None,
            handler=args["handler"] if args["handler"] is not None else get("_HANDLER", ""),
            task_root=os.path.abspath(args["task-root"]),
            code_dir=os.path.abspath(args["code"]) if args["code"] else None,
            function_name=function_name, functions=_functions(args["functions"], function_name),
            memory_mb=memory, timeout=timeout, init_timeout=args["init-timeout"],
            region=get("AWS_REGION") or get("AWS_DEFAULT_REGION") or "us-east-1",
            max_environments=args["max-environments"], max_concurrency=max_concurrency,
            log_format="JSON" if log_format.upper() == "JSON" else "Text",
            http_events=args["http-events"], extensions_dir=os.path.abspath(args["extensions-dir"]),
            poll_interval=args["poll-interval"], prewarm=args["prewarm"], reserved_concurrency=reserved,
            tenant_isolation=mode is not None, durable=durable, durable_time_scale=args["durable-time-scale"],
            state_dir=args["state-dir"], environ=dict(environ))


# A function's name as CreateFunction takes it (botocore's Lambda model: 1 to 64 of these).
_FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def _functions(text: str | None, main: str) -> list[tuple[str, str]]:
    """--functions NAME=HANDLER,NAME=HANDLER: [(name, handler)]; ConfigError if it cannot work."""
    found: list[tuple[str, str]] = []
    for item in (text or "").split(","):
        name, sep, handler = item.strip().partition("=")
        if not item.strip():
            continue
        if not sep or not handler.strip() or not _FUNCTION_NAME.fullmatch(name.strip()):
            raise ConfigError(f"--functions takes NAME=HANDLER,... (a name of 1 to 64 of [a-zA-Z0-9_-]), "
                              f"not {item.strip()!r}")
        name = name.strip()
        if name == main or any(name == seen for seen, _ in found):
            raise ConfigError(f"--functions: the function {name} is named twice")
        found.append((name, handler.strip()))
    return found


def _number(text: str | None, name: str, default: float) -> float:
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {text!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be above 0, got {text!r}")
    return value


# The options: name, the environment variable that sets it too, type, default, help.
# (A table and a small parser rather than argparse: argparse and gettext are half a
# megabyte of memory for the whole life of the server.)
OPTIONS: list[tuple[str, Optional[str], Callable[[str], Any], Any, str]] = [
    ("host", "LAMBDA_LOCAL_HOST", str, "0.0.0.0", "address to listen on"),
    ("port", "LAMBDA_LOCAL_PORT", int, DEFAULT_PORT, "port to listen on, 0 for any (the RIE's is 8080)"),
    ("handler", "_HANDLER", str, None, "the handler, e.g. app.handler"),
    ("task-root", "LAMBDA_TASK_ROOT", str, "/var/task", "the function's code as the image installed it"),
    ("code", "LAMBDA_LOCAL_CODE", str, None, "a code folder served over the task root, reloaded when it changes"),
    ("max-environments", "LAMBDA_LOCAL_MAX_ENVIRONMENTS", int, DEFAULT_MAX_ENVIRONMENTS,
     "execution environments run at once; past them, a request waits for a free one"),
    ("reserved-concurrency", "LAMBDA_LOCAL_RESERVED_CONCURRENCY", int, None,
     "Lambda's reserved concurrency: requests past it get 429 at once, 0 throttles every request"),
    ("tenant-isolation-mode", "LAMBDA_LOCAL_TENANT_ISOLATION_MODE", str, None,
     "PER_TENANT: invokes carry X-Amz-Tenant-Id, and an environment serves one tenant only"),
    ("http-events", "LAMBDA_LOCAL_HTTP_EVENTS", str, "v2",
     "plain HTTP requests as function URL events (v2) or API Gateway REST proxy events (v1)"),
    ("init-timeout", None, float, DEFAULT_INIT_TIMEOUT, "seconds an environment may take to initialise (Lambda's)"),
    ("extensions-dir", None, str, "/opt/extensions", "external extensions to start in each environment"),
    ("poll-interval", None, float, DEFAULT_POLL_INTERVAL, "seconds between looks at the code folder"),
    ("prewarm", "LAMBDA_LOCAL_PREWARM", int, 0, "environments to start before the first request "
                                                 "(Lambda starts them on demand)"),
    ("durable-config", "LAMBDA_LOCAL_DURABLE_CONFIG", str, None,
     'make the function durable, e.g. \'{"ExecutionTimeout": 900, "RetentionPeriodInDays": 14}\''),
    ("durable-time-scale", "LAMBDA_LOCAL_DURABLE_TIME_SCALE", float, 1.0,
     "durable waits and retry delays run at this speed; 0: they elapse at once"),
    ("state-dir", "LAMBDA_LOCAL_STATE_DIR", str, DEFAULT_STATE_DIR, "where durable executions are kept (SQLite)"),
    ("functions", "LAMBDA_LOCAL_FUNCTIONS", str, None, "more functions of the same code, NAME=HANDLER,...: "
                                                       "each is invoked by its name, with the same settings"),
]


def usage() -> str:
    lines = ["usage: python3 -m local_server [options] [RUNTIME COMMAND [ARGS...]]", "",
             "A local AWS Lambda server: the Invoke API, response streaming, plain HTTP as a function URL,",
             "one execution environment per concurrent request, hot reload. The runtime command comes",
             f"after the options (default: {' '.join(DEFAULT_COMMAND)}).", "", "options (environment variable):"]
    for name, env, _, default, text in OPTIONS:
        shown = f" (${env})" if env else ""
        lines.append(f"  --{name:21} {text}{shown}" + (f"; default {default}" if default is not None else ""))
    lines += ["", f"GET {HEALTH_PATH} answers without invoking. Read from the environment as Lambda and the RIE",
              "read them: AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_FUNCTION_TIMEOUT,",
              "AWS_LAMBDA_LOG_FORMAT, AWS_LAMBDA_MAX_CONCURRENCY, AWS_REGION."]
    return "\n".join(lines)


class HelpRequested(Exception):
    """--help: the caller prints usage() and exits 0."""


def _parse(argv: list[str], environ: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """({option: value}, the runtime command): options first, then the command and its arguments."""
    table = {name: (env, kind, default) for name, env, kind, default, _ in OPTIONS}
    values: dict[str, Any] = {}
    for name, (env, kind, default) in table.items():
        text = environ.get(env) if env else None
        values[name] = _convert(name, kind, text) if text else default
    index = 0
    while index < len(argv) and argv[index].startswith("-"):
        arg = argv[index]
        index += 1
        if arg == "--":
            break
        if arg in ("-h", "--help"):
            raise HelpRequested
        name, sep, text = arg[2:].partition("=")
        if not arg.startswith("--") or name not in table:
            raise ConfigError(f"unknown option {arg}: see --help")
        if not sep:
            if index >= len(argv):
                raise ConfigError(f"{arg} needs a value")
            text = argv[index]
            index += 1
        values[name] = _convert(name, table[name][1], text)
    return values, argv[index:]


def _convert(name: str, kind: Callable[[str], Any], text: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise ConfigError(f"--{name} must be {'a number' if kind is not str else 'text'}, got {text!r}") from None
