"""Suite `map` (requirements 9-1 to 9-20): one handler per requirement, function `req-<id>`.

Items run one at a time (max-concurrency 1) where the history is asserted event by event."""

from __future__ import annotations

from typing import Any, Callable

import shared
from aws_durable_execution_sdk_python import BatchResult, DurableContext, durable_execution
from aws_durable_execution_sdk_python.concurrency.models import BatchItem, BatchItemStatus, CompletionReason
from aws_durable_execution_sdk_python.config import Duration, MapConfig, NestingType
from aws_durable_execution_sdk_python.serdes import JsonSerDes, SerDes, SerDesContext
from shared import ALL, NO_STATUS, summary

Item = Callable[[DurableContext, Any, int, Any], Any]


def one_at_a_time(**options: Any) -> MapConfig:
    return shared.one_at_a_time(MapConfig, **options)


def fails_on(*bad: Any) -> Item:
    """Returns its item, or fails for the items named."""
    def run(ctx: DurableContext, item: Any, index: int, items: Any) -> Any:
        if item in bad:
            raise RuntimeError(f"item {item} fails")
        return item
    return run



@durable_execution
def req_9_1(event, context: DurableContext):
    """"map" over the input: a step per item makes its greeting."""
    return context.map(event, lambda ctx, item, i, items: ctx.step(lambda _: f"Hello, {item}!"), name="map",
                       config=one_at_a_time()).get_results()


@durable_execution
def req_9_2(event, context: DurableContext):
    """No name: each item doubled directly."""
    return context.map(event, lambda ctx, item, i, items: item * 2, config=one_at_a_time()).get_results()


@durable_execution
def req_9_3(event, context: DurableContext):
    """"indexed": each item plus its index."""
    return context.map(event, lambda ctx, item, i, items: item + i, name="indexed",
                       config=one_at_a_time()).get_results()


@durable_execution
def req_9_4(event, context: DurableContext):
    """"empty": no items."""
    return context.map(event, lambda ctx, item, i, items: item, name="empty").get_results()


@durable_execution
def req_9_5(event, context: DurableContext):
    """"failfast" (no failure tolerated): "ok", a failure, and an item that never starts."""
    result = context.map(["ok", "bad", "never"], fails_on("bad"), name="failfast",
                         config=one_at_a_time(tolerated_failure_count=0))
    return summary(result, *ALL)


@durable_execution
def req_9_6(event, context: DurableContext):
    """"throwing" (no failure tolerated): the first item fails and the handler rethrows it."""
    result = context.map(["bad", "never"], fails_on("bad"), name="throwing",
                         config=one_at_a_time(tolerated_failure_count=0))
    result.throw_if_error()
    return result.get_results()


@durable_execution
def req_9_7(event, context: DurableContext):
    """"min-successful" (2 of 4): stops after two successes."""
    result = context.map(["a", "b", "c", "d"], fails_on(), name="min-successful",
                         config=one_at_a_time(min_successful=2))
    return summary(result, "completionReason", "successCount", "totalCount")


@durable_execution
def req_9_8(event, context: DurableContext):
    """"tolerated" (one failure tolerated): ok, a failure, ok: all run."""
    result = context.map(["a", "bad", "c"], fails_on("bad"), name="tolerated",
                         config=one_at_a_time(tolerated_failure_count=1))
    return summary(result, *ALL)


@durable_execution
def req_9_9(event, context: DurableContext):
    """"tolerated-exceeded" (one failure tolerated): two failures stop it."""
    result = context.map(["bad1", "bad2", "c"], fails_on("bad1", "bad2"), name="tolerated-exceeded",
                         config=one_at_a_time(tolerated_failure_count=1))
    return summary(result, *NO_STATUS)


@durable_execution
def req_9_10(event, context: DurableContext):
    """"tolerated-pct" (25 % of 4 tolerated): two failures stop it."""
    result = context.map(["bad1", "bad2", "c", "d"], fails_on("bad1", "bad2"), name="tolerated-pct",
                         config=one_at_a_time(tolerated_failure_percentage=25))
    return summary(result, *NO_STATUS)


@durable_execution
def req_9_11(event, context: DurableContext):
    """"concurrent": two items at a time; results in item order."""
    return context.map(["r0", "r1", "r2"], fails_on(), name="concurrent",
                       config=MapConfig(max_concurrency=2)).get_results()


