"""Durable executions kept in SQLite under the state folder."""
