"""What the agents' state file holds: the message state machine, the row types, the
tables, how an older file is brought up to date, and how a row and its timeline are
written.

    seen → attested → submitted → delivered | failed | dead_lettered
    submitted → attested              dropped or reverted for a retryable reason
    seen | attested → delivered | failed   someone else delivered it
    seen | attested → dead_lettered   given up before any submission
    seen | attested | submitted → orphaned → seen   origin block reorged away, re-mined
    dead_lettered → seen              an operator requeued it (`crossflow messages requeue`)
    failed → delivered                its handler was rerun: by the relayer once a simulated
                                      `retry` passes, or by hand (`crossflow messages retry`)

Delivered, failed and dead-lettered end delivery: the channel has moved past them.
Only an operator's command moves a dead letter on; a failed message stays on the
relayer's handler-retry queue (`handler_retries`, `next_handler_retry_at`) until a
rerun of its handler succeeds.

`PRAGMA user_version` holds the schema version: migration i (counting from 1) turns a
version i-1 file into a version i file. Migrations are append-only; a released one is
never edited, because files in the wild were built by it.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from relayer.errors import IllegalTransition, StoreTooNew, StoreUnavailable, UnknownMessage

BUSY_TIMEOUT_S = 5.0


class MessageState(StrEnum):
    SEEN = "seen"
    ATTESTED = "attested"
    SUBMITTED = "submitted"
    DELIVERED = "delivered"
    FAILED = "failed"  # delivered, but the handler reverted (MessageFailed)
    DEAD_LETTERED = "dead_lettered"
    ORPHANED = "orphaned"  # its origin block was reorged away: must never be delivered


_S = MessageState
ALLOWED_TRANSITIONS: Mapping[MessageState, frozenset[MessageState]] = {
    _S.SEEN: frozenset({_S.ATTESTED, _S.DELIVERED, _S.FAILED, _S.DEAD_LETTERED, _S.ORPHANED}),
    _S.ATTESTED: frozenset({_S.SUBMITTED, _S.DELIVERED, _S.FAILED, _S.DEAD_LETTERED, _S.ORPHANED}),
    _S.SUBMITTED: frozenset({_S.ATTESTED, _S.DELIVERED, _S.FAILED, _S.DEAD_LETTERED, _S.ORPHANED}),
    _S.ORPHANED: frozenset({_S.SEEN}),
    _S.DELIVERED: frozenset(),
    _S.FAILED: frozenset({_S.DELIVERED}),
    _S.DEAD_LETTERED: frozenset({_S.SEEN}),
}
TERMINAL_STATES = frozenset({_S.DELIVERED, _S.FAILED, _S.DEAD_LETTERED})  # for the agents
PENDING_STATES = (_S.SEEN, _S.ATTESTED, _S.SUBMITTED)  # on their way to a terminal state


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A Dispatch as a watcher decoded it; `raw` is the abi-encoded message the
    destination mailbox processes, `dispatched_at` the origin block's timestamp."""

    id: str
    origin: int
    destination: int
    nonce: int
    sender: str
    recipient: str
    body: bytes
    raw: bytes
    origin_block: int
    origin_block_hash: str
    origin_tx: str
    priority: int = 0
    dispatched_at: float | None = None


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A message and where it stands; each `*_at` is the last time it entered that state."""

    id: str
    origin: int
    destination: int
    nonce: int
    sender: str
    recipient: str
    body: bytes
    raw: bytes
    origin_block: int
    origin_block_hash: str
    origin_tx: str
    dispatched_at: float | None
    priority: int
    state: MessageState
    attempts: int
    next_attempt_at: float
    last_error: str
    submit_tx: str | None
    seen_at: float | None
    attested_at: float | None
    submitted_at: float | None
    delivered_at: float | None
    failed_at: float | None
    dead_lettered_at: float | None
    orphaned_at: float | None
    handler_retries: int  # reruns of a failed handler that did not succeed
    next_handler_retry_at: float  # when the relayer may simulate the next rerun


@dataclass(frozen=True, slots=True)
class Transition:
    message_id: str
    state: MessageState
    at: float
    detail: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The last block an agent finished with on one chain."""

    agent: str
    domain: int
    block: int
    block_hash: str
    saved_at: float


