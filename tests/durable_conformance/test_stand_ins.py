"""The Logs and CloudFormation stand-ins answer what the conformance validator asks of them, from
the local server's output, as CloudWatch Logs and CloudFormation would."""

from __future__ import annotations

import io
import json

import pytest
from durable_conformance.stand_ins import CloudFormation, Logs, LogStore

ARN = "arn:aws:lambda:us-east-1:012345678912:function:req-1-7:$LATEST/durable-execution/x/1"
OTHER = "arn:aws:lambda:us-east-1:012345678912:function:req-1-7:$LATEST/durable-execution/y/2"
PATTERN = f'{{ ($.durableExecutionArn = "{ARN}") || ($.executionArn = "{ARN}") }}'


def _store(*lines: str) -> LogStore:
    store = LogStore()
    store.follow(io.BytesIO("".join(line + "\n" for line in lines).encode())).join()
    return store


def test_logs_are_the_executions_json_records_by_either_arn_field():
    store = _store(json.dumps({"message": "step says hi", "executionArn": ARN}),
                   json.dumps({"plugin": "P", "durableExecutionArn": ARN}),
                   json.dumps({"message": "another execution", "executionArn": OTHER}),
                   f"a plain line that names {ARN}",
                   json.dumps({"type": "platform.start", "record": {}}))
    events = Logs(store).filter_log_events(logGroupName="/aws/lambda/req-1-7", startTime=0,
                                           endTime=2**62, filterPattern=PATTERN)["events"]
    assert [json.loads(e["message"]) for e in events] == [{"message": "step says hi", "executionArn": ARN},
                                                          {"plugin": "P", "durableExecutionArn": ARN}]
    assert all(e["timestamp"] == e["ingestionTime"] for e in events)
    other_group = Logs(store).filter_log_events(logGroupName="/aws/lambda/req-1-8", startTime=0, endTime=2**62,
                                                filterPattern=PATTERN)
    assert other_group == {"events": []}
    too_late = Logs(store).filter_log_events(logGroupName="/aws/lambda/req-1-7", startTime=2**61, endTime=2**62,
                                             filterPattern=PATTERN)
    assert too_late == {"events": []}
    with pytest.raises(ValueError):
        Logs(store).filter_log_events(logGroupName="/aws/lambda/req-1-7", startTime=0, endTime=1,
                                      filterPattern="ERROR")


def test_the_stack_is_the_servers_functions():
    cfn = CloudFormation("local-server", ["req-5-1", "invoke-echo"])
    detail = cfn.describe_stack_resource(StackName="local-server", LogicalResourceId="req-5-1")
    assert detail["StackResourceDetail"]["PhysicalResourceId"] == "req-5-1"
    pages = list(cfn.get_paginator("list_stack_resources").paginate(StackName="local-server"))
    assert [r["LogicalResourceId"] for r in pages[0]["StackResourceSummaries"]] == ["req-5-1", "invoke-echo"]
    with pytest.raises(KeyError):
        cfn.describe_stack_resource(StackName="local-server", LogicalResourceId="req-9-9")
