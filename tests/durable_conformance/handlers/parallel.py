"""Suite `parallel` (requirements 8-1 to 8-22): one handler per requirement, function `req-<id>`.

Branches run one at a time (max-concurrency 1) where the history is asserted event by event."""

from __future__ import annotations

from typing import Any, Callable

import shared
from aws_durable_execution_sdk_python import DurableContext, ParallelBranch, durable_execution
from aws_durable_execution_sdk_python.config import Duration, NestingType, ParallelConfig
from shared import ALL, NO_STATUS, Wrapped, summary

Branch = Callable[[DurableContext], Any]


def one_at_a_time(**options: Any) -> ParallelConfig:
    return shared.one_at_a_time(ParallelConfig, **options)


def returns(value: Any) -> Branch:
    return lambda ctx: value


def step_returns(value: Any) -> Branch:
    return lambda ctx: ctx.step(lambda _: value)


def fails(ctx: DurableContext) -> Any:
    raise RuntimeError("this branch fails")



@durable_execution
def req_8_1(event, context: DurableContext):
    """"parallel": two branches, a step each ("task-1", "task-2")."""
    return context.parallel([step_returns("task-1"), step_returns("task-2")], name="parallel",
                            config=one_at_a_time()).get_results()


@durable_execution
def req_8_2(event, context: DurableContext):
    """No name: two branches returning "alpha" and "beta" directly."""
    return context.parallel([returns("alpha"), returns("beta")], config=one_at_a_time()).get_results()


@durable_execution
def req_8_3(event, context: DurableContext):
    """"named": named branches "first" and "second"."""
    branches = [ParallelBranch(returns("one"), name="first"), ParallelBranch(returns("two"), name="second")]
    return context.parallel(branches, name="named", config=one_at_a_time()).get_results()


@durable_execution
def req_8_4(event, context: DurableContext):
    """"hetero": a string, a number and an object."""
    return context.parallel([returns("hello"), returns(42), returns({"k": "v"})], name="hetero",
                            config=one_at_a_time()).get_results()


@durable_execution
def req_8_5(event, context: DurableContext):
    """"empty": no branches."""
    return context.parallel([], name="empty").get_results()


@durable_execution
def req_8_6(event, context: DurableContext):
    """"failfast" (no failure tolerated): "ok", a failure, and a branch that never starts."""
    result = context.parallel([returns("ok"), fails, returns("never")], name="failfast",
                              config=one_at_a_time(tolerated_failure_count=0))
    return summary(result, *ALL)


@durable_execution
def req_8_7(event, context: DurableContext):
    """"throwing" (no failure tolerated): the first branch fails and the handler rethrows it."""
    result = context.parallel([fails, returns("never")], name="throwing",
                              config=one_at_a_time(tolerated_failure_count=0))
    result.throw_if_error()
    return result.get_results()


@durable_execution
def req_8_8(event, context: DurableContext):
    """"min-successful" (2 of 4): stops after two successes."""
    result = context.parallel([returns(f"r{i}") for i in range(4)], name="min-successful",
                              config=one_at_a_time(min_successful=2))
    return summary(result, "completionReason", "successCount", "totalCount")


@durable_execution
def req_8_9(event, context: DurableContext):
    """"tolerated" (one failure tolerated): ok, a failure, ok: all run."""
    result = context.parallel([returns("a"), fails, returns("c")], name="tolerated",
                              config=one_at_a_time(tolerated_failure_count=1))
    return summary(result, *ALL)


@durable_execution
def req_8_10(event, context: DurableContext):
    """"tolerated-exceeded" (one failure tolerated): two failures stop it."""
    result = context.parallel([fails, fails, returns("never")], name="tolerated-exceeded",
                              config=one_at_a_time(tolerated_failure_count=1))
    return summary(result, *NO_STATUS)


