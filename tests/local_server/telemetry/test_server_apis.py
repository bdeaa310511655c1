"""The APIs beside the Runtime API, on its address, in the local server: the metadata endpoint (its
variables in every process, its answers, Powertools' metadata utility), the Telemetry API's and
the Logs API's refusals, the Logs API's records, function and extension lines, tenants."""

import json
import sys
import uuid

from kit.polling import wait_until
from kit.responders import Quiet
from kit.schema_check import LOGS, TELEMETRY, problems
from kit.server_harness import call, invoke, scripted_runtime
from kit.telemetry_wired import batches, entries, events, install, invokes

from local_server.environment import runner
from local_server.environment.invocation import Invocation

LISTEN = {"TELEMETRY_EXT_LISTEN": "127.0.0.1"}
METADATA = "/2026-01-15/metadata/execution-environment"
ENV_NAMES = ["AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_METADATA_API", "AWS_LAMBDA_METADATA_TOKEN"]


def _raw(address: str, method: str, path: str, headers=None, body=b""):
    """(status, headers, body) of one request to an environment's `host:port`."""
    host, _, port = address.rpartition(":")
    reply = call(int(port), method, path, body, headers, timeout=10, host=host)
    return reply.status, reply.headers, reply.body


def test_the_metadata_endpoint_on_the_runtime_apis_address(serve):
    server = serve("cases.env")
    seen = invoke(server.port, {"names": ENV_NAMES}).json()
    api, token = seen["AWS_LAMBDA_METADATA_API"], seen["AWS_LAMBDA_METADATA_TOKEN"]
    assert api == seen["AWS_LAMBDA_RUNTIME_API"] and str(uuid.UUID(token)) == token  # as the RIE gives them
    assert _raw(api, "GET", METADATA, {"Authorization": f"Bearer {token}"}) == (200, {
        "content-type": "application/json", "cache-control": "private, max-age=43200, immutable",
        "content-length": "33"}, b'{"AvailabilityZoneID":"use1-az1"}')
    unauthorized = (401, {"content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff",
                          "content-length": "13"}, b"Unauthorized\n")
    assert _raw(api, "GET", METADATA, {"Authorization": "Bearer " + str(uuid.uuid4())}) == unauthorized
    assert _raw(api, "GET", METADATA) == unauthorized
    assert _raw(api, "POST", METADATA, {"Authorization": f"Bearer {token}"})[::2] == (405, b"Method Not Allowed\n")
    assert _raw(api, "GET", "/2026-01-15/metadata/other")[::2] == (404, b"404 page not found\n")


def test_every_environment_has_its_own_token(serve):
    server = serve("cases.env")
    first = invoke(server.port, {"names": ENV_NAMES}).json()
    server.pool.new_generation(1, server.pool.task_root)  # the environment retired: the next is new
    wait_until(lambda: server.pool.stats()["environments"] == 0, what="the old environment to go")
    second = invoke(server.port, {"names": ENV_NAMES}).json()
    assert first["AWS_LAMBDA_METADATA_TOKEN"] != second["AWS_LAMBDA_METADATA_TOKEN"]
    assert first["AWS_LAMBDA_METADATA_API"] != second["AWS_LAMBDA_METADATA_API"]


def test_powertools_metadata_utility_gets_the_zone_id(serve):
    server = serve("powertools_cases.zone", env={"POWERTOOLS_SERVICE_NAME": "payment"})
    assert invoke(server.port).json() == {"availability_zone_id": "use1-az1"}


def test_extensions_get_the_metadata_variables_too(serve, tmp_path):
    extensions = tmp_path / "extensions"
    extensions.mkdir()
    script = extensions / "env-dump"  # writes its variables, then exits (before registering: init goes on)
    script.write_text(f"#!{sys.executable}\nimport json, os\n"
                      f"open({str(tmp_path / 'env')!r}, 'w').write(json.dumps({{n: os.environ.get(n) for n in "
                      f"{ENV_NAMES!r}}}))\n")
    script.chmod(0o755)
    server = serve("cases.env", extensions_dir=str(extensions))
    seen = invoke(server.port, {"names": ENV_NAMES}).json()
    env = wait_until(lambda: (tmp_path / "env").exists() and json.loads((tmp_path / "env").read_text()),
                     what="the extension's variables")
    assert env == seen


