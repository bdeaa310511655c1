"""Making a function durable from the command line: what a mistake there gets, in one line."""

from __future__ import annotations

import pytest

from local_server import cli
from local_server.config import Config, ConfigError, DurableConfig


@pytest.mark.parametrize("text,message", [
    ("900", "--durable-config must be a JSON object, not '900'"),
    ("{ExecutionTimeout: 9}", "--durable-config must be JSON like '{\"ExecutionTimeout\": 900}': "
                              "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ('{"RetentionPeriodInDays": 3}', "--durable-config: You cannot create a function with a durable "
                                     "configuration without an executionTimeout"),
    ('{"ExecutionTimeout": 0}', "--durable-config: ExecutionTimeout must be a whole number of seconds from 1 "
                                "to 31622400, not 0"),
    ('{"ExecutionTimeout": 60.5}', "--durable-config: ExecutionTimeout must be a whole number of seconds from 1 "
                                   "to 31622400, not 60.5"),
    ('{"ExecutionTimeout": 60, "RetentionPeriodInDays": 91}', "--durable-config: RetentionPeriodInDays must be a "
                                                              "whole number of days from 1 to 90, not 91"),
    ('{"ExecutionTimeout": 60, "Timeout": 3}', "--durable-config: unknown member(s) Timeout; DurableConfig has "
                                               "ExecutionTimeout and RetentionPeriodInDays"),
])
def test_a_durable_config_that_cannot_work_is_one_line(text, message, capsys):
    with pytest.raises(ConfigError) as problem:
        DurableConfig.parse(text)
    assert str(problem.value) == message
    assert cli.main(["--durable-config", text], {}) == 2
    assert capsys.readouterr().err == f"local-server: {message}\n"


def test_the_durable_settings_from_the_environment_and_the_options():
    config = Config.from_args(["--durable-time-scale", "0"], {
        "LAMBDA_LOCAL_DURABLE_CONFIG": '{"ExecutionTimeout": 3600}', "LAMBDA_LOCAL_STATE_DIR": "/data/state"})
    assert (config.durable.execution_timeout, config.durable.retention_days, config.durable_time_scale,
            config.state_dir) == (3600, 14, 0.0, "/data/state")
    plain = Config.from_args([], {})
    assert (plain.durable, plain.durable_time_scale, plain.state_dir) == (None, 1.0, "/tmp/lambda-local-state")
    with pytest.raises(ConfigError, match="--durable-time-scale must be 0 or more"):
        Config.from_args(["--durable-time-scale", "-1"], {})


@pytest.mark.parametrize("content,says", [
    (b"this is not a database" * 100, "is not a readable SQLite file"),
    (None, "is not a durable execution state file of this server"),
])
def test_a_state_file_that_is_not_ours_stops_the_server_with_one_line_and_is_left_alone(tmp_path, capsys, content,
                                                                                         says):
    import sqlite3

    state = tmp_path / "state"
    state.mkdir()
    path = state / "durable-executions.sqlite3"
    if content is None:  # someone else's SQLite database
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE invoices (id INTEGER)")
        db.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    code = cli.main(["--host", "127.0.0.1", "--port", "0", "--state-dir", str(state),
                     "--durable-config", '{"ExecutionTimeout": 60}'], {})
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and says in err and str(path) in err, err
    assert path.read_bytes() == before


def test_a_server_whose_function_is_not_durable_never_loads_the_engine_nor_sqlite():
    # The engine and sqlite3 cost a third of the server's start and several MiB: only a durable function pays.
    import subprocess
    import sys

    from kit.paths import ROOT

    probe = ("import sys, local_server.cli, local_server.server; "
             "print(sorted(m for m in sys.modules if m.startswith('local_server.durable') or m == 'sqlite3'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": f"{ROOT / 'runtime'}:{ROOT}"})
    assert done.stdout == "[]\n"
