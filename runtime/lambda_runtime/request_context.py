"""The invocation a thread or task is serving, for the log records written meanwhile."""

from __future__ import annotations

import contextvars

# (request id, tenant id); a context variable, so concurrent invocations never mix them up.
current_request: contextvars.ContextVar[tuple[str, str | None]] = contextvars.ContextVar(
    "lambda_request", default=("", None))