def test_subscription_refusals_as_the_extensions_api_refuses(serve, tmp_path):
    log = tmp_path / "log"
    install(tmp_path / "extensions", "late")
    server = serve("cases.echo", extensions_dir=str(tmp_path / "extensions"),
                   env={"TELEMETRY_EXT_LOG": str(log), "TELEMETRY_EXT_LATE": "1", "TELEMETRY_EXT_WAIT": "none",
                        **LISTEN})
    assert invoke(server.port, {"x": 1}).json() == {"x": 1}
    wait_until(lambda: len([entry for entry in entries(log) if "subscribe" in entry]) == 2, what="the late try")
    first, late = [entry for entry in entries(log) if "subscribe" in entry]
    assert (first["subscribe"], first["answer"]) == (200, '"OK"')
    # After init: refused, in the words of a real Lambda log (opentelemetry-lambda PR 1452).
    assert (late["subscribe"], json.loads(late["answer"])) == (403, {
        "errorMessage": "Telemetry API subscription is closed already", "errorType": "Telemetry.SubscriptionClosed"})
    address = server.pool.envs[0].address
    body = json.dumps({"schemaVersion": "2022-12-13", "types": ["platform"],
                       "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:1234"}}).encode()
    for path in ("/2022-07-01/telemetry", "/2020-08-15/logs"):
        assert _raw(address, "PUT", path, {}, body)[::2] == (403, json.dumps(
            {"errorMessage": "Missing Lambda-Extension-Identifier header",
             "errorType": "Extension.MissingExtensionIdentifier"}).encode())
        unknown = str(uuid.uuid4())
        assert _raw(address, "PUT", path, {"Lambda-Extension-Identifier": unknown}, body)[::2] == (403, json.dumps(
            {"errorMessage": f"Unknown extension {unknown}", "errorType": "Extension.UnknownExtensionIdentifier"}
        ).encode())


def test_a_bad_subscription_gets_lambdas_validation_error(serve, tmp_path):
    log = tmp_path / "log"
    install(tmp_path / "extensions", "picky")
    server = serve("cases.echo", extensions_dir=str(tmp_path / "extensions"),
                   env={"TELEMETRY_EXT_LOG": str(log), "TELEMETRY_EXT_TYPES": "", "TELEMETRY_EXT_GO_ON": "1",
                        "TELEMETRY_EXT_WAIT": "none", **LISTEN})
    assert invoke(server.port, {"x": 1}).json() == {"x": 1}
    (refused,) = [entry for entry in entries(log) if "subscribe" in entry]
    assert (refused["subscribe"], json.loads(refused["answer"])) == (400, {
        "errorType": "ValidationError", "errorMessage": "types must be platform, function or extension, not "})


def test_the_logs_api_with_function_lines(serve, tmp_path):
    log = tmp_path / "log"
    install(tmp_path / "extensions", "old-school")
    server = serve(command=scripted_runtime(), extensions_dir=str(tmp_path / "extensions"), env={
        "TELEMETRY_EXT_LOG": str(log), "TELEMETRY_EXT_API": "logs", "TELEMETRY_EXT_TYPES": "platform,function",
        **LISTEN})
    request_id = invoke(server.port, {"respond": '"ok"'}).headers["x-amzn-requestid"]
    wait_until(lambda: any(event["type"] == "platform.report" for event in events(entries(log))), what="report")
    seen = entries(log)
    kinds = [event["type"] for event in events(seen)]
    assert kinds == ["platform.logsSubscription", "platform.extension", "platform.start", "platform.runtimeDone",
                     "platform.end", "platform.report"]
    assert [event["record"] for event in events(seen)[2:5]] == [
        {"requestId": request_id, "version": "$LATEST"}, {"requestId": request_id, "status": "success"},
        {"requestId": request_id}]
    assert [problems(LOGS, batch) for batch in batches(seen)] == [[] for _ in batches(seen)]
    assert [entry["invoke"] for entry in invokes(seen)] == [request_id]


