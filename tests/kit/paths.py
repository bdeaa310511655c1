"""Where things are in the checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
RUNTIME_DIR = ROOT / "runtime"
BOOTSTRAP = RUNTIME_DIR / "bootstrap"
HANDLERS = ROOT / "tests" / "handlers"

# The X-Ray SDK makes this folder at import when it sees LAMBDA_TASK_ROOT (Powertools' Tracer
# imports it), outside any test's tmp_path: see the xray_sdk_folder fixture.
XRAY_SDK_FOLDER = Path("/tmp/.aws-xray")
LOCAL_SERVER_TESTS = ROOT / "tests" / "local_server"
SCRIPTED = LOCAL_SERVER_TESTS / "scripted"  # programs the local server's tests run as runtimes and extensions
