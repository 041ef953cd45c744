"""Durable state of the off-chain agents: messages and their lifecycle, attestations,
and per-agent chain checkpoints, in one SQLite file (layout and state machine in
`relayer.messaging.store_schema`).

Validators and the relayer may open the same file from their own processes and
threads: WAL lets readers run beside a writer and the busy timeout makes writers queue
instead of failing. Every write is one transaction, so a crash never leaves a state
change without its timeline entry, and a restarted agent resumes from exactly what
was committed.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import Any

from eth_utils.address import to_checksum_address

from relayer.errors import IllegalTransition, StoreOfAnotherDeployment
from relayer.messaging.store_retries import FailedHandlers
from relayer.messaging.store_schema import (
    ALLOWED_TRANSITIONS,
    INSERT_MESSAGE,
    PENDING_STATES,
    TERMINAL_STATES,
    Checkpoint,
    MessageRow,
    MessageState,
    NewMessage,
    Transition,
    append_transition,
    connect,
    message_row,
    move,
    normalized_id,
    state_of,
    translated_errors,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "TERMINAL_STATES",
    "Checkpoint",
    "MessageRow",
    "MessageState",
    "NewMessage",
    "Store",
    "Transition",
]

DEFAULT_BLOCK_WINDOW = 256
# Children before the messages they reference.
_CLEARED_TABLES = (
    "transitions",
    "attestations",
    "messages",
    "checkpoints",
    "recent_blocks",
    "mailboxes",
)

Clock = Callable[[], float]


class Store(FailedHandlers):
    """One connection to the state file, safe to share between threads."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Clock, block_window: int):
        """Use `Store.open`, which configures and migrates the connection first."""
        self.path = path
        self._conn = conn
        self._clock = clock
        self._block_window = block_window
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls, path: Path, clock: Clock = time.time, block_window: int = DEFAULT_BLOCK_WINDOW
    ) -> Store:
        """Open (creating if needed) the file at `path`; `block_window` is how many
        recent block hashes to keep per agent and chain for reorg detection."""
        return cls(connect(path), path, clock, block_window)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # messages: writes

    def record_seen(self, msg: NewMessage) -> bool:
        """Record a dispatched message; False when it is already known. An orphaned
        message seen again (re-mined after a reorg) returns to seen at its new block."""
        message_id = normalized_id(msg.id)
        block_hash, origin_tx = msg.origin_block_hash.lower(), msg.origin_tx.lower()
        columns = asdict(msg) | {
            "id": message_id,
            "origin_block_hash": block_hash,
            "origin_tx": origin_tx,
        }
        detail = f"block {msg.origin_block} {block_hash} tx {origin_tx}"
        with self._write() as conn:
            now = self._clock()
            row = conn.execute("SELECT state FROM messages WHERE id = ?", (message_id,)).fetchone()
            if row is not None and row["state"] != MessageState.ORPHANED:
                return False
            if row is None:
                conn.execute(INSERT_MESSAGE, columns | {"now": now})
                append_transition(conn, message_id, MessageState.SEEN, now, detail)
                return True
            conn.execute(
                "UPDATE messages SET origin_block = :origin_block, origin_tx = :origin_tx,"
                " origin_block_hash = :origin_block_hash, dispatched_at = :dispatched_at"
                " WHERE id = :id",
                columns,
            )
            move(conn, message_id, MessageState.SEEN, now, detail)
            return True

    def transition(self, message_id: str, to_state: MessageState, detail: str = "") -> None:
        """Move one message along the state machine; IllegalTransition if it may not."""
        message_id = normalized_id(message_id)
        with self._write() as conn:
            move(conn, message_id, MessageState(to_state), self._clock(), detail)

    def mark_submitted(self, message_ids: Iterable[str], tx_hash: str) -> None:
        """Record that one transaction carries all of `message_ids`: all or none move."""
        ids, tx_hash = [normalized_id(i) for i in message_ids], tx_hash.lower()
        with self._write() as conn:
            now = self._clock()
            for message_id in ids:
                move(conn, message_id, MessageState.SUBMITTED, now, f"tx {tx_hash}")
                conn.execute(
                    "UPDATE messages SET submit_tx = ? WHERE id = ?", (tx_hash, message_id)
                )

    def mark_delivered(self, message_id: str, detail: str = "") -> None:
        self.transition(message_id, MessageState.DELIVERED, detail)

    def mark_failed(self, message_id: str, reason: str) -> None:
        """The destination recorded MessageFailed: delivered, its handler to be rerun."""
        self._finish(message_id, MessageState.FAILED, reason)

    def dead_letter(self, message_id: str, error: str) -> None:
        """Give up on a message; `error` says why, for whoever looks at it later."""
        self._finish(message_id, MessageState.DEAD_LETTERED, error)

    def requeue(self, message_ids: Iterable[str], detail: str) -> None:
        """Give dead-lettered messages a fresh start: back to seen with no attempts
        counted, so the relayer delivers them in channel order again. All or none move."""
        ids = [normalized_id(i) for i in message_ids]
        with self._write() as conn:
            now = self._clock()
            for message_id in ids:
                move(conn, message_id, MessageState.SEEN, now, detail)
                conn.execute(
                    "UPDATE messages SET attempts = 0, next_attempt_at = ?, last_error = ''"
                    " WHERE id = ?",
                    (now, message_id),
                )

    def dead_letters(self, origin: int, destination: int) -> list[str]:
        """The dead-lettered messages of one channel, by nonce."""
        rows = self._read(
            "SELECT id FROM messages WHERE origin = ? AND destination = ? AND state = ?"
            " ORDER BY nonce",
            (origin, destination, MessageState.DEAD_LETTERED.value),
        )
        return [str(row[0]) for row in rows]

    def schedule_retry(self, message_id: str, error: str, delay_s: float) -> int:
        """Count a failed attempt and hold the message back for `delay_s`; a submitted
        message returns to attested. The timeline notes the retry either way.
        Returns the attempts so far, for the caller's dead-letter decision."""
        message_id = normalized_id(message_id)
        with self._write() as conn:
            now = self._clock()
            current = state_of(conn, message_id)
            if current not in (MessageState.ATTESTED, MessageState.SUBMITTED):
                raise IllegalTransition(message_id, current, MessageState.ATTESTED)
            attempts = int(
                conn.execute(
                    "UPDATE messages SET attempts = attempts + 1, next_attempt_at = ?,"
                    " last_error = ? WHERE id = ? RETURNING attempts",
                    (now + delay_s, error, message_id),
                ).fetchone()[0]
            )
            detail = f"attempt {attempts} failed, next in {delay_s:g}s: {error}"
            if current is MessageState.SUBMITTED:
                move(conn, message_id, MessageState.ATTESTED, now, detail)
            else:
                append_transition(conn, message_id, MessageState.ATTESTED, now, detail)
            return attempts

    def orphan_from_block(self, domain: int, block_number: int) -> list[str]:
        """Orphan every live message dispatched on `domain` at or after `block_number`
        (the first block of a fork); returns their ids in chain order."""
        with self._write() as conn:
            now = self._clock()
            rows = conn.execute(
                "SELECT id, state FROM messages WHERE origin = ? AND origin_block >= ?"
                " ORDER BY origin_block, nonce",
                (domain, block_number),
            ).fetchall()
            orphaned = [
                row["id"]
                for row in rows
                if MessageState.ORPHANED in ALLOWED_TRANSITIONS[MessageState(row["state"])]
            ]
            detail = f"domain {domain} reorged from block {block_number}"
            for message_id in orphaned:
                move(conn, message_id, MessageState.ORPHANED, now, detail)
            return orphaned

    def add_attestation(self, message_id: str, validator: str, signature: bytes) -> bool:
        """Store a validator's signature; True when it is that validator's first for the
        message (a later one replaces it)."""
        message_id, validator = normalized_id(message_id), to_checksum_address(validator)
        with self._write() as conn:
            state_of(conn, message_id)
            known = conn.execute(
                "SELECT 1 FROM attestations WHERE message_id = ? AND validator = ?",
                (message_id, validator),
            ).fetchone()
            conn.execute(
                "INSERT INTO attestations (message_id, validator, signature, at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (message_id, validator)"
                " DO UPDATE SET signature = excluded.signature, at = excluded.at",
                (message_id, validator, signature, self._clock()),
            )
            return known is None

    # messages: reads

    def message(self, message_id: str) -> MessageRow | None:
        rows = self._read("SELECT * FROM messages WHERE id = ?", (normalized_id(message_id),))
        return message_row(rows[0]) if rows else None

    def timeline(self, message_id: str) -> list[Transition]:
        """Every state the message entered (and every retry), oldest first."""
        rows = self._read(
            "SELECT message_id, state, at, detail FROM transitions WHERE message_id = ?"
            " ORDER BY seq",
            (normalized_id(message_id),),
        )
        return [Transition(r[0], MessageState(r[1]), r[2], r[3]) for r in rows]

    def attestations(self, message_id: str) -> dict[str, bytes]:
        """Signatures by checksummed validator address."""
        rows = self._read(
            "SELECT validator, signature FROM attestations WHERE message_id = ? ORDER BY validator",
            (normalized_id(message_id),),
        )
        return {row[0]: row[1] for row in rows}

    def pending_by_channel(
        self, destination: int, per_channel: int | None = None
    ) -> dict[int, list[MessageRow]]:
        """Per origin, the messages to `destination` still to be delivered, by nonce:
        the order the mailbox accepts them in, at most `per_channel` of each (the
        lowest nonces), so a long backlog costs a round no more than a short one.
        Orphaned messages are not pending."""
        rows = self._read(
            "SELECT m.* FROM messages AS m JOIN (SELECT id, ROW_NUMBER() OVER"
            " (PARTITION BY origin ORDER BY nonce) AS place FROM messages"
            " WHERE destination = ? AND state IN (?, ?, ?)) AS p ON p.id = m.id"
            " WHERE ? IS NULL OR p.place <= ? ORDER BY m.origin, m.nonce",
            (destination, *(state.value for state in PENDING_STATES), per_channel, per_channel),
        )
        channels: dict[int, list[MessageRow]] = {}
        for row in rows:
            channels.setdefault(row["origin"], []).append(message_row(row))
        return channels

    def messages(self, limit: int, state: MessageState | None = None) -> list[MessageRow]:
        """The most recently seen messages, newest first, optionally in one state."""
        rows = self._read(
            "SELECT * FROM messages WHERE ?1 IS NULL OR state = ?1"
            " ORDER BY seen_at DESC, rowid DESC LIMIT ?2",
            (None if state is None else MessageState(state).value, limit),
        )
        return [message_row(row) for row in rows]

    def latencies(self, route: tuple[int, int] | None = None) -> list[float]:
        """Seconds from dispatch (the origin block's time, else when first seen) to
        delivery, of delivered messages on `route` (origin, destination) or all."""
        origin, destination = route if route is not None else (None, None)
        rows = self._read(
            "SELECT delivered_at - COALESCE(dispatched_at, seen_at) FROM messages"
            " WHERE state = ?1 AND (?2 IS NULL OR origin = ?2) AND (?3 IS NULL OR destination = ?3)"
            " ORDER BY delivered_at",
            (MessageState.DELIVERED.value, origin, destination),
        )
        return [float(row[0]) for row in rows]

    def counts_by_state(self) -> dict[str, int]:
        """Messages per state, every state present (zero included) for steady metrics."""
        counts = {state.value: 0 for state in MessageState}
        for state, count in self._read("SELECT state, COUNT(*) FROM messages GROUP BY state"):
            counts[state] = count
        return counts

    # the deployment

    def bind(self, mailboxes: Mapping[int, str]) -> None:
        """Tie the file to these mailboxes (domain → address) on first use; raise
        StoreOfAnotherDeployment when it already holds the messages of others."""
        wanted = {domain: address.lower() for domain, address in mailboxes.items()}
        with self._write() as conn:
            bound = {
                int(row[0]): str(row[1])
                for row in conn.execute("SELECT domain, address FROM mailboxes")
            }
            for domain, address in wanted.items():
                if bound.get(domain, address) != address:
                    raise StoreOfAnotherDeployment(self.path, domain, bound[domain], address)
            conn.executemany(
                "INSERT OR IGNORE INTO mailboxes (domain, address) VALUES (?, ?)",
                wanted.items(),
            )

    def clear(self) -> None:
        """Forget everything: messages, attestations, checkpoints and the binding."""
        with self._write() as conn:
            for table in _CLEARED_TABLES:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    # checkpoints and recent block hashes

    def save_checkpoint(self, agent: str, domain: int, block: int, block_hash: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO checkpoints (agent, domain, block, block_hash, saved_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (agent, domain) DO UPDATE SET"
                " block = excluded.block, block_hash = excluded.block_hash,"
                " saved_at = excluded.saved_at",
                (agent, domain, block, block_hash.lower(), self._clock()),
            )

    def checkpoint(self, agent: str, domain: int) -> Checkpoint | None:
        rows = self._read(
            "SELECT agent, domain, block, block_hash, saved_at FROM checkpoints"
            " WHERE agent = ? AND domain = ?",
            (agent, domain),
        )
        return Checkpoint(*rows[0]) if rows else None

    def remember_block(self, agent: str, domain: int, number: int, block_hash: str) -> None:
        """Keep a block's hash for reorg detection; only the newest `block_window`
        blocks per agent and chain are kept."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO recent_blocks (agent, domain, number, hash) VALUES (?1, ?2, ?3, ?4)"
                " ON CONFLICT (agent, domain, number) DO UPDATE SET hash = excluded.hash",
                (agent, domain, number, block_hash.lower()),
            )
            conn.execute(
                "DELETE FROM recent_blocks WHERE agent = ?1 AND domain = ?2 AND number <= ("
                " SELECT number FROM recent_blocks WHERE agent = ?1 AND domain = ?2"
                " ORDER BY number DESC LIMIT 1 OFFSET ?3)",
                (agent, domain, self._block_window),
            )

    def block_hash(self, agent: str, domain: int, number: int) -> str | None:
        rows = self._read(
            "SELECT hash FROM recent_blocks WHERE agent = ? AND domain = ? AND number = ?",
            (agent, domain, number),
        )
        return str(rows[0][0]) if rows else None

    def forget_blocks_from(self, agent: str, domain: int, number: int) -> None:
        """Drop remembered hashes of `number` and later, once they are known orphaned."""
        with self._write() as conn:
            conn.execute(
                "DELETE FROM recent_blocks WHERE agent = ? AND domain = ? AND number >= ?",
                (agent, domain, number),
            )

    # plumbing

    def _finish(self, message_id: str, to_state: MessageState, error: str) -> None:
        message_id = normalized_id(message_id)
        with self._write() as conn:
            move(conn, message_id, to_state, self._clock(), error)
            conn.execute("UPDATE messages SET last_error = ? WHERE id = ?", (error, message_id))

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE takes the write lock up front so the
        busy timeout applies, instead of failing when a read turns into a write."""
        with self._lock, translated_errors(self.path):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock, translated_errors(self.path):
            return self._conn.execute(sql, params).fetchall()
