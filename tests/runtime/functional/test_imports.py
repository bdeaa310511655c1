"""What the runtime imports: nothing costly that the function does not ask for itself.

Run without `site` (-S), so that no .pth file of the test interpreter loads anything first.
"""

import subprocess
import sys

from kit.paths import HANDLERS, RUNTIME_DIR

COSTLY = ["asyncio", "typing", "logging", "http.client", "ssl", "email", "runpy", "inspect", "boto3",
          "multiprocessing", "encodings.idna"]


def loaded_modules(api, handler: str) -> list:
    env = {"AWS_LAMBDA_RUNTIME_API": api.address, "_HANDLER": handler, "LAMBDA_TASK_ROOT": str(HANDLERS),
           "PYTHONPATH": str(HANDLERS)}
    process = subprocess.Popen([sys.executable, "-S", "-u", str(RUNTIME_DIR / "lambda_runtime" / "__main__.py")],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api.queue_event({"modules": COSTLY})
        return api.next_post().json()
    finally:
        process.kill()
        process.wait()


def test_the_runtime_imports_nothing_costly(api):
    assert loaded_modules(api, "bare.loaded") == []


def test_an_async_handler_gets_asyncio(api):
    assert "asyncio" in loaded_modules(api, "async_cases.async_loaded")  # with what asyncio itself imports
