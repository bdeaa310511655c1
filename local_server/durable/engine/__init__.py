"""The durable engine: executions, invocations, timers (no sockets, no processes)."""
