"""Which function serves each conformance requirement, and how.

Requirement `<id>` of suite `<suite>` (the folders of aws-durable-execution-conformance-tests'
test_requirements/) is served by the function `req-<id>`, whose handler is `req_<id>` in
handlers/<suite>.py (e.g. 1-13: function req-1-13, handler step.req_1_13). The invoke suite's
requirements call the functions of TARGETS, served beside them.
"""

from __future__ import annotations

SUITES = ("step", "wait", "child", "callback", "invoke", "wait_for_condition", "wait_for_callback", "parallel",
          "map", "plugin")

# The functions the invoke suite's handlers call (handlers/invoke.py names them).
TARGETS = {"invoke-echo": "invoke.echo_target", "invoke-fail": "invoke.failing_target",
           "invoke-measure": "invoke.measuring_target", "invoke-greet": "invoke.greeting_target"}

# Requirements whose expected history orders an answer from outside, which comes in real time
# (a callback answered `Delay` seconds after the validator sees it, a callback's timeout), against
# a durable wait: their server lets waits take real time (time scale 1). Every other requirement
# runs with waits and retry delays skipped (time scale 0).
REAL_TIME = {
    "4-9": "the callback is answered during the 5-second wait",
    "4-10": "the callback fails during the 5-second wait",
    "4-11": "the callback's 3-second timeout falls within the 6-second wait",
}

# `make test`'s subset: the first requirement of each suite.
SUBSET = ("1-1", "2-1", "3-1", "4-1", "5-1", "6-1", "7-1", "8-1", "9-1", "10-1")


def function_name(requirement: str) -> str:
    return f"req-{requirement}"


def handler(suite: str, requirement: str) -> str:
    return f"{suite}.req_{requirement.replace('-', '_')}"


def functions(suite: str, requirements: list[str]) -> dict[str, str]:
    """The functions a server of these requirements serves: name -> handler."""
    served = {function_name(r): handler(suite, r) for r in requirements}
    if suite == "invoke":
        served.update(TARGETS)
    return served
