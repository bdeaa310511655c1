"""Error reports and telemetry frames in awslambdaric's formats."""

import json
import os
import re

import pytest
from kit.telemetry_frames import read_frames
from lambda_runtime.config import Config
from lambda_runtime.error_reports import ErrorReporter
from lambda_runtime.log_sinks import StdoutSink, TelemetrySink
from lambda_runtime.marshal import Encoder

ERROR = {"errorMessage": "boom", "errorType": "ValueError", "requestId": "r",
         "stackTrace": ['  File "/var/task/app.py", line 3, in handler\n    raise ValueError("boom")\n']}


class Captured:
    def __init__(self, capsys):
        self._capsys = capsys

    def getvalue(self):
        return self._capsys.readouterr().out


@pytest.fixture
def stdout(capsys):
    return Captured(capsys)


def test_text_error_report_is_one_record_joined_with_cr(stdout):
    ErrorReporter(Config({}), StdoutSink(), Encoder(True)).error(ERROR)
    assert stdout.getvalue() == (
        "[ERROR] ValueError: boom\rTraceback (most recent call last):\r"
        '\u00a0\u00a0File "/var/task/app.py", line 3, in handler\r'
        '\u00a0\u00a0\u00a0\u00a0raise ValueError("boom")\n')


def test_json_error_report(stdout):
    ErrorReporter(Config({"AWS_LAMBDA_LOG_FORMAT": "json"}), StdoutSink(), Encoder(True)).error(ERROR)
    line = stdout.getvalue()
    assert line.endswith("}\n") and line.count("\n") == 1
    record = json.loads(line)
    assert list(record) == ["timestamp", "level", "errorMessage", "errorType", "requestId", "stackTrace"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["timestamp"])
    assert record["level"] == "ERROR" and record["stackTrace"] == ERROR["stackTrace"]


def test_runtime_warning_in_text_has_the_record_shape(stdout):
    ErrorReporter(Config({}), StdoutSink(), Encoder(True)).warning("careful\r")
    assert re.fullmatch(r"\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\tcareful\r\n", stdout.getvalue())


def test_runtime_warning_is_silent_above_warning_level(stdout):
    ErrorReporter(Config({"AWS_LAMBDA_LOG_LEVEL": "ERROR"}), StdoutSink(), Encoder(True)).warning("x")
    assert stdout.getvalue() == ""


def test_telemetry_frames_are_type_length_timestamp_message():
    read, write = os.pipe()
    sink = TelemetrySink(write)
    sink.write("hello\n")
    ErrorReporter(Config({}), sink, Encoder(True)).error(ERROR)
    sink._file.close()
    frames = read_frames(read)
    assert [(kind, msg) for kind, _, msg in frames] == [
        ("a55a0003", "hello\n"),
        ("a55a0017", "[ERROR] ValueError: boom\nTraceback (most recent call last):\n"
                     '\u00a0\u00a0File "/var/task/app.py", line 3, in handler\n'
                     '\u00a0\u00a0\u00a0\u00a0raise ValueError("boom")'),
    ]
    assert all(stamp > 1_600_000_000_000_000 for _, stamp, _ in frames)  # microseconds since 1970
