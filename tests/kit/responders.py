"""Responders for an Invocation in a test: the caller's side, without a front server."""

from __future__ import annotations


class Recorder:
    """A responder that writes nothing: it notes, in order, what the invocation told it."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def response(self, inv, body, content_type):
        self.calls.append(("response", body, content_type))

    def error(self, inv, body, error_type):
        self.calls.append(("error", body, error_type))

    def stream_start(self, inv, content_type):
        self.calls.append(("stream_start", content_type))

    def stream_data(self, inv, data):
        self.calls.append(("stream_data", data))

    def stream_end(self, inv, error_type, error_body):
        self.calls.append(("stream_end", error_type, error_body))


class Quiet:
    """A responder for tests that look elsewhere (headers, telemetry): it ignores every answer."""

    def response(self, inv, body, content_type): ...
    def error(self, inv, body, error_type): ...
    def stream_start(self, inv, content_type): ...
    def stream_data(self, inv, data): ...
    def stream_end(self, inv, error_type, error_body): ...
