"""Logs, contract section 4: the root logger's handler, formats, levels, the telemetry fd."""

import json
import os
import re

from kit.fake_api import FakeRuntimeApi
from kit.paths import HANDLERS
from kit.source_lines import line_of
from kit.telemetry_frames import read_frames

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def run_logs(api, start, env=None, handler="cases.logs", **kwargs):
    process = start(handler, env=env, **kwargs)
    request_id = api.queue_event({}, request_id="req-log")
    assert api.next_post().request_id == request_id
    return process


def test_text_format_with_request_id_and_default_warning_level(api, start):
    out = run_logs(api, start).stdout
    assert re.search(rf"^\[WARNING\]\t{STAMP}\treq-log\troot warning 1\n", out, re.M)
    assert re.search(rf"^\[ERROR\]\t{STAMP}\treq-log\terror record\n", out, re.M)
    assert "info record" not in out  # root stays at WARNING unless AWS_LAMBDA_LOG_LEVEL says otherwise
    assert "printed line\n" in out and "context log\n" in out


def test_log_level_from_the_environment(api, start):
    out = run_logs(api, start, env={"AWS_LAMBDA_LOG_LEVEL": "INFO"}).stdout
    assert re.search(rf"^\[INFO\]\t{STAMP}\treq-log\tinfo record\n", out, re.M)
    with FakeRuntimeApi() as other:  # a runtime of its own: the first one still polls `api`
        out = run_logs(other, start, env={"AWS_LAMBDA_LOG_LEVEL": "ERROR"}, address=other.address).stdout
    assert "root warning" not in out and "error record" in out


def test_json_format(api, start):
    out = run_logs(api, start, env={"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "DEBUG"}).stdout
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    by_message = {r["message"]: r for r in records}
    info = by_message["info record"]
    assert set(info) == {"timestamp", "level", "message", "logger", "requestId"}
    assert (info["level"], info["logger"], info["requestId"]) == ("INFO", "cases", "req-log")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", info["timestamp"])
    assert by_message["error record"]["order"] == 7  # extra keys ride along


def test_json_exception_record(api, start):
    out = run_logs(api, start, env={"AWS_LAMBDA_LOG_FORMAT": "JSON"}, handler="cases.log_exception").stdout
    record = json.loads(next(line for line in out.splitlines() if '"caught"' in line))
    assert (record["errorType"], record["errorMessage"]) == ("ValueError", "bad value: 1")
    line = line_of(HANDLERS / "cases.py", '        logging.getLogger().exception("caught")')
    assert record["location"] == f"{HANDLERS / 'cases.py'}:log_exception:{line}"
    assert record["stackTrace"][-1].endswith('raise ValueError(f"bad value: {value}")\n')


def test_telemetry_fd_gets_frames_and_stdout_keeps_prints(api, start):
    read, write = os.pipe()
    process = run_logs(api, start, env={"_LAMBDA_TELEMETRY_LOG_FD": str(write)}, pass_fds=(write,))
    process.stop()
    os.close(write)
    messages = [(kind, message) for kind, _, message in read_frames(read)]
    kinds = {msg.split("\t")[-1].strip() if "\t" in msg else msg.strip(): kind for kind, msg in messages}
    assert kinds["root warning 1"] == "a55a0003" and kinds["error record"] == "a55a0003"
    assert kinds["context log"] == "a55a0003"
    assert "printed line" in process.stdout and "root warning" not in process.stdout


def test_an_error_report_is_one_record_in_json(api, start):
    process = start("cases.raise_error", env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
    api.queue_event("z", request_id="req-j")
    api.next_post()
    record = json.loads(next(line for line in process.stdout.splitlines() if '"errorType"' in line))
    assert list(record) == ["timestamp", "level", "errorMessage", "errorType", "requestId", "stackTrace"]
    assert (record["level"], record["requestId"], record["errorMessage"]) == ("ERROR", "req-j", "bad value: z")


def test_the_cause_chain_in_text(api, start):
    process = start("cases.raise_from")
    api.queue_event({}, request_id="req-1")
    assert api.next_post().json()["errorType"] == "RuntimeError"
    [record] = [line for line in process.stdout.split("\n") if line.startswith("[ERROR]")]
    lines = record.split("\r")
    nbsp = "\u00a0"
    assert lines[0] == "[ERROR] RuntimeError: could not load customers"
    caused = lines.index("Caused by: KeyError: 'customers'")
    assert lines[caused + 1] == "Traceback (most recent call last):"
    assert lines[caused + 2].startswith(f'{nbsp * 2}File "{HANDLERS}/cases.py", line ')
    assert lines[caused + 2].endswith(", in raise_from")
    assert lines[-1] == f'{nbsp * 4}return {{"orders": 1}}[table]'


def test_the_cause_chain_in_json(api, start):
    process = start("cases.raise_while_handling", env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
    api.queue_event({}, request_id="req-2")
    api.next_post()
    [record] = [json.loads(line) for line in process.stdout.splitlines() if '"level": "ERROR"' in line]
    [cause] = record["causes"]
    assert (record["errorType"], record["errorMessage"], record["requestId"]) == (
        "ValueError", "cleanup failed too", "req-2")
    assert (cause["relation"], cause["errorType"], cause["errorMessage"]) == ("context", "KeyError", "'customers'")
    assert [line.split(", in ")[1].split("\n")[0] for line in cause["stackTrace"]] == [
        "raise_while_handling", "_lookup"]
