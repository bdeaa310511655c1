"""Durable executions in SQLite (the standard library's sqlite3), so they outlive the process.

One file, `<state dir>/durable-executions.sqlite3`. It is ours when its `application_id` is
ours and its `user_version` is the schema this code writes (SQLite's own fields for exactly
this: https://www.sqlite.org/pragma.html#pragma_application_id); anything else, or a file
SQLite cannot read, raises `StateFileError` with one line that says what to do, and the file
is left as it was: never a crash, never a silent reset. One connection, used under a lock, so
any of the server's threads may call in.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Optional

from ..model import Execution
from . import codec

FILE_NAME = "durable-executions.sqlite3"
APPLICATION_ID = 0x4C445845  # "LDXE": local durable executions
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE executions (arn TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE operations (arn TEXT NOT NULL, op_id TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (arn, op_id));
CREATE TABLE events (arn TEXT NOT NULL, event_id INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (arn, event_id));
"""


class StateFileError(Exception):
    """The state file cannot be used; the message is one line, for the person running the server."""


class SqliteStore:
    def __init__(self, state_dir: str) -> None:
        self.path = os.path.join(state_dir, FILE_NAME)
        self._lock = threading.Lock()
        # What was last written, so that a save writes only what changed.
        self._saved_ops: dict[str, dict[str, str]] = {}
        self._saved_events: dict[str, int] = {}
        try:
            os.makedirs(state_dir, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as problem:
            raise StateFileError(f"cannot open the durable state file {self.path}: {problem}") from None
        try:
            self._check_or_create()
        except sqlite3.DatabaseError as problem:
            self._db.close()
            raise StateFileError(
                f"{self.path} is not a readable SQLite file ({problem}): move it away or choose another "
                "state folder; it was left untouched") from None

    def _check_or_create(self) -> None:
        app_id = self._db.execute("PRAGMA application_id").fetchone()[0]
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == 0 and version == 0 and tables == 0:
            self._db.executescript("BEGIN;" + _SCHEMA + f"PRAGMA application_id = {APPLICATION_ID};"
                                   f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        elif app_id != APPLICATION_ID:
            self._db.close()
            raise StateFileError(f"{self.path} is not a durable execution state file of this server "
                                 f"(SQLite application_id {app_id}): move it away or choose another state folder")
        elif version != SCHEMA_VERSION:
            self._db.close()
            raise StateFileError(f"{self.path} has schema version {version}, this server reads {SCHEMA_VERSION}: "
                                 "use the server that wrote it, or move the file away")
        check = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {check}")
        # WAL: a reader never waits for the writer, and a crash loses at most the last commit.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")

    def load(self) -> list[Execution]:
        with self._lock:
            rows = self._db.execute("SELECT arn, record FROM executions").fetchall()
            return [self._whole(arn, record, remember=True) for arn, record in rows]

    def load_one(self, arn: str) -> Optional[Execution]:
        """One execution, whole, as last saved (None if the file has none of that ARN). What it read
        is not remembered: the copy is for one answer, and memory stays as the engine keeps it."""
        with self._lock:
            row = self._db.execute("SELECT record FROM executions WHERE arn = ?", (arn,)).fetchone()
            return None if row is None else self._whole(arn, row[0], remember=False)

    def release(self, arn: str) -> None:
        """Forgets what was last written of `arn` (its operations' text): the engine no longer keeps
        it in memory; a later save of it writes it whole."""
        with self._lock:
            self._saved_ops.pop(arn, None)
            self._saved_events.pop(arn, None)

    def _whole(self, arn: str, record: str, remember: bool) -> Execution:
        """The execution of `record` with its operations and events (lock held); `remember`: what
        was read is what the next save compares against, to write only what changed."""
        try:
            execution = codec.load_execution(record)
            ops = self._db.execute("SELECT op_id, record FROM operations WHERE arn = ?", (arn,)).fetchall()
            loaded = sorted((codec.load_operation(text) for _, text in ops), key=lambda op: op.seq)
            execution.operations = {op.id: op for op in loaded}
            events = self._db.execute("SELECT record FROM events WHERE arn = ? ORDER BY event_id", (arn,)).fetchall()
            execution.events = [codec.load_event(text) for (text,) in events]
        except (ValueError, TypeError, KeyError) as problem:
            raise StateFileError(f"{self.path}: the execution {arn} cannot be read ({problem}): "
                                 "move the file away or choose another state folder") from None
        if remember:
            self._saved_ops[arn] = dict(ops)
            self._saved_events[arn] = len(execution.events)
        return execution

    def save(self, execution: Execution) -> None:
        """Write what changed in `execution` since its last save, in one transaction."""
        arn = execution.arn
        ops = {op.id: codec.operation_record(op) for op in execution.operations.values()}
        saved = self._saved_ops.get(arn, {})
        changed = [(arn, op_id, text) for op_id, text in ops.items() if saved.get(op_id) != text]
        first_new = self._saved_events.get(arn, 0)
        new_events = [(arn, e.event_id, codec.event_record(e)) for e in execution.events[first_new:]]
        with self._lock:
            with self._db:
                self._db.execute("BEGIN")
                self._db.execute("INSERT OR REPLACE INTO executions VALUES (?, ?)",
                                 (arn, codec.execution_record(execution)))
                self._db.executemany("INSERT OR REPLACE INTO operations VALUES (?, ?, ?)", changed)
                self._db.executemany("INSERT OR REPLACE INTO events VALUES (?, ?, ?)", new_events)
            self._saved_ops[arn] = ops
            self._saved_events[arn] = len(execution.events)

    def delete(self, arn: str) -> None:
        with self._lock:
            with self._db:
                self._db.execute("BEGIN")
                for table in ("executions", "operations", "events"):
                    self._db.execute(f"DELETE FROM {table} WHERE arn = ?", (arn,))
            self._saved_ops.pop(arn, None)
            self._saved_events.pop(arn, None)

    def get_meta(self, key: str) -> Optional[str]:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def close(self) -> None:
        with self._lock:
            self._db.close()
