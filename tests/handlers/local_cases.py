"""Handlers the local server's tests run with the real runtime, beside cases.py."""

import json
import os
import subprocess
import sys
import time


def touch(event, context):
    """Leaves a file behind: proof that an invocation nobody waits for ran."""
    with open(event["path"], "w") as f:
        f.write("touched")
    return "ok"


def http_reply(event, context):
    """A function URL handler that answers what the request's JSON body says."""
    return json.loads(event["body"])


def gate(event, context):
    """Waits for a file to exist (a test's signal), then answers: holds an environment busy. With
    "log", its reply is first added to that file: the order in which invocations started."""
    if "log" in event:
        with open(event["log"], "a") as f:
            f.write(f"{event.get('reply')}\n")
    if "pid_file" in event:
        with open(event["pid_file"], "w") as f:
            f.write(str(os.getpid()))
    give_up = time.monotonic() + 20
    while not os.path.exists(event["gate"]):
        if time.monotonic() > give_up:
            return "gave up"
        time.sleep(0.005)
    return event.get("reply", "released")


def child_memory(event, context):
    """Work in a child process that holds `mb` MB for a moment and has exited when the handler returns."""
    code = (f"import time\nb = bytearray({event['mb']} * 1024 * 1024)\n"
            "for i in range(0, len(b), 4096): b[i] = 1\ntime.sleep(0.1)\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    return "allocated"


def pid(event, context):
    return os.getpid()


def event_in_body(event, context):
    """An API Gateway proxy answer whose body is the event it got."""
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}


FIRST_TENANT = []  # the tenant of the first invocation this environment ran


def tenant_probe(event, context):
    """Which environment, serving whom: the tenant it serves now and the first it ever served."""
    if not FIRST_TENANT:
        FIRST_TENANT.append(context.tenant_id)
    if "gate" in event:
        give_up = time.monotonic() + 20
        while not os.path.exists(event["gate"]) and time.monotonic() < give_up:
            time.sleep(0.005)
    if "log" in event:  # (an Event invocation's only trace)
        with open(event["log"], "a") as f:
            f.write(f"{context.tenant_id} {FIRST_TENANT[0]} {event.get('reply')}\n")
    return {"pid": os.getpid(), "tenant": context.tenant_id, "first": FIRST_TENANT[0], "reply": event.get("reply")}


def tenant_http(event, context):
    """An API Gateway proxy answer that names the tenant the request came from."""
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"tenant": context.tenant_id})}