_V1_MESSAGES = """
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    origin INTEGER NOT NULL,
    destination INTEGER NOT NULL,
    nonce INTEGER NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body BLOB NOT NULL,
    raw BLOB NOT NULL,
    origin_block INTEGER NOT NULL,
    origin_block_hash TEXT NOT NULL,
    origin_tx TEXT NOT NULL,
    dispatched_at REAL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    submit_tx TEXT,
    seen_at REAL,
    attested_at REAL,
    submitted_at REAL,
    delivered_at REAL,
    failed_at REAL,
    dead_lettered_at REAL,
    orphaned_at REAL
) STRICT
"""

_V1_TRANSITIONS = """
CREATE TABLE transitions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    at REAL NOT NULL,
    detail TEXT NOT NULL
) STRICT
"""

_V1_ATTESTATIONS = """
CREATE TABLE attestations (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    validator TEXT NOT NULL,
    signature BLOB NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (message_id, validator)
) STRICT, WITHOUT ROWID
"""

_V1_CHECKPOINTS = """
CREATE TABLE checkpoints (
    agent TEXT NOT NULL,
    domain INTEGER NOT NULL,
    block INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    saved_at REAL NOT NULL,
    PRIMARY KEY (agent, domain)
) STRICT, WITHOUT ROWID
"""

_V1_RECENT_BLOCKS = """
CREATE TABLE recent_blocks (
    agent TEXT NOT NULL,
    domain INTEGER NOT NULL,
    number INTEGER NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (agent, domain, number)
) STRICT, WITHOUT ROWID
"""

