"""The environment the runtime reads, read once at start into one value."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

# awslambdaric's encoder keeps non-ASCII characters only on these execution environments.
_UNESCAPED_JSON_ENVS = frozenset(
    f"AWS_Lambda_python3.{minor}" for minor in (12, 13, 14, 15))


class Config:
    """What Lambda (or the RIE) tells the runtime through environment variables."""

    __slots__ = (
        "enable_sigterm",
        "ensure_ascii",
        "execution_env",
        "fork_workers_after_init",
        "function_name",
        "function_version",
        "handler",
        "initialization_type",
        "log_format",
        "log_group_name",
        "log_level",
        "log_stream_name",
        "max_concurrency",
        "memory_size",
        "runtime_api",
        "task_root",
        "telemetry_fd",
        "telemetry_log_socket",
    )

    def __init__(self, environ: Mapping[str, str], argv: list[str] | None = None) -> None:
        get = environ.get
        args = argv[1:] if argv else []
        # AWS's images pass the handler as the first argument; Lambda sets _HANDLER.
        self.handler: str = args[0] if args else get("_HANDLER", "")
        self.task_root: str = get("LAMBDA_TASK_ROOT", "/var/task")
        self.runtime_api: str = get("AWS_LAMBDA_RUNTIME_API", "")
        self.function_name: str | None = get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version: str | None = get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_size: str | None = get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name: str | None = get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name: str | None = get("AWS_LAMBDA_LOG_STREAM_NAME")
        concurrency = get("AWS_LAMBDA_MAX_CONCURRENCY")
        self.max_concurrency: int | None = int(concurrency) if concurrency and concurrency.isdigit() else None
        # Lambda Managed Instances log JSON; elsewhere TEXT is the default, as on Lambda.
        log_format = get("AWS_LAMBDA_LOG_FORMAT", "JSON" if self.max_concurrency else "").upper()
        self.log_format: str = "JSON" if log_format == "JSON" else "TEXT"
        # As awslambdaric: TRACE means DEBUG; an unknown level leaves the logger alone.
        level = get("AWS_LAMBDA_LOG_LEVEL")
        self.log_level: str = "" if level is None else ("DEBUG" if level == "TRACE" else level).upper()
        fd = get("_LAMBDA_TELEMETRY_LOG_FD")
        self.telemetry_fd: int | None = int(fd) if fd and fd.isdigit() else None
        # Managed-instance workers connect their stdout and stderr to this socket (workers.py).
        self.telemetry_log_socket: str | None = get("_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET") or None
        self.initialization_type: str | None = get("AWS_LAMBDA_INITIALIZATION_TYPE")
        # AWS's Python images export AWS_EXECUTION_ENV in their bootstrap; libraries
        # (boto3's user agent, Powertools) read it, so it is set the same way here.
        self.execution_env: str = get(
            "AWS_EXECUTION_ENV", f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}")
        self.ensure_ascii: bool = self.execution_env not in _UNESCAPED_JSON_ENVS
        # This runtime's own options (docs/runtime.md: "Graceful shutdown", "Lambda Managed Instances").
        self.enable_sigterm: bool = _flag(get("LAMBDA_ENABLE_SIGTERM"))
        self.fork_workers_after_init: bool = _flag(get("LAMBDA_FORK_WORKERS_AFTER_INIT"))


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")
