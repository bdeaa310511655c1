"""The whole server put together: the front server, the pool, the task view and its watcher.

`LocalServer(config).start()` listens at once and returns; environments start on demand.
Tests run it in-process; the CLI runs it until SIGTERM or SIGINT.
"""

from __future__ import annotations

import os
import threading

from .config import Config, ConfigError
from .console import Console
from .environment.functions import Function, Functions
from .environment.pool import Pool
from .environment.process_tree import children
from .environment.runtime_environ import runtime_environ
from .front.front_server import FrontServer
from .reload.code_watch import CodeWatcher
from .reload.task_view import TaskView
from .wire.platform_log import Platform

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .front.durable_front import DurableFront

REAP_INTERVAL = 1.0


class LocalServer:
    def __init__(self, config: Config, console: Console | None = None) -> None:
        self.config = config
        self.console = console or Console()
        self.view = TaskView(config.task_root, config.code_dir)
        # The main function, and those of --functions: each with its own environments.
        self.functions = Functions(self._function(config),
                                   [self._function(config.of_function(*named)) for named in config.functions])
        self.pool = self.functions.main.pool
        self.durable: DurableFront | None = None  # the functions are durable (--durable-config)
        try:
            # Durable functions' executions, from the state file (StateFileError: one we must not touch).
            if config.durable:  # imported only here: a function that is not durable never loads SQLite
                from .durable.store.sqlite_store import StateFileError
                from .front.durable_front import DurableFront

                try:
                    self.durable = DurableFront(config, self.functions)
                except StateFileError as problem:  # a state file we must not touch: a setting to change
                    raise ConfigError(str(problem)) from None
            self.front = FrontServer(config, self.functions, self.console, durable=self.durable)
        except Exception:
            if self.durable is not None:
                self.durable.close()
            for function in self.functions:
                function.pool.close()  # its threads, and the view's folder, are not left behind
            self.view.remove()
            raise
        self.port = self.front.port
        self.watcher = CodeWatcher(config.code_dir, config.poll_interval, self._code_changed) \
            if config.code_dir else None
        self._stopped = threading.Event()

    def _function(self, config: Config) -> Function:
        platform = Platform(config.log_format, config.function_name, config.version, config.memory_mb,
                            config.init_type)
        pycache = self.view.pycache
        return Function(config, Pool(config, platform, self.console, lambda task_root: runtime_environ(
            config, task_root, pycache, self._lambda_endpoint()), self.view.path))

    def _lambda_endpoint(self) -> str | None:
        """This server as the Lambda API a durable function's SDK calls (from inside its container)."""
        if self.durable is None:
            return None
        host = self.config.host
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def start(self) -> LocalServer:
        threading.Thread(target=self.front.serve_forever, name="front", daemon=True).start()
        if self.watcher:
            self.watcher.start()
        if os.getpid() == 1:
            # As a container's first process, orphans of the function's processes become ours.
            threading.Thread(target=self._reap_orphans, name="reaper", daemon=True).start()
        if self.config.prewarm:
            for function in self.functions:
                function.pool.prewarm(self.config.prewarm)
        return self

    def _code_changed(self, change: str) -> None:
        generation = self.view.rebuild()
        idle = busy = 0
        for function in self.functions:
            retired_now, retired_later = function.pool.new_generation(generation, self.view.path)
            idle, busy = idle + retired_now, busy + retired_later
        retired = f"{idle} idle environment(s) retired" + (f", {busy} after their request" if busy else "")
        self.console.say(f"code changed ({change}): the next request runs the new code; {retired}")

    def _reap_orphans(self) -> None:
        while not self._stopped.wait(REAP_INTERVAL):
            known = {pid for function in self.functions for pid in function.pool.pids()}
            for pid in children(os.getpid()):
                if pid not in known and _is_zombie(pid):
                    try:
                        os.waitpid(pid, os.WNOHANG)
                    except OSError:
                        pass

    def stop(self) -> None:
        """Stops listening, shuts every environment down as Lambda does, removes the view."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.watcher:
            self.watcher.stop()
        self.front.close()
        if self.durable is not None:
            self.durable.close()  # executions keep their state: a restart goes on with them
        for function in self.functions:
            function.pool.close()
        self.view.remove()


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False
