"""Powertools for AWS Lambda (Python) on our runtime and on awslambdaric 4.2.x: the same.

Each test runs the same handlers (tests/handlers/powertools_cases.py) on the same events
through both runtimes at once, each against its own fake Runtime API and its own X-Ray
"daemon" (a UDP socket on 127.0.0.1, so Tracer runs enabled and its segments can be read),
with the same request ids and the same trace headers (and PYTHONHASHSEED). It compares exactly
what each runtime posted; the log lines, per invocation (stdout cut where it stood when the
post arrived), after the process and stderr, with timestamps normalised and nothing else (no
line carries a duration or a process id, and the request and trace ids are the same); and the
X-Ray documents sent, in order, with their generated ids, times and object addresses normalised.
Then it asserts what Powertools relies on from the runtime (docs/facts.md H9): the
root handler in place before the function is imported, AWS_LAMBDA_LOG_LEVEL, the trace id in
_X_AMZN_TRACE_ID per invocation (removed without one), EMF on stdout before the response is posted.
"""

from __future__ import annotations

import json
import queue
import re
import socket
from pathlib import Path

import aws_lambda_powertools.shared.version
import pytest
from kit.fake_api import FakeRuntimeApi
from kit.paths import HANDLERS, XRAY_SDK_FOLDER
from kit.runtime_process import RuntimeProcess, ours
from kit.runtime_process import awslambdaric as reference

POWERTOOLS_VERSION = "3.37.0"  # requirements-dev.in
assert aws_lambda_powertools.shared.version.VERSION == POWERTOOLS_VERSION

TRACE_ROOT = "1-67891233-abcdef012345678912345678"
PARENT = "53995c3f42cd8ad8"


def trace_header(n: int) -> str:
    return f"Root={TRACE_ROOT[:-2]}{n:02d};Parent={PARENT};Sampled=1"


def trace_root(n: int) -> str:
    return f"{TRACE_ROOT[:-2]}{n:02d}"


# --- both runtimes, invoked event by event --------------------------------------------------


class _PostsWithStdout(queue.Queue):
    """The fake API's queue of posts, noting how much stdout the function had written when each
    post arrived (the runtime is then waiting for the API's answer)."""

    stdout_path: Path

    def put(self, item, block=True, timeout=None) -> None:
        item.stdout_size = self.stdout_path.stat().st_size
        super().put(item, block, timeout)


def ours_unmeasured(handler: str) -> list:
    """Our runtime, never under coverage.py (`make test` measures ours, not awslambdaric): coverage
    saves its data through sqlite3, which Tracer patches, so a measured process would log and
    trace coverage's own writes."""
    return ours(handler)


class Function:
    """A runtime process serving one handler, with its Runtime API and its X-Ray daemon socket."""

    def __init__(self, command, handler: str, out_dir: Path, env: dict) -> None:
        self.daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.daemon.bind(("127.0.0.1", 0))
        self.daemon.setblocking(False)
        self.api = FakeRuntimeApi().__enter__()
        self.api.posts = posts = _PostsWithStdout()
        self.process = RuntimeProcess(self.api.address, handler, HANDLERS, out_dir, command=command, env={
            "POWERTOOLS_SERVICE_NAME": "payment",
            "POWERTOOLS_METRICS_NAMESPACE": "Shop",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{self.daemon.getsockname()[1]}",
            "PYTHONHASHSEED": "0",  # the X-Ray SDK patches modules in the order of a set, and logs each
            **env})
        posts.stdout_path = self.process.stdout_path
        self._read = 0
        self.invocations = 0

    def queue(self, event, trace: int | None) -> None:
        headers = {} if trace is None else {"Lambda-Runtime-Trace-Id": trace_header(trace)}
        self.api.queue_event(event, request_id=f"req-{self.invocations}", headers=headers)
        self.invocations += 1

    def result(self) -> tuple:
        """(what was posted, the stdout written since the last post until this one arrived)."""
        post = self.api.next_post()
        return post, self.stdout(post.stdout_size)

    def stdout(self, until: int | None = None) -> str:
        data = self.process.stdout_path.read_bytes()[:until]
        text, self._read = data[self._read:].decode(), len(data)
        return text

    def stop(self) -> tuple:
        """The stdout after the last post, the whole stderr, and every X-Ray document the function
        sent, in order, once the process has stopped (so none is still on its way)."""
        self.process.stop()
        self.api.__exit__(None, None, None)
        received = []
        while True:
            try:
                received.append(self.daemon.recv(65536).decode())
            except BlockingIOError:
                break
        self.daemon.close()
        return self.stdout(), self.process.stderr, received


