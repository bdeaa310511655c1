"""The durable execution API over HTTP: a request's method, target and body in, an answer out.

The server's front door calls `DurableApi.answer` for every path under `/2025-12-01/`
(`is_durable_path`); routing and answers are the wire floor's, the work the engine's.
"""

from __future__ import annotations

from .engine.api_operations import ApiOperations
from .engine.engine import DurableEngine
from .wire.errors import Answer, DurableError, error_answer
from .wire.responses import answer
from .wire.routing import is_durable_path, route

__all__ = ["DurableApi", "is_durable_path"]


class DurableApi:
    def __init__(self, engine: DurableEngine) -> None:
        self.operations = ApiOperations(engine)

    def answer(self, method: str, target: str, body: bytes) -> Answer:
        try:
            return answer(self.operations.handle(route(method, target, body)))
        except DurableError as problem:
            return error_answer(problem)
