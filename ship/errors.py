"""One error type for everything that stops a push or a deploy: one line, what to do."""


class ShipError(Exception):
    """A failure the user can act on: the message says what is wrong and what to do."""
