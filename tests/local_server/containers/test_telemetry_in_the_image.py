"""Telemetry in the image, as a user runs it: a plain `docker run -e LAMBDA_EMULATOR=local`, read-only
and as a user the image does not know, delivers to sandbox.localdomain and sandbox with no
extra flag; with `make run-local`'s --add-host flags an extension can listen on those names
itself. And code someone else wrote: npm's @serverless/aws-lambda-otel-extension-dist (the Logs
API, Node.js from Debian) works under our server; under AWS's RIE it is told the Logs API is not
supported."""

import json
import re
import shutil
import time

import pytest
from kit.containers import FunctionContainer, build_image, docker
from kit.paths import ROOT
from kit.polling import wait_until
from kit.schema_check import TELEMETRY, problems
from kit.telemetry_wired import parse_stdout
from kit.third_party import debs_for, otel_extension_package

pytestmark = pytest.mark.docker
HERE = ROOT / "tests" / "local_server"
EXTENSION = HERE / "scripted" / "telemetry_extension.py"
S3_EVENT = (ROOT / "handler" / "events" / "s3.json").read_bytes()
HEALTH = "/_local/health"
ANY_USER = ("--read-only", "--user", "4242")
# What `make run-local` passes, read from the Makefile itself.
SANDBOX_HOSTS = tuple(re.search(r"^SANDBOX_HOSTS = (.*)$", (ROOT / "Makefile").read_text(), re.M).group(1).split())


def _seen(container):
    """What the scripted telemetry extension printed (it logs to stdout in the image)."""
    return parse_stdout(container.logs())


@pytest.fixture
def extension_folder(tmp_path):
    folder = tmp_path / "extensions"
    folder.mkdir()
    path = folder / "collector"
    path.write_text("#!/usr/bin/env python3\n" + EXTENSION.read_text())
    path.chmod(0o755)
    folder.chmod(0o755)
    return folder


def _collector_run(image, folder, listen, options):
    # One environment: the extension's records in one stream (the next request waits for it to be
    # free, the extension's wait for runtimeDone included, rather than start another).
    env = {"LAMBDA_EMULATOR": "local", "LAMBDA_LOCAL_MAX_ENVIRONMENTS": "1", "TELEMETRY_EXT_SECOND": "1",
           "TELEMETRY_EXT_METADATA": "1"}
    if listen:
        env["TELEMETRY_EXT_LISTEN"] = listen
    container = FunctionContainer(image, "app.handler", env=env, ready_path=HEALTH,
                                  options=("-v", f"{folder}:/opt/extensions:ro", *options))
    try:
        ids = []
        for _ in range(3):
            status, headers, body = container.invoke(S3_EVENT)
            assert status == 200 and json.loads(body)["statusCode"] == 200
            ids.append({k.lower(): v for k, v in headers.items()}["x-amzn-requestid"])
        wait_until(lambda: len([e for e in _seen(container) if "invoke" in e]) == 3,
                   what="the extension through three invocations", timeout=60)
        wait_until(lambda: sum(e["type"] == "platform.report" for x in _seen(container) if "batch" in x
                               for e in x["batch"]) == 6, what="three reports at each listener", timeout=60)
        seen = _seen(container)
    finally:
        container.stop()
    assert [(e["invoke"], e["runtime_done"]) for e in seen if "invoke" in e] == [(i, "success") for i in ids]
    assert [(e["subscribe"], e["answer"]) for e in seen if "subscribe" in e] == [(200, '"OK"')] * 2
    assert [(e["metadata"], e["answer"]) for e in seen if "metadata" in e] == [
        (200, '{"AvailabilityZoneID":"use1-az1"}')]
    batches = [e["batch"] for e in seen if "batch" in e]
    assert [problems(TELEMETRY, batch) for batch in batches] == [[] for _ in batches]
    return seen


def test_delivered_to_sandbox_names_with_no_extra_flag_read_only_as_any_user(x86_images, extension_folder):
    # No --add-host: the names resolve nowhere in the container, and the server delivers to
    # 127.0.0.1 whatever the subscription named; the extension listens on 127.0.0.1.
    seen = _collector_run(x86_images[1], extension_folder, "127.0.0.1", ANY_USER)
    hosts = {e["path"] for e in seen if "batch" in e}
    assert hosts == {"/"}