@durable_execution
def req_9_12(event, context: DurableContext):
    """"flat": FLAT nesting, a step per item, no iteration contexts."""
    return context.map(["fa", "fb"], lambda ctx, item, i, items: ctx.step(lambda _: item), name="flat",
                       config=one_at_a_time(nesting_type=NestingType.FLAT)).get_results()


@durable_execution
def req_9_13(event, context: DurableContext):
    """"named-items": each iteration named after its item ("item-1", "item-2")."""
    return context.map(event, lambda ctx, item, i, items: item * 10, name="named-items",
                       config=one_at_a_time(item_namer=lambda item, i: f"item-{item}")).get_results()


class Prefixed(SerDes[str]):
    """Writes a string item as "wrapped:<item>" (plain text) and reads it back."""

    def serialize(self, value: str, context: SerDesContext) -> str:
        return f"wrapped:{value}"

    def deserialize(self, data: str, context: SerDesContext) -> str:
        return data.removeprefix("wrapped:")


@durable_execution
def req_9_14(event, context: DurableContext):
    """"serdes": each item's result goes through a serializer that prefixes it."""
    return context.map(["x", "y"], lambda ctx, item, i, items: item.upper(), name="serdes",
                       config=one_at_a_time(item_serdes=Prefixed())).get_results()


def _step_or_wait_then_step(ctx: DurableContext, item: str, index: int, items: Any) -> str:
    if index == 1:
        ctx.wait(Duration.from_seconds(1))
    return ctx.step(lambda _: item)


@durable_execution
def req_9_15(event, context: DurableContext):
    """"suspend": item 0 a step; item 1 a 1-second wait, then a step."""
    return context.map(["r0", "r1"], _step_or_wait_then_step, name="suspend", config=one_at_a_time()).get_results()


@durable_execution
def req_9_16(event, context: DurableContext):
    """"large": four items of about 70 KB each, more than a checkpoint takes for the whole."""
    result = context.map([0, 1, 2, 3], lambda ctx, item, i, items: chr(97 + item) * 70_000, name="large",
                         config=one_at_a_time())
    return summary(result, "successCount", "totalCount")


@durable_execution
def req_9_17(event, context: DurableContext):
    """"then-wait": items upper-cased, then a 1-second wait after the map."""
    results = context.map(["a", "b"], lambda ctx, item, i, items: item.upper(), name="then-wait",
                          config=one_at_a_time()).get_results()
    context.wait(Duration.from_seconds(1))
    return results


@durable_execution
def req_9_18(event, context: DurableContext):
    """"fail-then-wait" (one failure tolerated): ok and a failure, then a 1-second wait."""
    result = context.map(["ok", "fail"], fails_on("fail"), name="fail-then-wait",
                         config=one_at_a_time(tolerated_failure_count=1))
    context.wait(Duration.from_seconds(1))
    return summary(result, *ALL)


class WholeResult(SerDes[Any]):
    """The whole map result as "OPSERDE:" and its results joined by commas, and back."""

    def serialize(self, value: Any, context: SerDesContext) -> str:
        return "OPSERDE:" + ",".join(value.get_results())

    def deserialize(self, data: str, context: SerDesContext) -> Any:
        results = data.removeprefix("OPSERDE:").split(",")
        return BatchResult([BatchItem(i, BatchItemStatus.SUCCEEDED, r) for i, r in enumerate(results)],
                           CompletionReason.ALL_COMPLETED)


def _op_serde_map(context: DurableContext, name: str) -> list[str]:
    return context.map(["x", "y"], lambda ctx, item, i, items: item.upper(), name=name,
                       config=one_at_a_time(serdes=WholeResult(), item_serdes=JsonSerDes())).get_results()


@durable_execution
def req_9_19(event, context: DurableContext):
    """"op-serde": the whole result through its own serializer."""
    return _op_serde_map(context, "op-serde")


@durable_execution
def req_9_20(event, context: DurableContext):
    """"op-serde-replay": the same, then a 1-second wait: the replay reads it back through it."""
    results = _op_serde_map(context, "op-serde-replay")
    context.wait(Duration.from_seconds(1))
    return results
