"""Database work, one function per transaction.

Each function takes a DB-API cursor: Synapse's LoggingTransaction in production (which turns the
`?` placeholders into `%s` for Postgres), a plain sqlite3 cursor in the unit tests. The SQL is
portable between SQLite (3.24 or later, for ON CONFLICT) and Postgres.

Synapse's own table (synapse/storage/schema/main/delta/55/track_threepid_validations.sql):
    threepid_validation_session(session_id TEXT PRIMARY KEY, medium TEXT NOT NULL,
        address TEXT NOT NULL, client_secret TEXT NOT NULL, last_send_attempt BIGINT NOT NULL,
        validated_at BIGINT)
The module's own table records which of those rows it created, and until when they are kept.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

from .protocol import Create, Delete, ProtocolError, Validate

EXPIRY_TABLE = "matrix_3pid_session_expiry"


class Cursor(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = ...) -> Any: ...
    def fetchone(self) -> Any: ...
    @property
    def rowcount(self) -> int: ...


def create_tables(txn: Cursor) -> None:
    txn.execute(
        f"CREATE TABLE IF NOT EXISTS {EXPIRY_TABLE} (session_id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)"
    )
    txn.execute(f"CREATE INDEX IF NOT EXISTS {EXPIRY_TABLE}_expires_at ON {EXPIRY_TABLE} (expires_at)")


def create_session(txn: Cursor, create: Create) -> None:
    """Inserts the session; repeating the same create only raises last_send_attempt and the expiry.

    It never clears validated_at, so a create that is retried late cannot undo a validate.
    """
    owned = _owned(txn, create.sid)
    txn.execute(
        "INSERT INTO threepid_validation_session"
        " (session_id, medium, address, client_secret, last_send_attempt, validated_at)"
        " VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT (session_id) DO NOTHING",
        (create.sid, create.medium, create.address, create.client_secret, create.send_attempt),
    )
    if txn.rowcount != 1:
        txn.execute(
            "SELECT medium, address, client_secret FROM threepid_validation_session WHERE session_id = ?",
            (create.sid,),
        )
        row = txn.fetchone()
        if not owned or row is None or tuple(row) != (create.medium, create.address, create.client_secret):
            raise ProtocolError(400, "M_INVALID_PARAM", "This sid belongs to a different session")
        txn.execute(
            "UPDATE threepid_validation_session SET last_send_attempt = ?"
            " WHERE session_id = ? AND last_send_attempt < ?",
            (create.send_attempt, create.sid, create.send_attempt),
        )
    _set_expiry(txn, create.sid, create.expires_at_ms)


def validate_session(txn: Cursor, validate: Validate) -> None:
    """Marks a session this module created as validated; 404 when there is none (or it was used up)."""
    if _owned(txn, validate.sid):
        txn.execute(
            "UPDATE threepid_validation_session SET validated_at = ? WHERE session_id = ?",
            (validate.validated_at_ms, validate.sid),
        )
        if txn.rowcount == 1:
            _set_expiry(txn, validate.sid, validate.expires_at_ms)
            return
    raise ProtocolError(404, "M_NOT_FOUND", "No such session")


def delete_session(txn: Cursor, delete: Delete) -> None:
    """Deletes a session this module created. Deleting one that does not exist succeeds."""
    if _owned(txn, delete.sid):
        txn.execute("DELETE FROM threepid_validation_session WHERE session_id = ?", (delete.sid,))
        txn.execute(f"DELETE FROM {EXPIRY_TABLE} WHERE session_id = ?", (delete.sid,))


def delete_expired(txn: Cursor, now_ms: int) -> int:
    """Deletes the sessions this module created whose expiry has passed; returns how many."""
    txn.execute(
        "DELETE FROM threepid_validation_session"
        f" WHERE session_id IN (SELECT session_id FROM {EXPIRY_TABLE} WHERE expires_at < ?)",
        (now_ms,),
    )
    txn.execute(f"DELETE FROM {EXPIRY_TABLE} WHERE expires_at < ?", (now_ms,))
    return txn.rowcount


def _owned(txn: Cursor, sid: str) -> bool:
    txn.execute(f"SELECT 1 FROM {EXPIRY_TABLE} WHERE session_id = ?", (sid,))
    return txn.fetchone() is not None


def _set_expiry(txn: Cursor, sid: str, expires_at_ms: int) -> None:
    txn.execute(
        f"INSERT INTO {EXPIRY_TABLE} (session_id, expires_at) VALUES (?, ?)"
        " ON CONFLICT (session_id) DO UPDATE SET expires_at = excluded.expires_at",
        (sid, expires_at_ms),
    )
