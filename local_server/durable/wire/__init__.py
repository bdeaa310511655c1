"""The durable execution API's wire format: pure functions, no socket, thread or lock."""
