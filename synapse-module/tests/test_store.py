"""The SQL, on SQLite with Synapse's own table definition."""

import sqlite3
from collections.abc import Iterator

import pytest

from matrix_3pid_synapse import store
from matrix_3pid_synapse.protocol import Create, Delete, ProtocolError, Validate

# synapse/storage/schema/main/full_schemas/72/full.sql.sqlite
SYNAPSE_TABLE = """
CREATE TABLE threepid_validation_session (
    session_id TEXT PRIMARY KEY,
    medium TEXT NOT NULL,
    address TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    last_send_attempt BIGINT NOT NULL,
    validated_at BIGINT
)
"""

CREATE = Create("sid1", "email", "alice@example.org", "secret", 1, 1_000)


@pytest.fixture
def txn() -> Iterator[sqlite3.Cursor]:
    db = sqlite3.connect(":memory:")
    cursor = db.cursor()
    cursor.execute(SYNAPSE_TABLE)
    store.create_tables(cursor)
    store.create_tables(cursor)  # idempotent, as at every start
    yield cursor
    db.close()


def session(txn: sqlite3.Cursor, sid: str = "sid1") -> tuple | None:
    txn.execute(
        "SELECT medium, address, client_secret, last_send_attempt, validated_at"
        " FROM threepid_validation_session WHERE session_id = ?",
        (sid,),
    )
    return txn.fetchone()


def expiry(txn: sqlite3.Cursor, sid: str = "sid1") -> int | None:
    txn.execute(f"SELECT expires_at FROM {store.EXPIRY_TABLE} WHERE session_id = ?", (sid,))
    row = txn.fetchone()
    return row[0] if row else None


def test_create_inserts_an_unvalidated_session(txn: sqlite3.Cursor) -> None:
    store.create_session(txn, CREATE)
    assert session(txn) == ("email", "alice@example.org", "secret", 1, None)
    assert expiry(txn) == 1_000


def test_repeating_a_create_is_idempotent_and_keeps_the_highest_send_attempt(txn: sqlite3.Cursor) -> None:
    store.create_session(txn, CREATE)
    store.create_session(txn, CREATE)
    store.create_session(txn, Create("sid1", "email", "alice@example.org", "secret", 3, 2_000))
    store.create_session(txn, Create("sid1", "email", "alice@example.org", "secret", 2, 3_000))
    assert session(txn) == ("email", "alice@example.org", "secret", 3, None)
    assert expiry(txn) == 3_000


@pytest.mark.parametrize(
    "other",
    [
        Create("sid1", "msisdn", "447700900123", "secret", 1, 1_000),
        Create("sid1", "email", "bob@example.org", "secret", 1, 1_000),
        Create("sid1", "email", "alice@example.org", "other", 1, 1_000),
    ],
)
def test_a_create_that_differs_from_the_existing_session_is_refused(
    txn: sqlite3.Cursor, other: Create
) -> None:
    store.create_session(txn, CREATE)
    with pytest.raises(ProtocolError) as caught:
        store.create_session(txn, other)
    assert (caught.value.status, caught.value.errcode) == (400, "M_INVALID_PARAM")
    assert session(txn) == ("email", "alice@example.org", "secret", 1, None)


def test_a_session_synapse_created_itself_is_never_touched(txn: sqlite3.Cursor) -> None:
    txn.execute(
        "INSERT INTO threepid_validation_session VALUES ('native', 'email', 'alice@example.org', 'secret', 1, NULL)"
    )
    with pytest.raises(ProtocolError):
        store.create_session(txn, Create("native", "email", "alice@example.org", "secret", 1, 1_000))
    with pytest.raises(ProtocolError) as caught:
        store.validate_session(txn, Validate("native", 5, 1_000))
    assert caught.value.status == 404
    store.delete_session(txn, Delete("native"))
    assert store.delete_expired(txn, 10**12) == 0
    assert session(txn, "native") == ("email", "alice@example.org", "secret", 1, None)
    assert expiry(txn, "native") is None


def test_validate_sets_validated_at_and_the_new_expiry(txn: sqlite3.Cursor) -> None:
    store.create_session(txn, CREATE)
    store.validate_session(txn, Validate("sid1", 500, 9_000))
    assert session(txn) == ("email", "alice@example.org", "secret", 1, 500)
    assert expiry(txn) == 9_000


def test_a_late_create_does_not_undo_a_validation(txn: sqlite3.Cursor) -> None:
    store.create_session(txn, CREATE)
    store.validate_session(txn, Validate("sid1", 500, 9_000))
    store.create_session(txn, CREATE)
    assert session(txn) == ("email", "alice@example.org", "secret", 1, 500)


def test_validate_of_an_unknown_session_is_404(txn: sqlite3.Cursor) -> None:
    with pytest.raises(ProtocolError) as caught:
        store.validate_session(txn, Validate("nope", 5, 6))
    assert (caught.value.status, caught.value.errcode) == (404, "M_NOT_FOUND")
    assert expiry(txn, "nope") is None


def test_validate_after_synapse_used_the_session_up_is_404(txn: sqlite3.Cursor) -> None:
    store.create_session(txn, CREATE)
    txn.execute("DELETE FROM threepid_validation_session WHERE session_id = 'sid1'")  # as UIA does
    with pytest.raises(ProtocolError) as caught:
        store.validate_session(txn, Validate("sid1", 5, 6))
    assert caught.value.status == 404


def test_delete_is_idempotent(txn: sqlite3.Cursor) -> None:
    store.create_session(txn, CREATE)
    store.delete_session(txn, Delete("sid1"))
    store.delete_session(txn, Delete("sid1"))
    store.delete_session(txn, Delete("never-existed"))
    assert session(txn) is None
    assert expiry(txn) is None


def test_delete_expired_removes_only_sessions_past_their_expiry(txn: sqlite3.Cursor) -> None:
    store.create_session(txn, Create("old", "email", "a@example.org", "s", 1, 1_000))
    store.create_session(txn, Create("edge", "email", "b@example.org", "s", 1, 2_000))
    store.create_session(txn, Create("new", "msisdn", "447700900123", "s", 1, 3_000))
    store.create_session(txn, Create("used", "email", "c@example.org", "s", 1, 1_000))
    txn.execute("DELETE FROM threepid_validation_session WHERE session_id = 'used'")
    assert store.delete_expired(txn, 2_000) == 2
    assert [session(txn, sid) is None for sid in ("old", "edge", "new")] == [True, False, False]
    assert [expiry(txn, sid) for sid in ("old", "edge", "new", "used")] == [None, 2_000, 3_000, None]
