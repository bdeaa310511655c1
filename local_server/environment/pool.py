"""The execution environments of the function: one per in-flight request, as Lambda scales.

A request takes a free warm environment, or starts one when none is free and fewer than the
maximum run (--max-environments: what this machine runs at once, not a limit of Lambda's);
past the maximum it waits in line for one (`admission`). Lambda's 429 comes from a reserved
concurrency the user set, never from the maximum.

With tenant isolation (TenancyConfig PER_TENANT) an environment belongs to the tenant of its
first request and serves no other: warm reuse within a tenant; at the maximum, an idle
environment of another tenant is retired to make room (the least recently used).

With managed instances (AWS_LAMBDA_MAX_CONCURRENCY=N) one environment takes N requests at once.
They do not scale when a request comes: one that finds every slot taken gets 429 at once
("Lambda Managed Instances might reject new invokes to protect invokes that are already in
flight", AWS, Troubleshooting Lambda Managed Instances: docs/facts.md Q4), unless a slot is about to be released;
Event invocations wait in line, as Lambda keeps them queued.

After a code change, environments of the old code are retired once they are idle.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..config import Config
from ..console import Console
from ..wire.platform_log import Platform
from .admission import CLOSED, DROPPED, FULL, GONE, MAX_EVENT_AGE, THROTTLED, TIMED_OUT, Line, Ticket, settle
from .environment import Environment
from .supervisor import Supervisor
from .watchdog import Watchdog

# Managed instances: how long a request waits for a slot whose request was answered (being released).
_FINISHING_WAIT = 2.0
# A request that waits longer than this has its client watched (see _wait).
_WATCH_AFTER = 0.05
# Watches a waiting request's client: given what to call if it goes away, returns what ends the watch.
Watch = Callable[[Callable[[], None]], Callable[[], None]]
__all__ = ["CLOSED", "FULL", "GONE", "THROTTLED", "TIMED_OUT", "Pool", "Watch"]


class _Use:
    """What the pool knows of one environment: whose it is, the invocations it holds."""

    __slots__ = ("answered", "inflight", "tenant")

    def __init__(self, tenant: str | None) -> None:
        self.tenant = tenant
        self.inflight = 0  # invocations it was given
        self.answered = 0  # of those, answered and not yet released


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
        self.retired: list[Environment] = []  # environments retired or ended: their pipes may still be open
        self._uses: dict[Environment, _Use] = {}
        self.line = Line(config.reserved_concurrency, config.tenant_isolation)
        self.managed = config.max_concurrency is not None
        self.watchdog = Watchdog()
        self.supervisor = Supervisor()

    # --- taking an environment ------------------------------------------------------------

    def acquire(self, tenant: str | None, patience: float, watch: Watch | None = None) -> Environment | str:
        """An environment with a slot for a request of `tenant`, counted as busy; or why none (admission's
        outcomes). Waits in line up to `patience` seconds; `watch` ends the wait if the client goes."""
        with self.cond:
            if self.closed:
                return CLOSED
            if not self.line.admit():
                return THROTTLED
            env, fresh = self._place(tenant) if not self.line.waiting else (None, False)
            if env is None:
                if self.managed:
                    if not any(use.answered for use in self._uses.values()):
                        self.line.leave()
                        return FULL
                    patience = min(patience, _FINISHING_WAIT)
                ticket = Ticket(tenant, time.monotonic() + patience)
                self.line.waiting.append(ticket)
                events = self._dispatch()  # (it may be placed at once: behind Event invocations over
                # the reserved concurrency, or another tenant's requests)
        if env is None:
            settle(events)
            return self._wait(ticket, watch)
        if fresh:
            env.start()
        return env

    def _wait(self, ticket: Ticket, watch: Watch | None) -> Environment | str:
        # Most waits are over within a few invocations: the client is watched only in a longer one (a
        # client gone before is seen at once then: its connection is readable already).
        ticket.wait(_WATCH_AFTER)
        if ticket.outcome is None:
            unwatch = watch(lambda: self._cancel(ticket)) if watch is not None else None
            ticket.wait()
            if unwatch is not None:
                unwatch()
        with self.cond:
            env = ticket.env
            if env is None:
                if ticket in self.line.waiting:
                    self.line.waiting.remove(ticket)
                ticket.end(FULL if self.managed else TIMED_OUT)
                self.line.leave()
                return ticket.outcome or TIMED_OUT
        if ticket.fresh:
            env.start()
        return env

    def _cancel(self, ticket: Ticket) -> None:
        """Its client went away while it waited: its place in line is given up."""
        with self.cond:
            if ticket.outcome is None:
                self.line.waiting.remove(ticket)
                ticket.end(GONE)

    def enqueue(self, tenant: str | None, request_id: str, run: Callable[[Environment], None]) -> None:
        """An Event invocation: `run(env)` on a thread of its own once an environment is free for it."""
        def granted(env: Environment | None, outcome: str) -> None:
            if env is not None:
                run(env)
            elif outcome == DROPPED:
                why = "reserved concurrency is 0" if self.config.reserved_concurrency == 0 else \
                    "the server stopped" if self.closed else "it waited past Lambda's maximum event age (6 hours)"
                self.console.say(f"Event invocation {request_id} dropped without running: {why}")

        ticket = Ticket(tenant, time.monotonic() + MAX_EVENT_AGE, request_id, granted)
        with self.cond:
            if self.closed or self.config.reserved_concurrency == 0:
                # Lambda sends it to the function's failure destination "without any retries" (AWS,
                # "Asynchronous invocation": docs/facts.md Q3; Q1: zero throttles every request).
                ticket.end(DROPPED)
                events = [ticket]
            else:
                self.line.waiting.append(ticket)
                events = self._dispatch()
        settle(events)

    def _place(self, tenant: str | None) -> tuple[Environment | None, bool]:
        """(an environment with a free slot for `tenant`, whether it is new), counted busy; (None, False)
        if none can take it now. Lock held."""
        chosen = None
        for env in self.envs:
            use = self._uses[env]
            if env.dead or env.generation != self.generation or use.tenant != tenant or use.inflight >= env.slots:
                continue
            if env.init.ended.is_set():
                chosen = env  # warm
                break
            if chosen is None:
                chosen = env  # still starting, and nobody else's
        if chosen is not None:
            self._uses[chosen].inflight += 1
            return chosen, False
        if len(self.envs) >= self.config.max_environments:
            idle = [env for env in self.envs if not env.dead and self._uses[env].inflight == 0]
            if not idle:
                return None, False
            # Only another tenant's can be idle here: the least recently used makes room.
            self._retire(idle[-1])
        env = self._new(tenant)
        self._uses[env].inflight = 1
        return env, True

    def _new(self, tenant: str | None) -> Environment:
        # Called with the lock held; whoever it is for starts it after the lock is released.
        env = Environment(self.config, self.platform, self.console, self.supervisor, self.task_root,
                          self.generation, self.make_environ(self.task_root), self._dead)
        self.envs.append(env)
        self._uses[env] = _Use(tenant)
        self.started += 1
        return env

    def _retire(self, env: Environment) -> None:
        """Takes an idle environment out of the pool and shuts it down in the background. Lock held."""
        self.envs.remove(env)
        self._uses.pop(env, None)
        # Kept from now on, not from its end: a server that stops while it shuts down closes its files.
        self.retired.append(env)
        threading.Thread(target=env.shutdown, daemon=True).start()

    def _dispatch(self) -> list[Ticket]:
        return self.line.dispatch(self._place, time.monotonic()) if self.line.waiting else []

    # --- giving it back ---------------------------------------------------------------------

    def answered(self, env: Environment) -> None:
        """Its request has its answer: the environment is about to be free (managed instances wait for it)."""
        with self.cond:
            use = self._uses.get(env)
            if use is not None:
                use.answered += 1

    def release(self, env: Environment) -> None:
        with self.cond:
            self.line.leave()
            use = self._uses.get(env)
            if use is not None:
                use.inflight -= 1
                use.answered = max(0, use.answered - 1)
                if use.inflight == 0 and env in self.envs:
                    if env.generation != self.generation:
                        self._retire(env)
                    elif not env.dead:
                        self.envs.remove(env)
                        self.envs.insert(0, env)  # warm reuse goes to the most recent first
                if env not in self.envs and use.inflight <= 0:  # gone: nothing left to count
                    self._uses.pop(env, None)
            events = self._dispatch()
        settle(events)

    def _dead(self, env: Environment) -> None:
        with self.cond:
            if env in self.envs:
                self.envs.remove(env)
            use = self._uses.get(env)
            if use is not None and use.inflight <= 0:
                self._uses.pop(env, None)
            self.retired = [e for e in self.retired if e is not env and e.processes.has_open_files()] + [env]
            events = [] if self.closed else self._dispatch()
        settle(events)

    # --- the pool as a whole --------------------------------------------------------------

    def prewarm(self, count: int) -> None:
        """Starts environments before any request, as if each had served one already."""
        fresh = []
        with self.cond:
            while len(self.envs) < min(count, self.config.max_environments):
                fresh.append(self._new(None))
        for env in fresh:
            env.start()

    def new_generation(self, generation: int, task_root: str) -> tuple[int, int]:
        """New code: idle environments are retired now, busy ones after their requests. (idle, busy)."""
        with self.cond:
            self.generation = generation
            self.task_root = task_root
            idle = [env for env in self.envs if self._uses[env].inflight == 0]
            busy = len(self.envs) - len(idle)
            for env in idle:
                self._retire(env)
            events = self._dispatch()
        settle(events)
        return len(idle), busy

    def stats(self) -> dict[str, int]:
        with self.cond:
            return {"environments": len(self.envs), "busy": sum(self._uses[env].inflight for env in self.envs),
                    "waiting": len(self.line.waiting), "maxEnvironments": self.config.max_environments,
                    "started": self.started, "generation": self.generation}

    def pids(self) -> set[int]:
        """Processes the environments started and will wait for themselves."""
        with self.cond:
            envs = list(self.envs)
        return {pid for env in envs for pid in env.processes.pids()}

    def close(self) -> None:
        """Shuts every environment down (Lambda's Shutdown phase, in parallel); returns when done."""
        with self.cond:
            self.closed = True
            events = self.line.close()
            envs = list(self.envs)
            self.envs.clear()
            retired, self.retired = list(self.retired), []
            self.cond.notify_all()
        settle(events)
        threads = [threading.Thread(target=env.shutdown, daemon=True) for env in envs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        for env in envs + retired:
            env.processes.close_files()
        self.watchdog.stop()
        self.supervisor.stop()
