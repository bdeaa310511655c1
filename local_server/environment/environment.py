"""One execution environment: a runtime process (and external extensions) with its own Runtime API.

Its life, as Lambda's (AWS "Lambda execution environment lifecycle"): init (processes
started, ready when the runtime and every extension have asked for their next event),
invocations handed out through `/next`, and an end: a crash, a timeout reset, or a
shutdown that follows Lambda's rules for SIGTERM (see `shutdown`). It keeps its processes,
and owns its init, its mailbox and what the platform tells of it (its log lines, its
telemetry, the metadata endpoint: `platform_events`), each an object with its own state and
lock; the supervisor's thread passes the processes' output on, notices their exits and
accepts the connections of its Runtime API.
"""

from __future__ import annotations

import itertools
import subprocess
import threading
import time
from collections.abc import Callable

from lambda_runtime_api import RUNTIME_EXIT, SANDBOX_TIMEDOUT

from ..config import Config
from ..console import Console
from ..wire import lambda_errors
from ..wire.extensions_api import invoke_event
from ..wire.platform_log import ERROR, SUCCESS, TIMEOUT, Platform
from . import shutdown
from .extensions_api import ExtensionsApi
from .init import Init
from .invocation import Invocation
from .listener import ApiListener
from .mailbox import END, Answered, Delivery, Mailbox
from .output import ProcessOutput
from .platform_events import PlatformEvents
from .processes import Processes, external_extensions
from .runtime_api import RuntimeApiConnection
from .supervisor import Supervisor


