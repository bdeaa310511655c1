"""An environment's output goes on to the server's log a whole line at a time: the unfinished line
of one process waits for its end (or for the END drain), so another environment's line never
lands inside it, as each Lambda environment's lines are events of a stream of its own."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from local_server.console import MemoryConsole
from local_server.environment.output import MAX_UNFINISHED, ProcessOutput


class _Supervisor:
    """Keeps the callbacks; `readable(fd)` is what the real one does when a pipe has data."""

    def __init__(self) -> None:
        self.callbacks = {}

    def add(self, fd, callback) -> None:
        self.callbacks[fd] = callback

    def remove(self, fd) -> None:
        self.callbacks.pop(fd, None)


class _Invocation:
    def __init__(self) -> None:
        self.start_line, self.log = b"START\n", b""

    def take_start_line(self) -> bytes:
        start, self.start_line = self.start_line, b""
        return start

    def add_log(self, data: bytes) -> None:
        self.log += data


class _NoTelemetry:
    """No subscriber: the lines go to the log only."""

    def function_output(self, source: str, data: bytes) -> None:
        pass

    def extension_output(self, source: str, data: bytes) -> None:
        pass

    def output_ended(self, source: str) -> None:
        pass


@pytest.fixture
def pipes():
    """pipes(console, running) -> (ProcessOutput, write): one process whose stdout and
    stderr are pipes the test writes into, read as the supervisor reads them."""
    made = []

    def make(console, running=()):
        supervisor = _Supervisor()
        output = ProcessOutput(console, supervisor, lambda: list(running), _NoTelemetry())
        (out_r, out_w), (err_r, err_w) = os.pipe(), os.pipe()
        output.add(SimpleNamespace(stdout=os.fdopen(out_r, "rb"), stderr=os.fdopen(err_r, "rb")))
        made.append((output, out_w, err_w))

        def write(data: bytes, stream: str = "out") -> None:
            os.write(out_w if stream == "out" else err_w, data)
            supervisor.callbacks[out_r if stream == "out" else err_r]()

        return output, write

    yield make
    for output, *fds in made:
        for fd in fds:
            os.close(fd)
        output.close()


def test_lines_of_twopipess_never_mix(pipes):
    console = MemoryConsole()
    _, first = pipes(console)
    _, second = pipes(console)
    first(b"alpha starts")  # print()'s first write: the text, its newline comes after
    second(b"beta is whole\n")
    first(b" and ends\nalpha again\n")
    assert bytes(console.stdout) == b"beta is whole\nalpha starts and ends\nalpha again\n"


def test_an_invocations_end_passes_its_unfinished_line_on_ended_after_start(pipes):
    console, inv = MemoryConsole(), _Invocation()
    output, write = pipes(console, [inv])
    write(b"no line end")
    write(b"warning\n", "err")
    assert (bytes(console.stdout), bytes(console.stderr)) == (b"START\n", b"warning\n")
    assert output.drain_for_end(inv) == b""  # START went out before the first line
    assert (bytes(console.stdout), bytes(console.stderr)) == (b"START\nno line end\n", b"warning\n")
    assert inv.log == b"no line endwarning\n"  # the Tail log: the bytes as they came


def test_a_line_without_an_end_in_sight_is_passed_on_as_it_is(pipes):
    console = MemoryConsole()
    _, write = pipes(console)
    chunk = b"x" * 65536
    for _ in range(MAX_UNFINISHED // len(chunk)):
        write(chunk)
    assert console.stdout == b""
    write(chunk)
    assert bytes(console.stdout) == chunk * (MAX_UNFINISHED // len(chunk) + 1)