# Each migration is a sequence of single statements rather than one script: on Python
# 3.11 `executescript` commits any open transaction first, which would break atomicity.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        _V1_MESSAGES,
        _V1_TRANSITIONS,
        _V1_ATTESTATIONS,
        _V1_CHECKPOINTS,
        _V1_RECENT_BLOCKS,
        # pending_by_channel(): one destination's queue, in send order.
        "CREATE INDEX messages_queue"
        " ON messages (destination, state, priority DESC, origin, nonce)",
        # orphan_from_block(): everything at or above a reorged block of one origin.
        "CREATE INDEX messages_origin_block ON messages (origin, origin_block)",
        # messages(): newest first.
        "CREATE INDEX messages_seen_at ON messages (seen_at)",
        "CREATE INDEX transitions_timeline ON transitions (message_id, seq)",
    ),
    (
        # The mailboxes this file's messages belong to: message ids do not name the
        # mailbox, so a redeployed one restarts its nonces and repeats old ids.
        "CREATE TABLE mailboxes (domain INTEGER PRIMARY KEY, address TEXT NOT NULL) STRICT",
    ),
    (
        # The relayer reruns failed handlers on a backoff of their own, apart from the
        # delivery attempts: a rate-limited handler may need many reruns.
        "ALTER TABLE messages ADD COLUMN handler_retries INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE messages ADD COLUMN next_handler_retry_at REAL NOT NULL DEFAULT 0",
        # failed_due(): one destination's failed handlers, soonest due first.
        "CREATE INDEX messages_failed_due ON messages (destination, next_handler_retry_at)"
        " WHERE state = 'failed'",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the file at `path` (created if missing), configured for several
    agents at once and migrated to SCHEMA_VERSION. Transactions are explicit: the
    connection runs in autocommit mode and callers issue BEGIN IMMEDIATE themselves."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with translated_errors(path):
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            _configure(conn, path)
            migrate(conn, path)
        except BaseException:
            conn.close()
            raise
    return conn


@contextmanager
def translated_errors(path: Path) -> Iterator[None]:
    """Report the file's own troubles (locked, unreadable, not a database) as ours;
    constraint and API misuse errors are bugs and stay as they are."""
    try:
        yield
    except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
        raise
    except sqlite3.Error as err:
        raise StoreUnavailable(path, str(err)) from err


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file at `path` to SCHEMA_VERSION, all pending steps in one transaction.

    Several agents may open a fresh file at once: they queue on the write lock and
    re-read the version under it, so each migration runs exactly once. A file from a
    newer crossflow is refused rather than misread.
    """
    if _version(conn, path) == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for migration in MIGRATIONS[_version(conn, path) :]:
            for statement in migration:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    mode = _enable_wal(conn)
    if mode != "wal":
        raise StoreUnavailable(path, f"it cannot use WAL (journal mode stays {mode})")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")


def _enable_wal(conn: sqlite3.Connection) -> str:
    """Switch to WAL, waiting like the busy timeout would: SQLite does not call its busy
    handler for a journal-mode change, which fails at once while another connection is
    still migrating a fresh file in rollback mode."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _version(conn: sqlite3.Connection, path: Path) -> int:
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise StoreTooNew(path, found, SCHEMA_VERSION)
    return found


# Named after NewMessage's fields, plus :now for when it was seen.
INSERT_MESSAGE = """
INSERT INTO messages (
    id, origin, destination, nonce, sender, recipient, body, raw, origin_block,
    origin_block_hash, origin_tx, dispatched_at, priority, state, next_attempt_at, seen_at
) VALUES (
    :id, :origin, :destination, :nonce, :sender, :recipient, :body, :raw, :origin_block,
    :origin_block_hash, :origin_tx, :dispatched_at, :priority, 'seen', :now, :now
)
"""

# Static SQL (no column names spliced in): the entered state's own *_at column is stamped.
SET_STATE = """
UPDATE messages SET
    state = :state,
    seen_at = CASE :state WHEN 'seen' THEN :at ELSE seen_at END,
    attested_at = CASE :state WHEN 'attested' THEN :at ELSE attested_at END,
    submitted_at = CASE :state WHEN 'submitted' THEN :at ELSE submitted_at END,
    delivered_at = CASE :state WHEN 'delivered' THEN :at ELSE delivered_at END,
    failed_at = CASE :state WHEN 'failed' THEN :at ELSE failed_at END,
    dead_lettered_at = CASE :state WHEN 'dead_lettered' THEN :at ELSE dead_lettered_at END,
    orphaned_at = CASE :state WHEN 'orphaned' THEN :at ELSE orphaned_at END
WHERE id = :id
"""


# Rows and transitions, as every write of the store makes them.

_MESSAGE_ID = re.compile(r"0x[0-9a-f]{64}")


def normalized_id(value: str) -> str:
    """Ids are compared as text, so one spelling: lowercase 0x-prefixed 32 bytes."""
    lowered = value.lower()
    if not _MESSAGE_ID.fullmatch(lowered):
        raise ValueError(f"a message id is 0x and 64 hex digits, not {value!r}")
    return lowered


def state_of(conn: sqlite3.Connection, message_id: str) -> MessageState:
    row = conn.execute("SELECT state FROM messages WHERE id = ?", (message_id,)).fetchone()
    if row is None:
        raise UnknownMessage(message_id)
    return MessageState(row[0])


def move(
    conn: sqlite3.Connection, message_id: str, to: MessageState, at: float, detail: str
) -> None:
    current = state_of(conn, message_id)
    if to not in ALLOWED_TRANSITIONS[current]:
        raise IllegalTransition(message_id, current, to)
    conn.execute(SET_STATE, {"state": to.value, "at": at, "id": message_id})
    append_transition(conn, message_id, to, at, detail)


def append_transition(
    conn: sqlite3.Connection, message_id: str, state: MessageState, at: float, detail: str
) -> None:
    conn.execute(
        "INSERT INTO transitions (message_id, state, at, detail) VALUES (?, ?, ?, ?)",
        (message_id, state.value, at, detail),
    )


def message_row(row: sqlite3.Row) -> MessageRow:
    fields = dict(row)
    fields["state"] = MessageState(fields["state"])
    return MessageRow(**fields)