class Environment:
    """A runtime process with its own Runtime API endpoint on 127.0.0.1."""

    _ids = itertools.count(1)

    def __init__(self, config: Config, platform: Platform, console: Console, supervisor: Supervisor,
                 task_root: str, generation: int, environ: dict[str, str],
                 on_dead: Callable[[Environment], None]) -> None:
        self.id = next(self._ids)
        self.config = config
        self.platform = platform
        self.console = console
        self.supervisor = supervisor
        self.generation = generation
        self.on_dead = on_dead
        self.slots = config.slots
        self.managed = config.max_concurrency is not None
        self.function_arn_bytes = config.function_arn.encode()
        self.lock = threading.Lock()
        self.dead = False  # no request may be sent here any more
        self._ending: str | None = None  # why it ends, once something has begun to end it
        self._torn_down = False
        self.init = Init(config.init_timeout)
        self.mailbox = Mailbox()
        self.api = ApiListener(supervisor)
        self.address = self.api.address
        self.events = PlatformEvents(config, platform, console, self.address)
        self.output = ProcessOutput(console, supervisor, self.mailbox.running, self.events.hub)
        external = external_extensions(config.extensions_dir)
        self.processes = Processes(config.command, external,
                                   dict(environ, AWS_LAMBDA_RUNTIME_API=self.address, **self.events.environ()),
                                   task_root, supervisor, self.output, self._exited)
        self.extensions = ExtensionsApi(
            {name for name, _ in external},
            {"functionName": config.function_name, "functionVersion": config.version,
             "handler": config.handler, "accountId": "012345678912"},
            self.check_init)

    # --- start and init ------------------------------------------------------------------

    def start(self) -> None:
        """Starts the extensions and the runtime; init goes on in the background."""
        self.events.init_start()
        try:
            self.processes.start()
        except OSError as problem:
            command, reason = self.config.command, problem.strerror or str(problem)
            self.console.say(f"cannot start the runtime {command[0]}: {reason}")
            self._init_failed(lambda_errors.INVALID_ENTRYPOINT, lambda_errors.invalid_entrypoint(command, reason), None)
            self._begin_end("failure")
            self._teardown()
            return
        self.api.open(self)

    def check_init(self) -> None:
        """Init ends when the runtime and every extension have asked for their next event."""
        if self.init.ended.is_set():
            return
        if self.extensions.init_error:
            error_type, body = self.extensions.init_error
            self._init_failed(error_type, body or None, None)
            threading.Thread(target=self.shutdown, args=("failure",), daemon=True).start()
            return
        if not self.init.runtime_at_next or not self.extensions.all_ready():
            return
        registered = self.extensions.registered_names()
        if any(proc.poll() is None and name not in registered for name, proc in self.processes.extensions):
            return  # an external extension is still starting
        self.extensions.close_registration()
        self.init.succeed(lambda: self.events.init_done(self.init.duration_ms, SUCCESS, None, self.extensions.ready()))

    def _init_failed(self, error_type: str, body: bytes | None, returncode: int | None,
                     status: str = ERROR) -> bool:
        def report() -> None:
            with self.lock:
                self.dead = True  # never handed another request: the next one starts a fresh environment
            self.output.drain()
            self.events.init_done(self.init.duration_ms, status, error_type, self.extensions.ready())

        return self.init.fail(error_type, body, returncode, status, report)

    def post_init_error(self, error_type: str, body: bytes) -> bool:
        """POST /runtime/init/error; False once init has ended."""
        return self._init_failed(error_type, body, None)

    def wait_ready(self, request_id: str) -> tuple[str, str, bytes] | None:
        """Waits for init; None when it succeeded, else (status, error type, body) for the caller."""
        if not self.init.ended.wait(self.config.init_timeout):
            self._init_failed(SANDBOX_TIMEDOUT, None, None, status=TIMEOUT)
            self.reset("timeout")
            return TIMEOUT, SANDBOX_TIMEDOUT, lambda_errors.timed_out(request_id, self.config.init_timeout)
        return self.init.outcome(request_id)

    # --- invocations ---------------------------------------------------------------------------

    def dispatch(self, inv: Invocation) -> None:
        """Hands an invocation to the runtime (a connection at /next, or the queue); its deadline starts now."""
        inv.dispatch(int(time.time() * 1000 + self.config.timeout * 1000))
        self.mailbox.post(inv)
        runtime = self.processes.runtime
        if self.dead and runtime is not None and runtime.returncode is not None:
            # It died between being chosen and now: nobody will take the invocation.
            inv.abort(ERROR, RUNTIME_EXIT, lambda_errors.runtime_exited(inv.request_id, runtime.returncode))

    @property
    def init_over(self) -> bool:
        return self.init.ended.is_set()

    def collect(self, connection: RuntimeApiConnection) -> Delivery | None:
        """GET /next: an invocation, END when the environment is gone, or None once the connection is parked."""
        if self.events.holding:  # the runtime is done with the invocation it held (its last lines first)
            self.output.drain()
            self.events.runtime_next()
        delivery = self.mailbox.collect(connection)
        if self.init.runtime_asked():  # the runtime's first /next may end its init
            self.events.runtime_ready()
            self.check_init()
        return delivery

    def begin(self, inv: Invocation, connection: RuntimeApiConnection) -> bool:
        """The runtime takes `inv`: START, and the INVOKE event for extensions; False if it ended already."""
        start = self.platform.start(inv.request_id, time.time(), inv.tenant_id)
        # START is written before the function's first output or with END, whichever comes
        # first: one write fewer for most invocations, and the order of the log is the same.
        if not inv.claim(connection, start, self.init.cold_start_ms):
            return False
        inv.add_log(start)
        self.mailbox.hold(inv)
        self.supervisor.busy(self)
        given = self.extensions.any_registered and self.extensions.deliver_invoke(
            invoke_event(inv.request_id, inv.deadline_ms, self.config.function_arn, inv.trace_id))
        self.events.began(inv, given)
        return True

    def find(self, request_id: str) -> Invocation | Answered | None:
        return self.mailbox.find(request_id)

    def report(self, inv: Invocation) -> bytes:
        """END and REPORT (or their JSON records), after the function's last log line; returns them
        (for the invocation's own log, the tail of X-Amz-Log-Result)."""
        start = self.output.drain_for_end(inv)  # START, if the function wrote nothing before its end
        self.processes.memory.quick()
        lines = self.events.report(inv, start, self.processes.memory.kib)
        self.mailbox.release(inv)
        return lines[len(start):]  # the invocation's log has START since `begin`

    def wait_extensions(self, inv: Invocation, timeout: float) -> None:
        """An invocation ends when the extensions given its INVOKE event are back at event/next."""
        waited_from = time.time()
        if self.extensions.any_registered:
            self.extensions.wait_idle(max(0.0, timeout))
        self.events.over(inv, waited_from, time.time())

    def connection_closed(self, connection: RuntimeApiConnection) -> None:
        self.api.forget(connection)
        held = self.mailbox.leave(connection)
        if not self.managed:
            return  # a runtime may close its connection and open another; its exit ends what it held
        # Managed instances: a worker that dies leaves the others serving; what it held fails
        # (and a timed-out invocation it still held frees its slot).
        for inv in held:
            inv.abort(ERROR, RUNTIME_EXIT, lambda_errors.function_error(
                RUNTIME_EXIT, "Runtime exited without providing a reason", inv.request_id))

    # --- what the supervisor calls -------------------------------------------------------------

    def sample_memory(self, now: float, interval: float) -> bool:
        """Samples the process tree while an invocation has run for `interval`; False when none runs."""
        running = self.mailbox.running()
        if not running or self.dead:
            return False
        # An invocation shorter than the interval is sampled at its REPORT: only the long
        # ones need a look at their process tree in between.
        if now - min(inv.started for inv in running) >= interval:
            self.processes.sample_memory()
        return True

    def _exited(self, proc: subprocess.Popen[bytes]) -> None:
        if proc is not self.processes.runtime:
            self.check_init()  # an external extension that exits before registering
            return
        code = proc.returncode
        with self.lock:
            ending = self._ending is not None  # killed by us: whoever ends it reports
            self.dead = True  # before anyone hears of the crash: no request may be sent here now
        self.output.drain()
        self.events.runtime_gone(ERROR, RUNTIME_EXIT)
        self._init_failed(RUNTIME_EXIT, None, code)
        if ending:
            return
        self.output.drain()
        for inv in self.mailbox.running() + self.mailbox.take_queued():
            if inv.abort(ERROR, RUNTIME_EXIT, lambda_errors.runtime_exited(inv.request_id, code)):
                # Lambda logs the fault after the function's output.
                reason = "Runtime exited without providing a reason" if code == 0 else \
                    f"Runtime exited with error: {lambda_errors.exit_reason(code)}"
                self.console.out(f"RequestId: {inv.request_id} Error: {reason}\n{RUNTIME_EXIT}\n".encode())
        threading.Thread(target=self.shutdown, args=("failure",), daemon=True).start()

    # --- the end -------------------------------------------------------------------------------

    def reset(self, reason: str) -> None:
        """After a timeout: the runtime is killed at once; extensions get SHUTDOWN (in the background)."""
        if not self._begin_end(reason):
            return
        self.events.runtime_gone(TIMEOUT, SANDBOX_TIMEDOUT)  # before its exit is seen as a crash
        if self.processes.runtime is not None:
            shutdown.group_kill(self.processes.runtime)

        def finish() -> None:
            budget = shutdown.EXTERNAL_BUDGET - self._flush(shutdown.EXTERNAL_BUDGET)
            shutdown.end_extensions([p for _, p in self.processes.extensions], self.extensions, reason, budget)
            self._teardown()

        threading.Thread(target=finish, daemon=True).start()

    def _begin_end(self, reason: str) -> bool:
        """Marks the environment as ending; False if it was already (the first ender tears it down)."""
        with self.lock:
            if self._ending is not None:
                return False
            self._ending = reason
            self.dead = True
            return True

    def shutdown(self, reason: str = "spindown") -> None:
        """Ends the environment as Lambda's Shutdown phase does (see shutdown.py); returns when it is over."""
        if not self._begin_end(reason):
            return
        budget = shutdown.end_runtime(self.processes.runtime, self.extensions, reason)
        budget -= self._flush(budget)
        shutdown.end_extensions([p for _, p in self.processes.extensions], self.extensions, reason, budget)
        self._teardown()

    def _flush(self, budget: float) -> float:
        """The runtime is stopped: its last lines, and what the subscribers have buffered, are
        delivered before SHUTDOWN (as AWS's RIE orders it); returns the seconds it took."""
        self.output.drain()
        return self.events.flush(budget)

    def _teardown(self) -> None:
        with self.lock:
            if self._torn_down:
                return
            self._torn_down = True
            self.dead = True
        parked = self.mailbox.close()
        self.extensions.close()
        self.processes.memory.close()
        self.events.close()
        for waiter in parked:
            waiter.deliver(END)
        self.api.close()
        self.on_dead(self)
