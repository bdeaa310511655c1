"""The execution environments of the function: one per in-flight request, as Lambda scales.

A request takes a free warm environment, or starts one when none is free and fewer than
the maximum exist; past the maximum it is refused (the caller answers 429), as Lambda
throttles at a function's reserved concurrency. With managed instances
(AWS_LAMBDA_MAX_CONCURRENCY=N) one environment takes N requests at once.
After a code change, environments of the old code are retired once they are idle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..config import Config
from ..console import Console
from ..wire.platform_log import Platform
from .environment import Environment
from .supervisor import Supervisor
from .watchdog import Watchdog

# How long a request waits for an environment whose request was answered (it is being released).
_FINISHING_WAIT = 2.0


class Pool:
    def __init__(self, config: Config, platform: Platform, console: Console,
                 make_environ: Callable[[str], dict[str, str]], task_root: str) -> None:
        self.config = config
        self.platform = platform
        self.console = console
        self.make_environ = make_environ  # task root -> environment variables of a new runtime
        self.envs: list[Environment] = []  # alive, most recently used first
        self.cond = threading.Condition()
        self.generation = 0
        self.task_root = task_root
        self.closed = False
        self.started = 0  # environments started, ever (tests and the health path read it)
        self.retired: list[Environment] = []  # environments that ended: their pipes may still be open
        # Per environment: invocations it was given, and of those, answered and not yet released.
        self._inflight: dict[Environment, int] = {}
        self._answered: dict[Environment, int] = {}
        self.watchdog = Watchdog()
        self.supervisor = Supervisor()

    def _new(self) -> Environment:
        # Called with the lock held; the caller starts it after releasing the lock.
        env = Environment(self.config, self.platform, self.console, self.supervisor, self.task_root,
                          self.generation, self.make_environ(self.task_root), self._dead)
        self.envs.append(env)
        self._inflight[env] = self._answered[env] = 0
        self.started += 1
        return env

    def acquire(self, wait: bool = False) -> Environment | None:
        """An environment with a free slot, counted as busy; None at the maximum (or when closed)."""
        with self.cond:
            while True:
                if self.closed:
                    return None
                chosen = None
                for env in self.envs:
                    if env.dead or env.generation != self.generation or self._inflight[env] >= env.slots:
                        continue
                    if env.init.ended.is_set():
                        chosen = env  # warm
                        break
                    if chosen is None:
                        chosen = env  # still starting, and nobody else's
                if chosen is not None:
                    self._inflight[chosen] += 1
                    return chosen
                if len(self.envs) < self.config.max_environments:
                    env = self._new()
                    self._inflight[env] = 1
                    break
                if not wait:
                    # An environment whose request was just answered is about to be free: a
                    # caller sending one request after another must not be throttled.
                    if not any(self._answered[env] for env in self.envs) or not self.cond.wait(_FINISHING_WAIT):
                        return None
                    continue
                self.cond.wait()
        env.start()
        return env

    def answered(self, env: Environment) -> None:
        """Its request has its answer: the environment is about to be free (see acquire)."""
        with self.cond:
            self._answered[env] = self._answered.get(env, 0) + 1

    def release(self, env: Environment) -> None:
        retire = False
        with self.cond:
            inflight = self._inflight[env] = self._inflight.get(env, 1) - 1
            self._answered[env] = max(0, self._answered.get(env, 0) - 1)
            if env in self.envs:
                if env.generation != self.generation and inflight == 0:
                    self.envs.remove(env)
                    retire = True
                elif not env.dead and inflight == 0:
                    self.envs.remove(env)
                    self.envs.insert(0, env)  # warm reuse goes to the most recent first
            if env not in self.envs and inflight <= 0:  # gone: nothing left to count
                self._inflight.pop(env, None)
                self._answered.pop(env, None)
            self.cond.notify()
        if retire:
            threading.Thread(target=env.shutdown, daemon=True).start()

    def _dead(self, env: Environment) -> None:
        with self.cond:
            if env in self.envs:
                self.envs.remove(env)
            if not self._inflight.get(env):
                self._inflight.pop(env, None)
                self._answered.pop(env, None)
            self.retired = [e for e in self.retired if e.processes.has_open_files()] + [env]
            self.cond.notify_all()

    def prewarm(self, count: int) -> None:
        """Starts environments before any request, as if each had served one already."""
        fresh = []
        with self.cond:
            while len(self.envs) < min(count, self.config.max_environments):
                fresh.append(self._new())
        for env in fresh:
            env.start()

    def new_generation(self, generation: int, task_root: str) -> tuple[int, int]:
        """New code: idle environments are retired now, busy ones after their requests. (idle, busy)."""
        with self.cond:
            self.generation = generation
            self.task_root = task_root
            idle = [env for env in self.envs if self._inflight[env] == 0]
            busy = len(self.envs) - len(idle)
            for env in idle:
                self.envs.remove(env)
            self.cond.notify_all()
        for env in idle:
            threading.Thread(target=env.shutdown, daemon=True).start()
        return len(idle), busy

    def stats(self) -> dict[str, int]:
        with self.cond:
            return {"environments": len(self.envs), "busy": sum(self._inflight[env] for env in self.envs),
                    "maxEnvironments": self.config.max_environments, "started": self.started,
                    "generation": self.generation}

    def pids(self) -> set[int]:
        """Processes the environments started and will wait for themselves."""
        with self.cond:
            envs = list(self.envs)
        return {pid for env in envs for pid in env.processes.pids()}

    def close(self) -> None:
        """Shuts every environment down (Lambda's Shutdown phase, in parallel); returns when done."""
        with self.cond:
            self.closed = True
            envs = list(self.envs)
            self.envs.clear()
            retired, self.retired = list(self.retired), []
            self.cond.notify_all()
        threads = [threading.Thread(target=env.shutdown, daemon=True) for env in envs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        for env in envs + retired:
            env.processes.close_files()
        self.watchdog.stop()
        self.supervisor.stop()