# The X-Ray SDK logs (DEBUG) if its folder was there already: made first (run_both), both
# runtimes' processes, started together, log the same.
pytestmark = pytest.mark.usefixtures("xray_sdk_folder")


def run_both(tmp_path, handler: str, events: list, env: dict | None = None) -> dict:
    """Both runtimes, started together, given the same events one at a time.

    events: [(event, trace header number or None)]. Returns, per runtime, (post, stdout) per
    invocation, and (stdout after the last, stderr, X-Ray datagrams) at the end.
    """
    XRAY_SDK_FOLDER.mkdir(exist_ok=True)
    functions = {name: Function(command, handler, tmp_path, env or {})
                 for name, command in (("ours", ours_unmeasured), ("awslambdaric", reference))}
    results: dict = {name: {"invocations": []} for name in functions}
    try:
        for event, trace in events:
            for function in functions.values():
                function.queue(event, trace)
            for name, function in functions.items():
                results[name]["invocations"].append(function.result())
    finally:
        for name, function in functions.items():
            results[name]["end"] = function.stop()
    return results


# --- what is compared, and what is normalised ----------------------------------------------

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3})?Z"  # the runtime's TEXT and JSON lines
                       r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\+0000")  # Powertools Logger's
EMF_TIMESTAMP = re.compile(r'"Timestamp":\d{13}')
SEGMENT_TIME = re.compile(r'"(start_time|end_time)": \d+\.\d+')
SEGMENT_ID = re.compile(r'"[0-9a-f]{16}"')
ADDRESS = re.compile(r" at 0x[0-9a-f]+>")  # reprs in Tracer's error metadata: "<traceback object at 0x…>"


def log_lines(text: str) -> list:
    """The lines, with timestamps (and only they) replaced."""
    text = EMF_TIMESTAMP.sub('"Timestamp":"<ms>"', TIMESTAMP.sub("<time>", text))
    return text.split("\n")


def segments(datagrams: list) -> list:
    """X-Ray documents as sent, with times, generated ids and object addresses replaced (the trace's
    parent kept)."""
    ids: dict = {f'"{PARENT}"': f'"{PARENT}"'}

    def number(match: re.Match) -> str:
        return ids.setdefault(match.group(), f'"<id-{len(ids)}>"')

    return [SEGMENT_ID.sub(number, ADDRESS.sub(" at <address>>", SEGMENT_TIME.sub(r'"\1": "<time>"', datagram)))
            for datagram in datagrams]


def posted(post) -> tuple:
    cause = post.headers.get("lambda-runtime-function-xray-error-cause")
    if cause:
        cause = json.loads(cause)
        cause["paths"] = sorted(cause["paths"])  # awslambdaric builds it from a set: no order
    return post.kind, post.status, post.body, post.headers.get("content-type"), cause


def assert_same(results: dict) -> tuple:
    """Asserts both runtimes posted, logged and traced the same; returns ours, normalised:
    ([(posted, stdout lines) per invocation], (stdout lines after the last, stderr), [X-Ray document])."""
    normalised = {}
    for name, result in results.items():
        stdout, stderr, datagrams = result["end"]
        normalised[name] = ([(posted(post), log_lines(stdout)) for post, stdout in result["invocations"]],
                            (log_lines(stdout), stderr), segments(datagrams))
    assert normalised["ours"] == normalised["awslambdaric"]
    invocations, end, documents = normalised["ours"]
    # each datagram: the daemon protocol's header line, then the document
    assert all(d.startswith('{"format":"json","version":1}\n') for d in documents)
    return invocations, end, [json.loads(d.split("\n", 1)[1]) for d in documents]


