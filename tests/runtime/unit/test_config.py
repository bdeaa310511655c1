"""The environment, read once."""

import sys

from lambda_runtime.config import Config


def test_defaults():
    c = Config({})
    assert (c.handler, c.task_root, c.log_format, c.log_level) == ("", "/var/task", "TEXT", "")
    assert c.execution_env == f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}"
    assert c.telemetry_fd is None and c.max_concurrency is None


def test_handler_argument_wins_over_the_variable():
    assert Config({"_HANDLER": "a.b"}, ["bootstrap", "c.d"]).handler == "c.d"
    assert Config({"_HANDLER": "a.b"}, ["bootstrap"]).handler == "a.b"


def test_log_settings_like_awslambdaric():
    c = Config({"AWS_LAMBDA_LOG_FORMAT": "json", "AWS_LAMBDA_LOG_LEVEL": "TRACE"})
    assert (c.log_format, c.log_level) == ("JSON", "DEBUG")
    assert Config({"AWS_LAMBDA_LOG_LEVEL": "info"}).log_level == "INFO"


def test_ascii_escaping_follows_awslambdaric():
    assert Config({"AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"}).ensure_ascii is True
    assert Config({"AWS_EXECUTION_ENV": "AWS_Lambda_python3.13"}).ensure_ascii is False


def test_numbers():
    c = Config({"_LAMBDA_TELEMETRY_LOG_FD": "3", "AWS_LAMBDA_MAX_CONCURRENCY": "4"})
    assert (c.telemetry_fd, c.max_concurrency) == (3, 4)
