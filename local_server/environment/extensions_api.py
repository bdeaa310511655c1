"""The Extensions API (2020-01-01) of one execution environment: register, event/next, errors.

Enough for what runs in a container image: a no-op internal extension that a runtime
registers so that Lambda sends it SIGTERM at shutdown (the approach of AWS's Go and Rust
runtimes), and external extensions (executables in /opt/extensions) that receive INVOKE
and SHUTDOWN events. Rules and error bodies follow AWS's "Extensions API" page and the
RIE's rapi handlers (facts E): an extension whose name is not an executable in the
extensions folder is internal, and internal ones may not subscribe to SHUTDOWN.
"""

from __future__ import annotations

import json
import queue
import threading

from .invocation import new_request_id

PREFIX = "/2020-01-01/extension"
REGISTER_PATH = PREFIX + "/register"
NEXT_PATH = PREFIX + "/event/next"
INIT_ERROR_PATH = PREFIX + "/init/error"
EXIT_ERROR_PATH = PREFIX + "/exit/error"
MAX_EXTENSIONS = 10  # "Up to 10 extensions"
EVENT_TYPES = ("INVOKE", "SHUTDOWN")
_JSON = ("Content-Type", "application/json")


def _error(status: int, error_type: str, message: str) -> tuple[int, list, bytes]:
    # The RIE's ErrorResponse: errorMessage, then errorType.
    return status, [_JSON], json.dumps({"errorMessage": message, "errorType": error_type}).encode()


def _requested_events(body: bytes) -> tuple:
    """(the events a register call asks for, None) or ([], a refusal)."""
    try:
        request = json.loads(body) if body.strip() else {}
        events = request.get("events") or []  # Go's runtime sends {"events":null}
    except (ValueError, AttributeError):
        return [], _error(403, "InvalidRequestFormat", 'the body must be a JSON object like {"events": []}')
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        return [], _error(403, "InvalidRequestFormat", "events must be a list of event names")
    for event in events:
        if event not in EVENT_TYPES:
            return [], _error(403, "Extension.InvalidEventType", f"{event}: unknown event type")
    return events, None


class Extension:
    def __init__(self, name: str, events: list, internal: bool) -> None:
        self.id = new_request_id()
        self.name = name
        self.events = frozenset(events)
        self.internal = internal
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.called_next = False
        self.busy = False  # handed an event and not back at event/next yet


class ExtensionsApi:
    def __init__(self, external_names: set, register_body: dict, on_change) -> None:
        self.external_names = external_names
        self.register_body = register_body  # functionName, functionVersion, handler
        self.on_change = on_change  # called when an extension is ready (init may be complete)
        self.extensions: dict = {}
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.registration_closed = False
        self.init_error: tuple | None = None  # (error type, body) from /init/error

    # --- what the environment asks ----------------------------------------------------------

    @property
    def any_registered(self) -> bool:
        return bool(self.extensions)

    @property
    def external(self) -> list:
        return [ext for ext in self.extensions.values() if not ext.internal]

    def registered_names(self) -> set:
        with self.lock:
            return {ext.name for ext in self.extensions.values()}

    def all_ready(self) -> bool:
        """Every registered extension has called event/next (the end of its init)."""
        with self.lock:
            return all(ext.called_next for ext in self.extensions.values())

    def close_registration(self) -> None:
        with self.lock:
            self.registration_closed = True

    def deliver_invoke(self, event: dict) -> bool:
        """Hands an INVOKE event to its subscribers; True if any was given one."""
        data = json.dumps(event).encode()
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

    def deliver_shutdown(self, reason: str, deadline_ms: int) -> list:
        """SHUTDOWN to the external extensions that subscribed; returns them."""
        data = json.dumps({"eventType": "SHUTDOWN", "shutdownReason": reason, "deadlineMs": deadline_ms}).encode()
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

    def handle(self, method: str, path: str, headers: dict, body: bytes):
        """(status, headers, body) of one call; event/next blocks. None: close the connection."""
        if path == REGISTER_PATH and method == "POST":
            return self._register(headers, body)
        if path == NEXT_PATH and method == "GET":
            return self._next(headers)
        if path in (INIT_ERROR_PATH, EXIT_ERROR_PATH) and method == "POST":
            return self._error_report(path, headers, body)
        return _error(404, "NotFound", f"no Extensions API call at {method} {path}")

    def _register(self, headers: dict, body: bytes):
        name = headers.get("lambda-extension-name", "")
        events, refusal = _requested_events(body)
        if not name:
            refusal = _error(403, "Extension.InvalidExtensionName", "Empty extension name")
        internal = name not in self.external_names
        if refusal is None and internal and "SHUTDOWN" in events:
            refusal = _error(403, "Extension.InvalidEventType",
                             "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension")
        if refusal is not None:
            return refusal
        with self.lock:
            if self.registration_closed:
                return _error(403, "Extension.RegistrationClosed", "Extension registration closed already")
            if any(ext.name == name for ext in self.extensions.values()):
                return _error(403, "Extension.InvalidExtensionState", "Extension with this name already registered")
            if len(self.extensions) >= MAX_EXTENSIONS:
                return _error(403, "Extension.TooManyExtensions", f"Extension limit ({MAX_EXTENSIONS}) reached")
            ext = Extension(name, events, internal)
            self.extensions[ext.id] = ext
        answer = dict(self.register_body)
        if "accountid" not in headers.get("lambda-extension-accept-feature", "").lower():
            answer.pop("accountId", None)
        return 200, [("Lambda-Extension-Identifier", ext.id), _JSON], json.dumps(answer).encode()

    def _find(self, headers: dict):
        ext_id = headers.get("lambda-extension-identifier")
        if not ext_id:
            return None, _error(403, "Extension.MissingExtensionIdentifier",
                                "Missing Lambda-Extension-Identifier header")
        ext = self.extensions.get(ext_id)
        if ext is None:
            return None, _error(403, "Extension.UnknownExtensionIdentifier", f"Unknown extension {ext_id}")
        return ext, None

    def _next(self, headers: dict):
        ext, refusal = self._find(headers)
        if refusal:
            return refusal
        with self.lock:
            ext.called_next = True
            ext.busy = False
            self.idle.notify_all()
        self.on_change()
        data = ext.queue.get()  # blocks until an event (or the environment's end)
        if data is None:
            return None
        return 200, [("Lambda-Extension-Event-Identifier", new_request_id()), _JSON], data

    def _error_report(self, path: str, headers: dict, body: bytes):
        refusal = self._find(headers)[1]
        if refusal:
            return refusal
        error_type = headers.get("lambda-extension-function-error-type")
        if not error_type:
            return _error(400, "Extension.MissingHeader", "Missing Lambda-Extension-Function-Error-Type header")
        if path == INIT_ERROR_PATH:
            with self.lock:
                self.init_error = (error_type, body)
            self.on_change()
        return 202, [_JSON], b'{"status":"OK"}'