# --- events, as the services send them (trimmed to what the handlers read) -------------------


def rest_event(method: str, path: str, body=None, query=None, request_id: str = "c0ffee-rest") -> dict:
    return {
        "resource": "/{proxy+}", "path": path, "httpMethod": method,
        "headers": {"Accept": "application/json", "Host": "abc123.execute-api.us-east-1.amazonaws.com",
                    "X-Amzn-Trace-Id": f"Root={TRACE_ROOT}"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": query, "multiValueQueryStringParameters":
            None if query is None else {k: [v] for k, v in query.items()},
        "pathParameters": {"proxy": path[1:]}, "stageVariables": None,
        "requestContext": {"accountId": "123456789012", "apiId": "abc123", "httpMethod": method,
                           "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"},
                           "path": f"/prod{path}", "protocol": "HTTP/1.1", "requestId": request_id,
                           "requestTimeEpoch": 1732425600000, "resourcePath": "/{proxy+}", "stage": "prod"},
        "body": None if body is None else json.dumps(body), "isBase64Encoded": False,
    }


def http_event(method: str, path: str, body=None, request_id: str = "c0ffee-http") -> dict:
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"accept": "*/*", "content-type": "application/json", "host": "api.example.com"},
        "requestContext": {"accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
                           "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                    "sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"},
                           "requestId": request_id, "routeKey": "$default", "stage": "$default",
                           "time": "24/Nov/2024:05:20:00 +0000", "timeEpoch": 1732425600000},
        "body": None if body is None else json.dumps(body), "isBase64Encoded": False,
    }


def sqs_record(message_id: str, body: dict) -> dict:
    return {
        "messageId": message_id, "receiptHandle": f"handle-{message_id}", "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1732425600000",
                       "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1732425600001"},
        "messageAttributes": {"kind": {"stringValue": "order", "dataType": "String"}},
        "md5OfBody": "0" * 32, "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders", "awsRegion": "us-east-1",
    }


def sqs_event(*bodies: dict) -> dict:
    return {"Records": [sqs_record(f"msg-{i}", body) for i, body in enumerate(bodies)]}


S3_EVENT = {"Records": [{
    "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
    "eventTime": "2024-11-24T05:20:00.000Z", "eventName": f"ObjectCreated:{kind}",
    "s3": {"s3SchemaVersion": "1.0", "configurationId": "c",
           "bucket": {"name": "invoices", "arn": "arn:aws:s3:::invoices"},
           "object": {"key": key, "size": size, "eTag": "e", "sequencer": "1"}},
} for kind, key, size in (("Put", "2024/n%C3%A6ste+invoice.pdf", 1024), ("Copy", "a%2Bb.txt", 0))]}

EVENTBRIDGE_EVENT = {
    "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "OrderPlaced",
    "source": "shop.orders", "account": "123456789012", "time": "2024-11-24T05:20:00Z",
    "region": "eu-west-1", "resources": ["arn:aws:events:eu-west-1:123456789012:rule/r"],
    "detail": {"order": 7, "lines": [{"sku": "é", "quantity": 2}]},
}


def body(invocation) -> object:
    """The JSON a normalised invocation posted."""
    return json.loads(invocation[0][2])


def records(lines: list) -> list:
    """The JSON records among log lines (Powertools' own, EMF, the runtime's JSON format)."""
    return [json.loads(line) for line in lines if line.startswith("{")]


def emf(lines: list) -> list:
    """The metrics of each EMF record: {name: values} with its dimensions."""
    return [{**{m["Name"]: r[m["Name"]] for m in r["_aws"]["CloudWatchMetrics"][0]["Metrics"]},
             "dimensions": r["_aws"]["CloudWatchMetrics"][0]["Dimensions"]}
            for r in records(lines) if "_aws" in r]


FORMATS = ["TEXT", "JSON"]  # AWS_LAMBDA_LOG_FORMAT: how the runtime writes its own records


# --- the handlers, the same on both runtimes -------------------------------------------------


