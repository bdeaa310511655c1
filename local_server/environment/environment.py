"""One execution environment: a runtime process (and external extensions) with its own Runtime API.

Its life, as Lambda's (AWS "Lambda execution environment lifecycle"): init (processes
started, ready when the runtime and every extension have asked for their next event),
invocations handed out through `/next`, and an end: a crash, a timeout reset, or a
shutdown that follows Lambda's rules for SIGTERM (see `shutdown`). A supervisor thread
passes the processes' output on to the log, notices their exits, accepts Runtime API
connections and samples the memory of the process tree while an invocation runs.
"""

from __future__ import annotations

import collections
import json
import os
import socket
import subprocess
import threading
import time

from . import lambda_errors, shutdown
from .extensions_api import ExtensionsApi
from .invocation import ANSWERED
from .process_output import ProcessOutput
from .process_tree import PeakMemory
from .reports import ERROR, SUCCESS, TIMEOUT
from .runtime_api import END, RuntimeApiConnection

STARTING, READY, DEAD = "starting", "ready", "dead"
_KEEP_FINISHED = 64  # answered invocations remembered, so that a second post gets 403, not 400
class Environment:
    """A runtime process with its own Runtime API endpoint on 127.0.0.1."""

    _ids = iter(range(1, 1 << 62))

    def __init__(self, config, platform, console, supervisor, task_root: str, generation: int, environ: dict,
                 on_dead) -> None:
        self.id = next(self._ids)
        self.config = config
        self.platform = platform
        self.console = console
        self.supervisor = supervisor
        self.task_root = task_root
        self.generation = generation
        self.on_dead = on_dead
        self.slots = config.slots
        self.managed = config.max_concurrency is not None
        self.inflight = 0  # counted by the pool
        self.answered = 0  # of those, answered and not yet released (the pool's acquire waits for them)
        self.state = STARTING
        self.lock = threading.Lock()
        self.pending: collections.deque = collections.deque()  # invocations no runtime has taken yet
        self.parked: list = []  # connections whose runtime waits at /next
        self.running: dict = {}  # request id -> invocation the runtime holds
        self.finished: collections.OrderedDict = collections.OrderedDict()
        self.connections: list = []
        self.ready = threading.Event()
        self.init_ok = False
        self.init_failure: tuple | None = None  # (error type, body or None, return code or None)
        self.init_ms: float | None = None
        self.cold = True  # the next invocation reports the init duration
        self.memory = PeakMemory()
        self.function_arn_bytes = config.function_arn.encode()
        self.runtime: subprocess.Popen | None = None
        self.extension_procs: list = []  # (name, Popen)
        self.end_reason: str | None = None
        self._runtime_at_next = False
        self._torn_down = False
        self._started_at = 0.0
        self.output = ProcessOutput(console, supervisor, lambda: list(self.running.values()))
        self._pidfds: set = set()  # registered with the supervisor until the process exits

        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.environ = dict(environ, AWS_LAMBDA_RUNTIME_API=self.address)
        external = self._external_extensions()
        self.extensions = ExtensionsApi(
            {name for name, _ in external},
            {"functionName": config.function_name, "functionVersion": config.version,
             "handler": config.handler, "accountId": "012345678912"},
            self._check_init)
        self._external_paths = external

    # --- start ---------------------------------------------------------------------------

    def _external_extensions(self) -> list:
        folder = self.config.extensions_dir
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return []
        found = []
        for name in names:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and os.access(path, os.X_OK):
                found.append((name, path))
        return found

    def _spawn(self, command: list) -> subprocess.Popen:
        return subprocess.Popen(command, env=self.environ, cwd=self.task_root, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def start(self) -> None:
        """Starts the extensions and the runtime; init goes on in the background."""
        self._started_at = time.monotonic()
        self.console.out(self.platform.init_start(time.time()))
        try:
            for name, path in self._external_paths:
                self.extension_procs.append((name, self._spawn([path])))
            self.runtime = self._spawn(self.config.command)
            self.memory.watch(self.runtime.pid)
        except OSError as problem:
            # Lambda's type for a runtime it cannot start (a bootstrap that is missing or not executable).
            body = json.dumps({"errorType": "Runtime.InvalidEntrypoint",
                               "errorMessage": f"cannot start {' '.join(self.config.command)}: "
                                               f"{problem.strerror or problem}"}, separators=(",", ":")).encode()
            self.console.say(f"cannot start the runtime {self.config.command[0]}: {problem.strerror or problem}")
            self._init_failed("Runtime.InvalidEntrypoint", body, None)
            for _, proc in self.extension_procs:
                shutdown.group_kill(proc)
            self._begin_end("failure")
            self._teardown()
            return
        self._watch()

    # --- init ----------------------------------------------------------------------------------

    def _check_init(self) -> None:
        """Init ends when the runtime and every extension have asked for their next event."""
        if self.ready.is_set():
            return
        if self.extensions.init_error:
            error_type, body = self.extensions.init_error
            self._init_failed(error_type, body or None, None)
            threading.Thread(target=self.shutdown, args=("failure",), daemon=True).start()
            return
        if not self._runtime_at_next or not self.extensions.all_ready():
            return
        registered = self.extensions.registered_names()
        if any(proc.poll() is None and name not in registered for name, proc in self.extension_procs):
            return  # an external extension is still starting
        with self.lock:
            if self.ready.is_set():
                return
            self.extensions.close_registration()
            self.init_ms = (time.monotonic() - self._started_at) * 1000
            self.init_ok = True
            self.state = READY
        self.console.out(self.platform.init_done(time.time(), self.init_ms, SUCCESS, None))
        self.ready.set()

    def _init_failed(self, error_type: str, body: bytes | None, returncode: int | None,
                     status: str = ERROR) -> None:
        with self.lock:
            if self.ready.is_set():
                return
            self.init_failure = (error_type, body, returncode)
            self.init_ms = (time.monotonic() - self._started_at) * 1000
            self.state = DEAD  # never handed another request: the next one starts a fresh environment
        self.output.drain()
        self.console.out(self.platform.init_done(time.time(), self.init_ms, status, error_type))
        self.ready.set()

    def init_error(self, error_type: str, body: bytes) -> bool:
        """POST /runtime/init/error; False once init has ended."""
        if self.ready.is_set():
            return False
        self._init_failed(error_type, body, None)
        return True

    def wait_ready(self, request_id: str) -> tuple | None:
        """Waits for init; None when it succeeded, else (status, error type, body) for the caller."""
        if not self.ready.wait(self.config.init_timeout):
            seconds = self.config.init_timeout
            self._init_failed(lambda_errors.SANDBOX_TIMEDOUT, None, None, status=TIMEOUT)
            self.reset("timeout")
            return TIMEOUT, lambda_errors.SANDBOX_TIMEDOUT, lambda_errors.timed_out(request_id, seconds)
        if self.init_ok:
            return None
        error_type, body, returncode = self.init_failure
        if body is not None:
            # Lambda passes the init error on as the runtime posted it (facts A4).
            return ERROR, error_type, body
        if error_type == lambda_errors.SANDBOX_TIMEDOUT:
            return TIMEOUT, error_type, lambda_errors.timed_out(request_id, self.config.init_timeout)
        return ERROR, lambda_errors.RUNTIME_EXIT, lambda_errors.runtime_exited(request_id, returncode or 0)

    # --- invocations ---------------------------------------------------------------------------

    def dispatch(self, inv):
        """Hands an invocation to the runtime; its deadline starts now.

        Returns the parked connection of a runtime waiting at /next for the caller to drive
        itself, or None when it went to a connection's own thread (managed instances) or
        waits in the queue for the runtime's next `/next`.
        """
        inv.deadline_ms = int(time.time() * 1000 + self.config.timeout * 1000)
        inv.set_reporter(self.report)
        conn = None
        with self.lock:
            if self.parked:
                conn = self.parked.pop()
            else:
                self.pending.append(inv)
        if conn is not None and self.managed:
            conn.hand_over(inv)  # each worker's connection is driven by its own thread
            return None
        if conn is None and self.dead and self.runtime is not None and self.runtime.returncode is not None:
            # It died between being chosen and now: nobody will take the invocation.
            inv.abort(ERROR, lambda_errors.RUNTIME_EXIT,
                      lambda_errors.runtime_exited(inv.request_id, self.runtime.returncode))
        return conn

    def park(self, connection):
        """GET /next: a queued invocation to drive now; None once parked; END when the environment is gone."""
        with self.lock:
            if self._torn_down:
                return END
            if self.pending:
                return self.pending.popleft()
            self.parked.append(connection)
        if not self._runtime_at_next:  # the runtime's first /next ends its init
            self._runtime_at_next = True
            self._check_init()
        return None

    def begin(self, inv, connection) -> bool:
        """The runtime takes `inv`: START, and the INVOKE event for extensions; False if it ended already."""
        if not inv.claim():
            return False
        inv.connection = connection
        start = self.platform.start(inv.request_id, time.time())
        inv.add_log(start)
        # START is written before the function's first output or with END, whichever comes
        # first: one write fewer for most invocations, and the order of the log is the same.
        inv.start_line = start
        with self.lock:
            inv.init_ms = self.init_ms if self.cold else None
            self.cold = False
            self.running[inv.request_id] = inv
        self.supervisor.busy(self)
        if self.extensions.any_registered:
            self.extensions.deliver_invoke({
                "eventType": "INVOKE", "deadlineMs": inv.deadline_ms, "requestId": inv.request_id,
                "invokedFunctionArn": self.config.function_arn,
                "tracing": {"type": "X-Amzn-Trace-Id", "value": inv.trace_id} if inv.trace_id else {}})
        return True

    def find_invocation(self, request_id: str):
        with self.lock:
            return self.running.get(request_id) or self.finished.get(request_id)

    def report(self, inv) -> None:
        """END and REPORT (or their JSON records), after the function's last log line."""
        lines = self.output.drain_for_end(inv)
        self.memory.quick()
        now = time.time()
        error_type = inv.error_type
        if inv.connection is None:  # it never reached the runtime (init failed, or still queued)
            lines = self.platform.start(inv.request_id, now)
        lines += self.platform.end(inv.request_id, now, inv.duration_ms, inv.status, error_type, inv.produced)
        lines += self.platform.report(inv.request_id, now, inv.duration_ms, inv.init_ms,
                                      self.memory.kib, inv.status, error_type, inv.function_error)
        inv.add_log(lines)
        self.console.out(lines)
        with self.lock:
            if self.running.pop(inv.request_id, None) is not None:
                # Only a managed instance's timed-out invocation is kept whole (its late answer
                # frees its slot); of the others, the id is enough to refuse a second answer.
                self.finished[inv.request_id] = inv if inv.late_ok else ANSWERED
                while len(self.finished) > _KEEP_FINISHED:
                    self.finished.popitem(last=False)

    def wait_extensions(self, timeout: float) -> None:
        """An invocation ends when the extensions given its INVOKE event are back at event/next."""
        if self.extensions.any_registered:
            self.extensions.wait_idle(max(0.0, timeout))

    def connection_closed(self, connection) -> None:
        with self.lock:
            if connection in self.connections:
                self.connections.remove(connection)
            if connection in self.parked:
                self.parked.remove(connection)
            if not self.managed:
                return
            lost = [inv for inv in self.running.values() if inv.connection is connection]
            lost += [inv for inv in self.finished.values() if inv is not ANSWERED and inv.connection is connection
                     and inv.late_ok]
        # Managed instances: a worker that dies leaves the others serving; what it held fails
        # (and a timed-out invocation it still held frees its slot).
        for inv in lost:
            inv.abort(ERROR, lambda_errors.RUNTIME_EXIT, lambda_errors.function_error(
                lambda_errors.RUNTIME_EXIT, "Runtime exited without providing a reason", inv.request_id))
            with inv.lock:
                end, inv.on_late_end, inv.late_ok = inv.on_late_end, None, False
            if end is not None:
                end()

    # --- what the supervisor calls: output, exits, connections --------------------------------

    def _watch(self) -> None:
        """Registers the listener, the processes' pipes and their exits with the supervisor."""
        supervisor = self.supervisor
        supervisor.add(self.listener, self._accept)
        for proc in [self.runtime] + [p for _, p in self.extension_procs]:
            self.output.add(proc)
            try:
                pidfd = os.pidfd_open(proc.pid)
            except (AttributeError, OSError):  # no pidfd (kernel < 5.3, not Linux): a thread waits
                threading.Thread(target=self._wait_exit, args=(proc,), daemon=True).start()
            else:
                self._pidfds.add(pidfd)
                supervisor.add(pidfd, lambda proc=proc, pidfd=pidfd: self._on_exit(proc, pidfd))

    def _on_exit(self, proc: subprocess.Popen, pidfd: int) -> None:
        with self.lock:
            if pidfd not in self._pidfds:
                return
            self._pidfds.discard(pidfd)
            self.supervisor.remove(pidfd)
            os.close(pidfd)
        proc.wait()
        self._exited(proc)

    def has_open_files(self) -> bool:
        return self.output.open or bool(self._pidfds)

    def close_files(self) -> None:
        """When the server stops: the output still in the pipes is passed on, and every descriptor closed."""
        self.output.close()
        with self.lock:
            for pidfd in self._pidfds:
                self.supervisor.remove(pidfd)
                os.close(pidfd)
            self._pidfds.clear()

    def _wait_exit(self, proc: subprocess.Popen) -> None:
        proc.wait()
        self._exited(proc)

    def _accept(self) -> None:
        try:
            sock, _ = self.listener.accept()
        except OSError:
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = RuntimeApiConnection(self, sock)
        with self.lock:
            self.connections.append(connection)
        threading.Thread(target=connection.serve, daemon=True).start()

    def sample_memory(self) -> None:
        """The whole process tree (the supervisor's samples while an invocation runs)."""
        self.memory.sample([proc.pid for proc in [self.runtime] + [p for _, p in self.extension_procs]
                            if proc is not None and proc.returncode is None])

    def _exited(self, proc: subprocess.Popen) -> None:
        if proc is not self.runtime:
            self._check_init()  # an external extension that exits before registering
            return
        code = proc.returncode
        with self.lock:
            ending = self.end_reason is not None  # killed by us: whoever ends it reports
            running = list(self.running.values())
            self.state = DEAD  # before anyone hears of the crash: no request may be sent here now
        if not self.ready.is_set():
            self._init_failed(lambda_errors.RUNTIME_EXIT, None, code)
        if ending:
            return
        self.output.drain()
        for inv in running + self._queued():
            body = lambda_errors.runtime_exited(inv.request_id, code)
            if inv.abort(ERROR, lambda_errors.RUNTIME_EXIT, body):
                # Lambda logs the fault after the function's output (facts A3).
                reason = "Runtime exited without providing a reason" if code == 0 else \
                    f"Runtime exited with error: {lambda_errors.exit_reason(code)}"
                self.console.out(f"RequestId: {inv.request_id} Error: {reason}\n{lambda_errors.RUNTIME_EXIT}\n"
                                 .encode())
        threading.Thread(target=self.shutdown, args=("failure",), daemon=True).start()

    def _queued(self) -> list:
        with self.lock:
            found = list(self.pending)
            self.pending.clear()
        return found

    # --- the end -------------------------------------------------------------------------------

    @property
    def dead(self) -> bool:
        return self.state == DEAD

    def reset(self, reason: str) -> None:
        """After a timeout: the runtime is killed at once; extensions get SHUTDOWN (in the background)."""
        if not self._begin_end(reason):
            return
        if self.runtime is not None:
            shutdown.group_kill(self.runtime)

        def finish() -> None:
            shutdown.end_extensions([p for _, p in self.extension_procs], self.extensions, reason,
                                    shutdown.EXTERNAL_BUDGET)
            self._teardown()

        threading.Thread(target=finish, daemon=True).start()

    def _begin_end(self, reason: str) -> bool:
        """Marks the environment as ending; False if it was already (the first ender tears it down)."""
        with self.lock:
            if self.end_reason is not None:
                return False
            self.end_reason = reason
            self.state = DEAD
            return True

    def shutdown(self, reason: str = "spindown") -> None:
        """Ends the environment as Lambda's Shutdown phase does (see shutdown.py); returns when it is over."""
        if not self._begin_end(reason):
            return
        budget = shutdown.end_runtime(self.runtime, self.extensions, reason)
        shutdown.end_extensions([p for _, p in self.extension_procs], self.extensions, reason, budget)
        self._teardown()

    def _teardown(self) -> None:
        with self.lock:
            if self._torn_down:
                return
            self._torn_down = True
            self.state = DEAD
            connections = list(self.connections)
            parked, self.parked = self.parked, []
        self.extensions.close()
        self.memory.close()
        for connection in parked:
            connection.give_back(broken=True)
        for connection in connections:
            try:
                connection.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.supervisor.remove(self.listener)
        self.listener.close()
        self.on_dead(self)
