"""The time scale skips an execution's own waits and retry delays; it never shortens the real time
another execution's timeouts take ("timeouts keep real time", docs/durable.md)."""

from __future__ import annotations

import json
from datetime import timedelta

from handlers import durable_sdk_cases as handlers
from kit.durable_harness import FUNCTION, callback_started, ended, history


def test_skipping_one_executions_waits_leaves_anothers_callback_timeout_alone(served):
    server = served()  # time scale 0
    server.function.handler = handlers.waits_or_callback
    waiting = server.engine.start_execution(FUNCTION, "$LATEST", json.dumps({"timeout": 10})).arn
    callback_id = callback_started(server, waiting)["CallbackStartedDetails"]["CallbackId"]
    sleeper = server.engine.start_execution(FUNCTION, "$LATEST", json.dumps({"waits": 5, "seconds": 3})).arn
    assert ended(server, sleeper)["Status"] == "SUCCEEDED"  # 15 s of waits, skipped in a moment
    waits = [e for e in history(server, sleeper) if e["EventType"] in ("WaitStarted", "WaitSucceeded")]
    spans = [b["EventTimestamp"] - a["EventTimestamp"] for a, b in zip(waits[::2], waits[1::2])]
    assert all(span >= timedelta(seconds=3) for span in spans) and len(spans) == 5  # in its own model time
    # The other execution's callback still has the 10 real seconds its timeout promised.
    server.client().send_durable_execution_callback_success(CallbackId=callback_id, Result=b"in time")
    body = ended(server, waiting)
    assert (body["Status"], json.loads(body["Result"])) == ("SUCCEEDED", {"answer": "in time"})