@pytest.mark.parametrize("log_format", FORMATS)
def test_rest_api_resolver(tmp_path, log_format):
    results = run_both(tmp_path, "powertools_cases.rest_handler", [
        (rest_event("GET", "/orders/7", query={"verbose": "1"}), 1),  # cold start
        (rest_event("GET", "/orders/missing"), 2),  # NotFoundError raised in a traced method
        (rest_event("POST", "/orders", body={"sku": "k-1", "quantity": 3}), None),  # no trace header
        (rest_event("POST", "/orders", body={"quantity": 3}), 3),  # BadRequestError
        (rest_event("GET", "/nowhere"), 4),  # no route
        (rest_event("GET", "/boom"), 5),  # an error the resolver does not handle: the function fails
    ], env={"AWS_LAMBDA_LOG_FORMAT": log_format})
    invocations, (after, stderr), documents = assert_same(results)

    assert [(body(i)["statusCode"], json.loads(body(i)["body"])) for i in invocations[:5]] == [
        (200, {"order": {"id": "7", "total": 42.5, "items": ["é", "ü"]}, "verbose": True}),
        (404, {"statusCode": 404, "message": "order missing does not exist"}),
        (201, {"sku": "k-1"}),
        (400, {"statusCode": 400, "message": "sku is required"}),
        (404, {"statusCode": 404, "message": "Not found"}),
    ]
    assert body(invocations[2])["multiValueHeaders"] == {
        "Location": ["/orders/1"], "Content-Type": ["application/json"]}
    failed = invocations[5]
    assert failed[0][:2] == ("error", 202)
    assert (body(failed)["errorType"], body(failed)["errorMessage"]) == ("RuntimeError", "the order store is down")
    error_record = failed[1][-2]
    if log_format == "TEXT":
        assert error_record.startswith("[ERROR] RuntimeError: the order store is down\rTraceback")
    else:
        assert json.loads(error_record)["errorType"] == "RuntimeError"

    # Logger: the event, the correlation id, the cold start only in the first invocation,
    # the keys appended in one invocation kept in the next (no clear_state).
    first = records(invocations[0][1])
    assert first[0]["message"]["path"] == "/orders/7" and first[0]["correlation_id"] == "c0ffee-rest"
    assert {k: first[1][k] for k in ("message", "cold_start", "function_request_id", "order_id", "verbose",
                                     "xray_trace_id", "function_memory_size")} == {
        "message": "order looked up", "cold_start": True, "function_request_id": "req-0", "order_id": "7",
        "verbose": "1", "xray_trace_id": trace_root(1), "function_memory_size": "128"}
    assert [r["cold_start"] for i in invocations[:5] for r in records(i[1]) if "cold_start" in r] == [
        True, True, False, False, False, False, False, False]
    # Metrics: EMF on stdout before the response was posted (each invocation's lines end where
    # stdout stood when its post arrived), the cold start metric once.
    assert [emf(i[1]) for i in invocations] == [
        [{"ColdStart": [1.0], "dimensions": [["function_name", "service"]]},
         {"OrderLookups": [1.0], "dimensions": [["service"]]}],
        [{"OrderLookups": [1.0], "dimensions": [["service"]]}],
        [{"OrdersCreated": [3.0], "dimensions": [["service"]]}],
        [], [],
        [{"Booms": [1.0], "dimensions": [["service"]]}],
    ]
    assert [r["sku"] for r in records(invocations[2][1]) if "_aws" in r] == ["k-1"]  # metadata
    assert stderr.count("UserWarning: No application metrics to publish.") == 1  # for 400 and 404: once
    assert after == [""]
    # Tracer: the traced method's subsegment, then the handler's, in the invocation's trace.
    # Without a trace header the SDK keeps the last trace (its own rule, the same on both).
    assert [(d["name"], d["trace_id"], d.get("annotations"), d.get("cause", {}).get("exceptions", [{}])[0].get("type"))
            for d in documents] == [
        ("## powertools_cases.find_order", trace_root(1), None, None),
        ("## rest_handler", trace_root(1), {"ColdStart": True, "Service": "payment"}, None),
        ("## powertools_cases.find_order", trace_root(2), None, "NotFoundError"),
        ("## rest_handler", trace_root(2), {"ColdStart": False, "Service": "payment"}, None),
        ("## rest_handler", trace_root(2), {"ColdStart": False, "Service": "payment"}, None),
        ("## rest_handler", trace_root(3), {"ColdStart": False, "Service": "payment"}, None),
        ("## rest_handler", trace_root(4), {"ColdStart": False, "Service": "payment"}, None),
        ("## rest_handler", trace_root(5), {"ColdStart": False, "Service": "payment"}, "RuntimeError"),
    ]
    assert [d["parent_id"] for d in documents[:2]] == [documents[1]["id"], PARENT]
    assert documents[1]["metadata"]["payment"]["rest_handler response"]["statusCode"] == 200


