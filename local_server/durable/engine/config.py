"""What the engine is told at start: the durable functions it serves, and its knobs."""

from __future__ import annotations

import dataclasses
from typing import Optional

from .invocations import RetryPolicy

# RetentionPeriodInDays when the DurableConfig leaves it out: SAM's and CDK's default, 14
# (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-durableconfig.html);
# the model's own GetDurableExecutionHistory doc says 30: docs/facts.md D4.
DEFAULT_RETENTION_DAYS = 14


@dataclasses.dataclass(frozen=True)
class FunctionConfig:
    """A durable function: its name and its DurableConfig (`ExecutionTimeout` is required by
    the service: "You cannot create a function with a durable configuration without an
    executionTimeout", docs/facts.md D13)."""

    name: str
    execution_timeout: int  # seconds, 1..31622400 (model `DurableConfig.ExecutionTimeout`)
    retention_days: int = DEFAULT_RETENTION_DAYS  # 1..90

    def __post_init__(self) -> None:
        if not 1 <= self.execution_timeout <= 31_622_400:
            raise ValueError("ExecutionTimeout must be from 1 to 31622400 seconds")
        if not 1 <= self.retention_days <= 90:
            raise ValueError("RetentionPeriodInDays must be from 1 to 90")


@dataclasses.dataclass(frozen=True)
class EngineConfig:
    functions: tuple[FunctionConfig, ...]
    # The RIE's function ARN parts (docs/local-server.md "Options": arn:aws:lambda:us-east-1:012345678912:...).
    region: str = "us-east-1"
    account: str = "012345678912"
    time_scale: float = 1.0  # 0: waits and retry delays elapse at once (engine/clock.py)
    retry: RetryPolicy = dataclasses.field(default_factory=RetryPolicy)
    event_page_bytes: Optional[int] = None  # the first page of operations in the event (default 5 MB)

    def function(self, name: str) -> Optional[FunctionConfig]:
        for config in self.functions:
            if config.name == name:
                return config
        return None
