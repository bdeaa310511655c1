"""The server's settings: command-line options over environment variables over Lambda's defaults.

Read once at start (`Config.from_args`), then passed to whatever needs them; nothing here
reads the environment later.
"""

from __future__ import annotations

import argparse

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


class ConfigError(Exception):
    """A setting that cannot work: one line that says which and why."""


class Config:
    def __init__(self, **values) -> None:
        self.host: str = values.get("host", "0.0.0.0")
        self.port: int = values.get("port", DEFAULT_PORT)
        self.command: list = values.get("command") or list(DEFAULT_COMMAND)
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
        self.environ: dict = values.get("environ", {})  # the server's own environment, given to runtimes

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def slots(self) -> int:
        """Invocations one environment takes at once."""
        return self.max_concurrency or 1

    @classmethod
    def from_args(cls, argv: list, environ: dict) -> Config:
        args = _parser(environ).parse_args(argv)
        get = environ.get
        try:
            timeout = _number(get("AWS_LAMBDA_FUNCTION_TIMEOUT"), "AWS_LAMBDA_FUNCTION_TIMEOUT", DEFAULT_TIMEOUT)
            memory = int(_number(get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                 DEFAULT_MEMORY_MB))
            concurrency = get("AWS_LAMBDA_MAX_CONCURRENCY")
            max_concurrency = int(_number(concurrency, "AWS_LAMBDA_MAX_CONCURRENCY", 1)) if concurrency else None
        except ValueError as problem:
            raise ConfigError(str(problem)) from None
        if args.max_environments < 1:
            raise ConfigError("--max-environments must be at least 1")
        log_format = (get("AWS_LAMBDA_LOG_FORMAT") or "Text")
        return cls(
            host=args.host, port=args.port, command=args.command or None,
            handler=args.handler if args.handler is not None else get("_HANDLER", ""),
            task_root=args.task_root, code_dir=args.code or None,
            function_name=get("AWS_LAMBDA_FUNCTION_NAME") or DEFAULT_FUNCTION_NAME,
            memory_mb=memory, timeout=timeout, init_timeout=args.init_timeout,
            region=get("AWS_REGION") or get("AWS_DEFAULT_REGION") or "us-east-1",
            max_environments=args.max_environments, max_concurrency=max_concurrency,
            log_format="JSON" if log_format.upper() == "JSON" else "Text",
            http_events=args.http_events, extensions_dir=args.extensions_dir,
            poll_interval=args.poll_interval, prewarm=args.prewarm, environ=dict(environ))


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


def _parser(environ: dict) -> argparse.ArgumentParser:
    get = environ.get
    parser = argparse.ArgumentParser(
        prog="python3 -m local_server",
        description="A local AWS Lambda server: the Invoke API, response streaming, plain HTTP as a "
                    "function URL, one execution environment per concurrent request, hot reload.",
        epilog=f"Health: GET {HEALTH_PATH} answers without invoking. Environment, as Lambda and the RIE read "
               "it: _HANDLER, AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "
               "AWS_LAMBDA_FUNCTION_TIMEOUT, AWS_LAMBDA_LOG_FORMAT, AWS_LAMBDA_MAX_CONCURRENCY, AWS_REGION.")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="the runtime to start in each environment, with its arguments, after the options "
                             f"(default: {' '.join(DEFAULT_COMMAND)})")
    parser.add_argument("--host", default=get("LAMBDA_LOCAL_HOST", "0.0.0.0"), help="address to listen on")
    parser.add_argument("--port", type=int, default=int(get("LAMBDA_LOCAL_PORT") or DEFAULT_PORT),
                        help=f"port to listen on, 0 for any (default {DEFAULT_PORT}, like the RIE)")
    parser.add_argument("--handler", default=None, help="the handler (default: $_HANDLER)")
    parser.add_argument("--task-root", default=get("LAMBDA_TASK_ROOT") or "/var/task",
                        help="the function's code as the image installed it (default: $LAMBDA_TASK_ROOT)")
    parser.add_argument("--code", default=get("LAMBDA_LOCAL_CODE"),
                        help="a code folder to serve over the task root and reload on change "
                             "($LAMBDA_LOCAL_CODE)")
    parser.add_argument("--max-environments", type=int,
                        default=int(get("LAMBDA_LOCAL_MAX_ENVIRONMENTS") or DEFAULT_MAX_ENVIRONMENTS),
                        help="concurrent execution environments; past them, 429 "
                             f"(default {DEFAULT_MAX_ENVIRONMENTS}; $LAMBDA_LOCAL_MAX_ENVIRONMENTS)")
    parser.add_argument("--http-events", choices=("v2", "v1"), default=get("LAMBDA_LOCAL_HTTP_EVENTS") or "v2",
                        help="plain HTTP requests as function URL events (v2, default) or API Gateway "
                             "REST proxy events (v1) ($LAMBDA_LOCAL_HTTP_EVENTS)")
    parser.add_argument("--init-timeout", type=float, default=DEFAULT_INIT_TIMEOUT,
                        help=f"seconds an environment may take to initialise (default {DEFAULT_INIT_TIMEOUT:g}, "
                             "Lambda's)")
    parser.add_argument("--extensions-dir", default="/opt/extensions",
                        help="external extensions to start in each environment (default /opt/extensions)")
    parser.add_argument("--poll-interval", type=float, default=DEFAULT_POLL_INTERVAL,
                        help=f"seconds between looks at the code folder (default {DEFAULT_POLL_INTERVAL:g})")
    parser.add_argument("--prewarm", type=int, default=int(get("LAMBDA_LOCAL_PREWARM") or 0),
                        help="environments to start before the first request (default 0, as Lambda "
                             "starts on demand; $LAMBDA_LOCAL_PREWARM)")
    return parser