def test_function_and_extension_lines_and_a_second_subscription(serve, tmp_path):
    log = tmp_path / "log"
    install(tmp_path / "extensions", "collector")
    server = serve("lifecycle.prints", extensions_dir=str(tmp_path / "extensions"), env={
        "TELEMETRY_EXT_LOG": str(log), "TELEMETRY_EXT_SECOND": "1", **LISTEN})
    assert invoke(server.port).json() == "ok"
    wait_until(lambda: any(event["type"] == "platform.report" for event in events(entries(log), 2)),
               what="the second listener's report")
    second = events(entries(log), 2)
    lines = [(event["type"], event["record"]) for event in second if event["type"] in ("function", "extension")]
    assert ("function", "printed before the signal\n") in lines
    assert [problems(TELEMETRY, batch) for batch in batches(entries(log), 2)] == \
        [[] for _ in batches(entries(log), 2)]
    subscriptions = [event["record"] for event in second if event["type"] == "platform.telemetrySubscription"]
    assert {"name": "collector", "state": "Subscribed", "types": ["platform", "function", "extension"]} in \
        subscriptions


def test_a_tenants_id_in_its_records(serve, tmp_path):
    log = tmp_path / "log"
    install(tmp_path / "extensions", "collector")
    server = serve(command=scripted_runtime(), extensions_dir=str(tmp_path / "extensions"),
                   env={"TELEMETRY_EXT_LOG": str(log), **LISTEN})


    inv = Invocation(b'{"respond": "\\"blue\\""}', Quiet(), tenant_id="BlueTenant")
    runner.run(server.pool, inv, server.config.timeout)
    wait_until(lambda: [e for e in events(entries(log)) if e["type"] == "platform.report"], what="the report")
    tenants = {event["type"]: event["record"].get("tenantId") for event in events(entries(log))
               if event["record"].get("requestId") == inv.request_id}
    assert tenants == {"platform.start": "BlueTenant", "platform.runtimeDone": "BlueTenant",
                       "platform.report": "BlueTenant"}



def test_json_log_lines_are_objects_from_2022_12_13_and_strings_before(serve, tmp_path):
    logs = {version: tmp_path / version for version in ("2022-12-13", "2022-07-01")}
    for version, log in logs.items():
        install(tmp_path / f"extensions-{version}", "shipper")
        server = serve("cases.logs", extensions_dir=str(tmp_path / f"extensions-{version}"), log_format="JSON", env={
            "TELEMETRY_EXT_LOG": str(log), "TELEMETRY_EXT_TYPES": "function", "TELEMETRY_EXT_VERSION": version,
            "TELEMETRY_EXT_WAIT": "none", **LISTEN})
        request_id = invoke(server.port).headers["x-amzn-requestid"]
        wait_until(lambda log=log: len(events(entries(log))) == 4, what=f"the function's lines ({version})")
        records = [event["record"] for event in events(entries(log))]
        assert [problems(TELEMETRY, batch) for batch in batches(entries(log))] == \
            [[] for _ in batches(entries(log))]
        if version == "2022-07-01":  # "always rendered as a string" before 2022-12-13
            assert all(isinstance(record, str) for record in records)
            continue
        # The runtime's JSON log lines are objects; a print stays a line of text.
        assert "printed line\n" in records
        warning = next(record for record in records if isinstance(record, dict) and record["level"] == "WARNING")
        assert (warning["message"], warning["requestId"]) == ("root warning 1", request_id)