@durable_execution
def req_8_11(event, context: DurableContext):
    """"concurrent": two branches at a time; results in branch order."""
    return context.parallel([returns("r0"), returns("r1"), returns("r2")], name="concurrent",
                            config=ParallelConfig(max_concurrency=2)).get_results()


@durable_execution
def req_8_12(event, context: DurableContext):
    """"flat": FLAT nesting, a step per branch, no branch contexts."""
    return context.parallel([step_returns("fa"), step_returns("fb")], name="flat",
                            config=one_at_a_time(nesting_type=NestingType.FLAT)).get_results()


@durable_execution
def req_8_13(event, context: DurableContext):
    """"tolerated-pct" (25 % of 4 tolerated): two failures stop it."""
    result = context.parallel([fails, fails, returns("c"), returns("d")], name="tolerated-pct",
                              config=one_at_a_time(tolerated_failure_percentage=25))
    return summary(result, *NO_STATUS)


def _waits_then_returns(ctx: DurableContext) -> str:
    ctx.wait(Duration.from_seconds(2))
    return "b1"


@durable_execution
def req_8_14(event, context: DurableContext):
    """"replay": a step branch, then a branch with a 2-second wait; replay skips the first."""
    return context.parallel([step_returns("b0"), _waits_then_returns], name="replay",
                            config=one_at_a_time()).get_results()


@durable_execution
def req_8_15(event, context: DurableContext):
    """"serde": each branch's result goes through a serializer that wraps it."""
    return context.parallel([returns("x"), returns("y")], name="serde",
                            config=one_at_a_time(item_serdes=Wrapped())).get_results()


@durable_execution
def req_8_16(event, context: DurableContext):
    """"all-fail" (three failures tolerated): every branch fails, all run."""
    result = context.parallel([fails, fails, fails], name="all-fail",
                              config=one_at_a_time(tolerated_failure_count=3))
    return summary(result, *ALL)


@durable_execution
def req_8_17(event, context: DurableContext):
    """"min-not-reached" (3 of 3 wanted): ok, a failure, ok."""
    result = context.parallel([returns("a"), fails, returns("c")], name="min-not-reached",
                              config=one_at_a_time(min_successful=3))
    return summary(result, *ALL)


@durable_execution
def req_8_18(event, context: DurableContext):
    """"combined" (3 wanted, one failure tolerated): two failures stop it."""
    result = context.parallel([fails, fails, returns("c"), returns("d")], name="combined",
                              config=one_at_a_time(min_successful=3, tolerated_failure_count=1))
    return summary(result, *NO_STATUS)


@durable_execution
def req_8_19(event, context: DurableContext):
    """"bad-concurrency": max-concurrency 0 is refused before anything runs."""
    return context.parallel([returns(1), returns(2)], name="bad-concurrency",
                            config=ParallelConfig(max_concurrency=0)).get_results()


@durable_execution
def req_8_20(event, context: DurableContext):
    """"accessors": ok, a failure, ok; the result's accessors."""
    result = context.parallel([returns("a"), fails, returns("c")], name="accessors",
                              config=one_at_a_time(tolerated_failure_count=1))
    return {"hasFailure": result.has_failure, "successCount": len(result.succeeded()),
            "failureCount": len(result.failed()), "errorCount": len(result.get_errors())}


def _inner(ctx: DurableContext) -> Any:
    return ctx.parallel([step_returns("i1"), step_returns("i2")], name="inner", config=one_at_a_time()).get_results()


@durable_execution
def req_8_21(event, context: DurableContext):
    """"outer": one branch that runs its own parallel "inner" of two steps."""
    return context.parallel([_inner], name="outer", config=one_at_a_time()).get_results()


@durable_execution
def req_8_22(event, context: DurableContext):
    """"pct-boundary" (25 % of 4 tolerated): one failure, exactly 25 %, does not stop it."""
    result = context.parallel([fails, returns("b"), returns("c"), returns("d")], name="pct-boundary",
                              config=one_at_a_time(tolerated_failure_percentage=25))
    return summary(result, *ALL)