@pytest.mark.parametrize("tracing", ["enabled", "disabled"])
def test_http_api_resolver(tmp_path, tracing):
    results = run_both(tmp_path, "powertools_cases.http_handler", [
        (http_event("GET", "/hello/ana"), 1),
        (http_event("POST", "/stock/sku-9", body={}), 2),  # an exception handler of the function's
        (http_event("GET", "/nowhere"), 3),
    ], env={"POWERTOOLS_TRACE_DISABLED": "true"} if tracing == "disabled" else None)
    invocations, (after, stderr), documents = assert_same(results)
    assert [body(i) for i in invocations] == [
        {"statusCode": 200, "body": '{"message":"hello ana","path":"/hello/ana"}', "isBase64Encoded": False,
         "headers": {"Content-Type": "application/json"}, "cookies": []},
        {"statusCode": 409, "body": "out of stock: sku-9", "isBase64Encoded": False,
         "headers": {"Content-Type": "text/plain"}, "cookies": []},
        {"statusCode": 404, "body": '{"statusCode":404,"message":"Not found"}', "isBase64Encoded": False,
         "headers": {"Content-Type": "application/json"}, "cookies": []},
    ]
    # A child Logger (payment.powertools_cases) logs through the service's Logger, once.
    assert [(r["level"], r["message"], r["correlation_id"], r.get("who"), r.get("sku"), r["cold_start"])
            for i in invocations for r in records(i[1]) if "message" in r] == [
        ("INFO", "greeting", "c0ffee-http", "ana", None, True),
        ("WARNING", "out of stock", "c0ffee-http", None, "sku-9", False),
    ]
    assert [emf(i[1]) for i in invocations] == [[{"HttpRequests": [1.0], "dimensions": [["service"]]}]] * 3
    assert [(d["name"], d["trace_id"], d["parent_id"]) for d in documents] == (
        [("## http_handler", trace_root(n), PARENT) for n in (1, 2, 3)] if tracing == "enabled" else [])
    assert (after, stderr) == ([""], "")


@pytest.mark.parametrize("log_format", FORMATS)
def test_batch_with_partial_failures(tmp_path, log_format):
    results = run_both(tmp_path, "powertools_cases.batch_handler", [
        (sqs_event({"sku": "a"}, {"sku": "b", "fail": True}, {"sku": "c"}), 1),
        (sqs_event({"sku": "d"}), 2),
        (sqs_event({"sku": "e", "fail": True}), 3),  # every record failed: the batch fails
    ], env={"AWS_LAMBDA_LOG_FORMAT": log_format})
    invocations, (after, stderr), documents = assert_same(results)
    assert [body(i) for i in invocations[:2]] == [
        {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}, {"batchItemFailures": []}]
    failed = body(invocations[2])
    assert invocations[2][0][:2] == ("error", 202)
    assert failed["errorType"] == "BatchProcessingError"
    assert failed["errorMessage"].startswith("All records failed processing. 1 individual errors logged")
    assert failed["errorMessage"].endswith("ValueError: cannot ship e\n")
    assert [[(r["message"], r["sku"], r["correlation_id"]) for r in records(i[1]) if r.get("message") == "shipped"]
            for i in invocations] == [[("shipped", "a", "msg-0"), ("shipped", "c", "msg-0")],
                                      [("shipped", "d", "msg-0")], []]
    assert [emf(i[1]) for i in invocations] == [
        [{"Shipped": [1.0, 1.0], "dimensions": [["service"]]}], [{"Shipped": [1.0], "dimensions": [["service"]]}], []]
    # Tracer: a subsegment per record (the failed one with its cause), then the handler's.
    assert [(d["name"], d["trace_id"], "cause" in d) for d in documents] == [
        ("## powertools_cases.record_handler", trace_root(1), False),
        ("## powertools_cases.record_handler", trace_root(1), True),
        ("## powertools_cases.record_handler", trace_root(1), False),
        ("## batch_handler", trace_root(1), False),
        ("## powertools_cases.record_handler", trace_root(2), False),
        ("## batch_handler", trace_root(2), False),
        ("## powertools_cases.record_handler", trace_root(3), True),
        ("## batch_handler", trace_root(3), True),
    ]
    assert after == [""]
    assert "UserWarning: No application metrics to publish." in stderr


