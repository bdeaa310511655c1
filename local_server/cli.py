"""`python3 -m local_server [options] [RUNTIME COMMAND...]`: serve until SIGTERM or Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from .config import HEALTH_PATH, Config, ConfigError, HelpRequested, usage
from .server import LocalServer


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    environ = dict(os.environ if environ is None else environ)
    try:
        config = Config.from_args(sys.argv[1:] if argv is None else argv, environ)
    except HelpRequested:
        sys.stdout.write(usage() + "\n")
        return 0
    except ConfigError as problem:
        sys.stderr.write(f"local-server: {problem}\n")
        return 2
    try:
        server = LocalServer(config)
    except ConfigError as problem:  # e.g. a durable state file that is not ours
        sys.stderr.write(f"local-server: {problem}\n")
        return 2
    except OSError as problem:
        # The address as the options and the environment made it: what the user has to change.
        sys.stderr.write(f"local-server: cannot listen on {config.host}:{config.port}: "
                         f"{problem.strerror or problem}\n")
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    where = f"{config.host}:{server.port}"
    code = f", code from {config.code_dir} (reloaded on change)" if config.code_dir else ""
    more = f" (function {config.function_name}), and " + ", ".join(f"{h} ({n})" for n, h in config.functions) \
        if config.functions else ""
    server.console.say(f"serving {config.handler or '(no handler set)'}{more} on {where}{code}; "
                       f"health: {HEALTH_PATH}")
    while not stop.wait(3600):
        pass
    server.console.say("stopping: shutting the environments down")
    server.stop()
    return 0
