"""A process's output, as it is read from its pipe, cut into log lines: one record per line. Pure.

Each line keeps its "\\n", as Lambda's records do: "record":"2020-10-27T15:36:14.281Z\\tundefined\\t
INFO\\tLoading function\\n" (a Logs API capture in SumoLogic's extension, main.go) and the same in
a 2022 capture (serverless/aws-lambda-otel-extension reporter_test.go). A line is decoded once
complete, so a character split between two reads is whole; bytes that are not UTF-8 become
U+FFFD. A line longer than 256 KiB is cut there (CloudWatch Logs' limit on one event, which
Lambda applies to what it forwards; where Lambda cuts a telemetry record is unconfirmed).
"""

from __future__ import annotations

MAX_LINE = 256 * 1024


class LineSplitter:
    def __init__(self) -> None:
        self.partial = b""

    def feed(self, data: bytes) -> list[str]:
        """The lines `data` completes; the rest waits for the next call."""
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        found = [piece for line in lines for piece in _cut(line + b"\n")]
        while len(self.partial) >= MAX_LINE:
            found.append(self.partial[:MAX_LINE])
            self.partial = self.partial[MAX_LINE:]
        return [line.decode("utf-8", "replace") for line in found]

    def end(self) -> list[str]:
        """The last line, if the process ended without a newline."""
        rest, self.partial = self.partial, b""
        return [rest.decode("utf-8", "replace")] if rest else []


def _cut(line: bytes) -> list[bytes]:
    return [line[at:at + MAX_LINE] for at in range(0, len(line), MAX_LINE)]
