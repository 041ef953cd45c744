"""The state file's queue of failed handlers: messages the destination mailbox
delivered but whose handler reverted (state failed). The channel has moved past
them; the relayer reruns each with `Mailbox.retry` on a backoff of its own until
one rerun succeeds, and an operator may rerun one by hand at any time."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from relayer.messaging.store_schema import (
    MessageRow,
    MessageState,
    message_row,
    move,
    normalized_id,
    state_of,
)


class _StoreCore(Protocol):
    """What the queue needs of `Store`: its clock and its one-transaction helpers."""

    _clock: Callable[[], float]

    def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def _read(self, sql: str, params: tuple[Any, ...] = ...) -> list[sqlite3.Row]: ...


class FailedHandlers:
    """Mixed into `Store`; every method is one transaction."""

    def failed_due(self: _StoreCore, destination: int, limit: int) -> list[MessageRow]:
        """Failed messages to `destination` whose next rerun is due, soonest due first
        (the lowest nonce first among equals), at most `limit`."""
        rows = self._read(
            "SELECT * FROM messages WHERE destination = ? AND state = 'failed'"
            " AND next_handler_retry_at <= ? ORDER BY next_handler_retry_at, origin, nonce"
            " LIMIT ?",
            (destination, self._clock(), limit),
        )
        return [message_row(row) for row in rows]

    def postpone_handler_retry(
        self: _StoreCore, message_id: str, delay_s: float, error: str | None
    ) -> int | None:
        """Hold a failed message's next rerun back for `delay_s`. With an `error` (the
        rerun would revert, or its transaction did) the rerun counts and the error is
        kept; without one (the mailbox is paused) nothing is counted. Returns the reruns
        counted so far; None when the message is no longer failed."""
        message_id = normalized_id(message_id)
        with self._write() as conn:
            found = conn.execute(
                "UPDATE messages SET next_handler_retry_at = :at,"
                " handler_retries = handler_retries + :counted,"
                " last_error = COALESCE(:error, last_error)"
                " WHERE id = :id AND state = 'failed' RETURNING handler_retries",
                {
                    "at": self._clock() + delay_s,
                    "counted": int(error is not None),
                    "error": error,
                    "id": message_id,
                },
            ).fetchone()
            return None if found is None else int(found[0])

    def mark_rerun(self: _StoreCore, message_id: str, detail: str) -> bool:
        """A failed message whose handler has now run: delivered. False, and nothing
        changes, when it is no longer failed (whoever reran it first recorded it)."""
        message_id = normalized_id(message_id)
        with self._write() as conn:
            if state_of(conn, message_id) is not MessageState.FAILED:
                return False
            move(conn, message_id, MessageState.DELIVERED, self._clock(), detail)
            return True