@pytest.mark.parametrize("handler,event,expected", [
    ("s3_handler", S3_EVENT, {
        "bucket": "invoices", "first_key": "2024/næste invoice.pdf",
        "objects": [["2024/n%C3%A6ste+invoice.pdf", 1024, "ObjectCreated:Put", "2024-11-24T05:20:00.000Z"],
                    ["a%2Bb.txt", 0, "ObjectCreated:Copy", "2024-11-24T05:20:00.000Z"]]}),
    ("eventbridge_handler", EVENTBRIDGE_EVENT, {
        "source": "shop.orders", "type": "OrderPlaced", "detail": {"order": 7, "lines": [{"sku": "é", "quantity": 2}]},
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/r"], "region": "eu-west-1"}),
    ("sqs_handler", sqs_event({"sku": "a"}, {"sku": "b"}), [
        {"id": f"msg-{i}", "body": {"sku": sku}, "attributes": "order", "receive_count": "1",
         "queue": "https://sqs.us-east-1.amazonaws.com/123456789012/orders"} for i, sku in enumerate("ab")]),
])
def test_event_source_data_classes(tmp_path, handler, event, expected):
    results = run_both(tmp_path, f"powertools_cases.{handler}", [(event, 1), (event, None)])
    invocations, end, documents = assert_same(results)
    assert [body(i) for i in invocations] == [expected, expected]
    assert (end, documents) == (([""], ""), [])


@pytest.mark.parametrize("log_format", FORMATS)
def test_logger(tmp_path, log_format):
    results = run_both(tmp_path, "powertools_cases.logs", [
        ({"customer": "c-1", "correlation_id": "corr-1"}, 1),
        ({"customer": "c-2"}, None),
        ({"raise": True}, 2),
    ], env={"AWS_LAMBDA_LOG_FORMAT": log_format})
    invocations, end, documents = assert_same(results)
    assert [body(i) for i in invocations[:2]] == [
        {"correlation_id": "corr-1", "trace_env": trace_header(1)}, {"correlation_id": None, "trace_env": None}]
    assert invocations[2][0][0] == "error" and body(invocations[2])["errorMessage"] == "unhandled in the handler"

    lines = invocations[0][1]
    logged = records(lines)
    assert logged[0]["message"] == {"customer": "c-1", "correlation_id": "corr-1"}  # log_event
    charging = {k: v for k, v in logged[1].items() if k not in ("timestamp", "location")}
    assert charging == {
        "level": "INFO", "message": "charging", "service": "payment", "cold_start": True, "function_name": "test",
        "function_memory_size": "128", "function_arn": "arn:aws:lambda:us-east-1:123456789012:function:test",
        "function_request_id": "req-0", "correlation_id": "corr-1", "customer": "c-1", "amount": 12.5,
        "xray_trace_id": trace_root(1)}
    failure = next(r for r in logged if r.get("message") == "charge failed")
    assert (failure["level"], failure["exception_name"], failure["stack_trace"]["frames"][0]["function"]) == (
        "ERROR", "KeyError", "logs")
    assert failure["exception"].endswith("KeyError: 'card'")
    # The library's record goes through the runtime's root handler, in the runtime's format.
    library = lines[2] if log_format == "TEXT" else json.loads(lines[2])
    assert library == ("[WARNING]\t<time>\treq-0\tlibrary warning 7" if log_format == "TEXT" else {
        "timestamp": "<time>", "level": "WARNING", "message": "library warning 7", "logger": "shop.library",
        "requestId": "req-0"})
    assert lines[3] == "a plain print"
    # clear_state: nothing of the first invocation is left in the second; no trace id without a header.
    second = records(invocations[1][1])[1]
    assert (second["customer"], "correlation_id" in second, "xray_trace_id" in second) == ("c-2", False, False)
    assert records(invocations[2][1])[1]["xray_trace_id"] == trace_root(2)
    assert (end, documents) == (([""], ""), [])


# --- what Powertools relies on from the runtime ----------------------------------------------


def test_root_handler_before_import_and_the_trace_id_per_invocation(tmp_path):
    """The runtime's root handler exists before the function is imported (Logger adds its filter
    to it); _X_AMZN_TRACE_ID is the invocation's header, and is removed when there is none."""
    results = run_both(tmp_path, "powertools_cases.environment", [({}, 1), ({}, None), ({}, 2)])
    invocations, end, documents = assert_same(results)
    root = {"root_level": "WARNING", "handlers": [{"level": 0, "filters": [["LambdaLoggerFilter", None]]}]}
    expected = {"root_at_import": root,
                "root_after_logger": {**root, "handlers": [{"level": 0, "filters": [
                    ["LambdaLoggerFilter", None], ["SuppressFilter", "payment"]]}]},
                "logger_level": "INFO"}
    assert [body(i) for i in invocations] == [
        {**expected, "trace_env": trace_header(1)}, {**expected, "trace_env": None},
        {**expected, "trace_env": trace_header(2)}]
    assert (end, documents) == (([""], ""), [])


LEVEL_LINE = re.compile(r"(powertools|library) (debug|info|warning|error)")
ALC_WARNING = ("UserWarning: Current log level (DEBUG) does not match AWS Lambda Advanced Logging Controls "
               "minimum log level (WARNING). This can lead to data loss, consider adjusting them.")


@pytest.mark.parametrize("env,logger_level,root_level,lines", [
    ({}, "INFO", "WARNING", ["powertools info", "powertools warning", "library warning", "powertools error",
                             "library error"]),
    ({"AWS_LAMBDA_LOG_LEVEL": "DEBUG"}, "DEBUG", "DEBUG", [
        "powertools debug", "library debug", "powertools info", "library info", "powertools warning",
        "library warning", "powertools error", "library error"]),
    ({"AWS_LAMBDA_LOG_LEVEL": "WARN"}, "WARNING", "WARNING", [
        "powertools warning", "library warning", "powertools error", "library error"]),
    ({"AWS_LAMBDA_LOG_LEVEL": "ERROR", "AWS_LAMBDA_LOG_FORMAT": "JSON"}, "ERROR", "ERROR", [
        "powertools error", "library error"]),
    # Lambda's level wins over Powertools' own, which Powertools warns about (on stderr).
    ({"AWS_LAMBDA_LOG_LEVEL": "WARN", "POWERTOOLS_LOG_LEVEL": "DEBUG"}, "WARNING", "WARNING", [
        "powertools warning", "library warning", "powertools error", "library error"]),
])
def test_aws_lambda_log_level_is_honoured(tmp_path, env, logger_level, root_level, lines):
    results = run_both(tmp_path, "powertools_cases.levels", [({}, 1), ({}, 2)], env=env)
    invocations, (after, stderr), documents = assert_same(results)
    assert [body(i) for i in invocations] == [{"logger_level": logger_level, "root_level": root_level}] * 2
    assert [[m.group() for line in i[1] if (m := LEVEL_LINE.search(line))] for i in invocations] == [lines] * 2
    assert (after, documents) == ([""], [])  # the handler is not traced
    assert (ALC_WARNING in stderr) == ("POWERTOOLS_LOG_LEVEL" in env)