def test_extensions_listen_on_the_names_with_run_locals_flags(x86_images, extension_folder):
    # The collector binds sandbox.localdomain:0 itself (listener.go): the name must resolve.
    _collector_run(x86_images[1], extension_folder, None, (*SANDBOX_HOSTS, *ANY_USER))


@pytest.fixture(scope="module")
def otel_image(x86_images, tmp_path_factory):
    """The example function with Debian's nodejs and the npm package's layer in /opt, as Lambda
    unpacks a layer (extension.zip: extensions/otel-extension and otel-extension/)."""
    context = tmp_path_factory.mktemp("otel-image")
    shutil.copytree(debs_for(x86_images[1], ["nodejs"]), context / "debs")
    shutil.copy(otel_extension_package(), context / "package.tgz")
    return build_image(context, f"""FROM {x86_images[1]}
COPY debs/ /tmp/debs/
COPY package.tgz /tmp/package.tgz
RUN dpkg -i /tmp/debs/*.deb >/dev/null \\
 && python3 -c "import io, tarfile, zipfile; layer = tarfile.open('/tmp/package.tgz').extractfile( \\
'package/extension.zip').read(); zipfile.ZipFile(io.BytesIO(layer)).extractall('/opt')" \\
 && chmod 0755 /opt/extensions/otel-extension /opt/otel-extension/index.js && chmod -R a+rX /opt \\
 && rm -rf /tmp/debs /tmp/package.tgz \\
 && node --version
""", "lambda-python-test:otel-extension")


def _saved_reports(container) -> list:
    """The platform.report records the extension keeps in /tmp/sls-save-log.json (its queue)."""
    saved = docker("exec", container.name, "cat", "/tmp/sls-save-log.json", check=False).stdout
    try:
        queue = json.loads(saved)
    except ValueError:
        return []
    return [record for batch in queue for record in batch if record["type"] == "platform.report"]


@pytest.mark.parametrize("emulator", ["local", "rie"])
def test_serverless_otel_extension(otel_image, emulator):
    # DO_NOT_WAIT: on INVOKE it would wait for its Node.js wrapper's data, which a Python
    # function never sends. DEBUG_SLS_OTEL_LAYER: it logs what it does.
    env = {"DO_NOT_WAIT": "1", "DEBUG_SLS_OTEL_LAYER": "1"}
    if emulator == "local":
        # One environment: the extension listens on fixed ports (4243, 2772), and the environments
        # of one container share its network, where Lambda gives each its own. A second one's
        # extension would fail to listen (EADDRINUSE) and exit.
        env.update(LAMBDA_EMULATOR="local", LAMBDA_LOCAL_MAX_ENVIRONMENTS="1")
    container = FunctionContainer(otel_image, "app.handler", env=env,
                                  ready_path=HEALTH if emulator == "local" else None,
                                  options=(*SANDBOX_HOSTS, "--read-only", "--tmpfs", "/tmp", "--user", "4242"))
    try:
        ids = []
        for _ in range(3):
            status, headers, body = container.invoke(S3_EVENT)
            assert status == 200 and json.loads(body).get("statusCode") == 200, (body, container.logs())
            ids.append({k.lower(): v for k, v in headers.items()}.get("x-amzn-requestid"))
        if emulator == "rie":
            wait_until(lambda: "Logs API is not supported" in container.logs(), what="the extension's warning",
                       timeout=30)
            assert _saved_reports(container) == []
            return
        wait_until(lambda: len(_saved_reports(container)) == 3, what="three reports kept by the extension",
                   timeout=60)
        reports = _saved_reports(container)
        started = time.monotonic()
        docker("stop", "-t", "10", container.name)
        stopped_in = time.monotonic() - started
        logs = container.logs()
    finally:
        container.stop()
    assert [report["record"]["requestId"] for report in reports] == ids
    assert all(set(report["record"]["metrics"]) == {"durationMs", "billedDurationMs", "memorySizeMB",
                                                    "maxMemoryUsedMB", *(["initDurationMs"] if n == 0 else [])}
               for n, report in enumerate(reports))
    assert "otel-extension  launching extension" in logs
    assert "not supported" not in logs and "subscription failed" not in logs and "register failed" not in logs
    # At SHUTDOWN it waits for one more batch, which never comes: its 2 s end at SIGKILL, as on Lambda.
    assert stopped_in < 8
