"""The functions a server serves: the main one (AWS_LAMBDA_FUNCTION_NAME and the handler) and those
of --functions, more functions of the same code with handlers of their own (as several functions
are created from one image with different ImageConfig commands). Each has its own settings and
its own execution environments, as each Lambda function has.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..wire import invoke_api
from .pool import Pool


class Function:
    def __init__(self, config: Config, pool: Pool) -> None:
        self.config = config
        self.pool = pool

    @property
    def name(self) -> str:
        return self.config.function_name


class Functions:
    def __init__(self, main: Function, more: list[Function]) -> None:
        self.main = main
        self._by_name = {function.name: function for function in (main, *more)}

    def route(self, name_in_path: str) -> Function:
        """The function an invoke's FunctionName names (a name, `name:qualifier`, a full or partial
        ARN). Any other name reaches the main function: a server of one function answers to any
        name, as the RIE does (`function` in its examples)."""
        return self._by_name.get(invoke_api.bare_function_name(name_in_path), self.main)

    def named(self, name: str) -> Function | None:
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[Function]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)
