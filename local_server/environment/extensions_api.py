"""The Extensions API (2020-01-01) of one execution environment: register, event/next, errors.

Enough for what runs in a container image: a no-op internal extension that a runtime
registers so that Lambda sends it SIGTERM at shutdown (the approach of AWS's Go and Rust
runtimes), and external extensions (executables in /opt/extensions) that receive INVOKE
and SHUTDOWN events. Rules and error bodies follow AWS's "Extensions API" page and the
RIE's rapi handlers (docs/facts.md E3): an extension whose name is not an executable in the
extensions folder is internal, and internal ones may not subscribe to SHUTDOWN.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable

from lambda_runtime_api import (
    EXTENSION_ACCEPT_FEATURE_HEADER,
    EXTENSION_ERROR_TYPE_HEADER,
    EXTENSION_EVENT_ID_HEADER,
    EXTENSION_EXIT_ERROR_PATH,
    EXTENSION_ID_HEADER,
    EXTENSION_INIT_ERROR_PATH,
    EXTENSION_NAME_HEADER,
    EXTENSION_NEXT_PATH,
    EXTENSION_REGISTER_PATH,
)

from ..wire.extensions_api import ACCEPTED, JSON, MAX_EXTENSIONS, Answer, error, requested_events, shutdown_event
from ..wire.runtime_api import new_request_id

_NAME = EXTENSION_NAME_HEADER.lower()
_ID = EXTENSION_ID_HEADER.lower()
_ACCEPT_FEATURE = EXTENSION_ACCEPT_FEATURE_HEADER.lower()
_ERROR_TYPE = EXTENSION_ERROR_TYPE_HEADER.lower()


class Extension:
    def __init__(self, name: str, events: list[str], internal: bool) -> None:
        self.id = new_request_id()
        self.name = name
        self.events = frozenset(events)
        self.internal = internal
        self.queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()  # None: the environment is gone
        self.called_next = False
        self.busy = False  # handed an event and not back at event/next yet


class ExtensionsApi:
    def __init__(self, external_names: set[str], register_body: dict[str, str], on_change: Callable[[], None]) -> None:
        self.external_names = external_names
        self.register_body = register_body  # functionName, functionVersion, handler
        self.on_change = on_change  # called when an extension is ready (init may be complete)
        self.extensions: dict[str, Extension] = {}
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.registration_closed = False
        self.init_error: tuple[str, bytes] | None = None  # (error type, body) from /init/error

    # --- what the environment asks ----------------------------------------------------------

    @property
    def any_registered(self) -> bool:
        return bool(self.extensions)

    @property
    def external(self) -> list[Extension]:
        return [ext for ext in self.extensions.values() if not ext.internal]

    def registered_names(self) -> set[str]:
        with self.lock:
            return {ext.name for ext in self.extensions.values()}

    def all_ready(self) -> bool:
        """Every registered extension has called event/next (the end of its init)."""
        with self.lock:
            return all(ext.called_next for ext in self.extensions.values())

    def close_registration(self) -> None:
        with self.lock:
            self.registration_closed = True

    def deliver_invoke(self, data: bytes) -> bool:
        """Hands an INVOKE event to its subscribers; True if any was given one."""
        given = False
        with self.lock:
            for ext in self.extensions.values():
                if "INVOKE" in ext.events:
                    ext.busy = given = True
                    ext.queue.put(data)
        return given

    def wait_idle(self, timeout: float) -> bool:
        """Waits until every extension given an event is back at event/next."""
        with self.idle:
            return self.idle.wait_for(lambda: not any(ext.busy for ext in self.extensions.values()), timeout)

    def deliver_shutdown(self, reason: str, deadline_ms: int) -> list[Extension]:
        """SHUTDOWN to the external extensions that subscribed; returns them."""
        data = shutdown_event(reason, deadline_ms)
        with self.lock:
            told = [ext for ext in self.extensions.values() if "SHUTDOWN" in ext.events]
            for ext in told:
                ext.queue.put(data)
        return told

    def close(self) -> None:
        """Releases every blocked event/next (the environment is gone)."""
        with self.lock:
            for ext in self.extensions.values():
                ext.queue.put(None)

    # --- the API -------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer | None:
        """(status, headers, body) of one call; event/next blocks. None: close the connection."""
        if path == EXTENSION_REGISTER_PATH and method == "POST":
            return self._register(headers, body)
        if path == EXTENSION_NEXT_PATH and method == "GET":
            return self._next(headers)
        if path in (EXTENSION_INIT_ERROR_PATH, EXTENSION_EXIT_ERROR_PATH) and method == "POST":
            return self._error_report(path, headers, body)
        return error(404, "NotFound", f"no Extensions API call at {method} {path}")

    def _register(self, headers: dict[str, str], body: bytes) -> Answer:
        name = headers.get(_NAME, "")
        internal = name not in self.external_names
        events, refusal = requested_events(body, internal)
        if not name:
            refusal = error(403, "Extension.InvalidExtensionName", "Empty extension name")
        if refusal is not None:
            return refusal
        with self.lock:
            if self.registration_closed:
                return error(403, "Extension.RegistrationClosed", "Extension registration closed already")
            if any(ext.name == name for ext in self.extensions.values()):
                return error(403, "Extension.InvalidExtensionState", "Extension with this name already registered")
            if len(self.extensions) >= MAX_EXTENSIONS:
                return error(403, "Extension.TooManyExtensions", f"Extension limit ({MAX_EXTENSIONS}) reached")
            ext = Extension(name, events, internal)
            self.extensions[ext.id] = ext
        answer = dict(self.register_body)
        if "accountid" not in headers.get(_ACCEPT_FEATURE, "").lower():
            answer.pop("accountId", None)
        return 200, [(EXTENSION_ID_HEADER, ext.id), JSON], json.dumps(answer).encode()

    def _find(self, headers: dict[str, str]) -> tuple[Extension | None, Answer | None]:
        ext_id = headers.get(_ID)
        if not ext_id:
            return None, error(403, "Extension.MissingExtensionIdentifier",
                               f"Missing {EXTENSION_ID_HEADER} header")
        ext = self.extensions.get(ext_id)
        if ext is None:
            return None, error(403, "Extension.UnknownExtensionIdentifier", f"Unknown extension {ext_id}")
        return ext, None

    def _next(self, headers: dict[str, str]) -> Answer | None:
        ext, refusal = self._find(headers)
        if ext is None:
            return refusal
        with self.lock:
            ext.called_next = True
            ext.busy = False
            self.idle.notify_all()
        self.on_change()
        data = ext.queue.get()  # blocks until an event (or the environment's end)
        if data is None:
            return None
        return 200, [(EXTENSION_EVENT_ID_HEADER, new_request_id()), JSON], data

    def _error_report(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        refusal = self._find(headers)[1]
        if refusal:
            return refusal
        error_type = headers.get(_ERROR_TYPE)
        if not error_type:
            return error(400, "Extension.MissingHeader", f"Missing {EXTENSION_ERROR_TYPE_HEADER} header")
        if path == EXTENSION_INIT_ERROR_PATH:
            with self.lock:
                self.init_error = (error_type, body)
            self.on_change()
        return 202, [JSON], ACCEPTED
