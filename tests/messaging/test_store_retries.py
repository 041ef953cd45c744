"""The state file's queue of failed handlers, against real SQLite files: which
failed messages are due for a rerun, how a rerun that did not pass holds one back,
how a successful one settles it, and how an older file gains the queue."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from relayer.messaging.store import MessageState, Store
from relayer.messaging.store_schema import MIGRATIONS
from tests.messaging.test_store import (
    DESTINATION,
    OTHER_DESTINATION,
    FakeClock,
    new_message,
    seen,
)

S = MessageState


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    with Store.open(tmp_path / "relay.sqlite", clock=clock) as opened:
        yield opened


def failed(store: Store, nonce: int, destination: int = DESTINATION) -> str:
    mid = seen(store, new_message(nonce, destination=destination), S.ATTESTED)
    store.mark_failed(mid, "handler reverted: Exhausted()")
    return mid


def due(store: Store, limit: int = 10) -> list[str]:
    return [row.id for row in store.failed_due(DESTINATION, limit)]


def test_failed_handlers_are_due_at_once_per_destination_lowest_nonce_first(store: Store) -> None:
    later, earlier = failed(store, 1), failed(store, 0)
    failed(store, 0, destination=OTHER_DESTINATION)
    seen(store, new_message(2), S.ATTESTED)  # pending, not failed
    assert due(store) == [earlier, later]
    assert due(store, limit=1) == [earlier]


def test_a_rerun_that_would_revert_counts_and_holds_the_message_back(
    store: Store, clock: FakeClock
) -> None:
    mid = failed(store, 0)
    assert store.postpone_handler_retry(mid, 5.0, "still reverts: Exhausted()") == 1
    assert due(store) == []
    row = store.message(mid)
    assert row is not None
    assert (row.state, row.handler_retries, row.next_handler_retry_at, row.last_error) == (
        S.FAILED,
        1,
        clock.now + 5.0,
        "still reverts: Exhausted()",
    )
    assert row.attempts == 0  # delivery attempts are another count
    clock.advance(5.0)
    assert due(store) == [mid]
    assert store.postpone_handler_retry(mid, 1.0, None) == 1  # a pause: nothing counted
    row = store.message(mid)
    assert row is not None
    assert row.last_error == "still reverts: Exhausted()"


def test_a_successful_rerun_delivers_the_message_once(store: Store) -> None:
    mid = failed(store, 0)
    assert store.mark_rerun(mid, "handler rerun by the relayer in tx 0xab")
    assert not store.mark_rerun(mid, "handler rerun by an operator in tx 0xcd")
    row = store.message(mid)
    assert row is not None
    assert row.state is S.DELIVERED
    assert [t.detail for t in store.timeline(mid) if t.state is S.DELIVERED] == [
        "handler rerun by the relayer in tx 0xab"
    ]
    assert store.postpone_handler_retry(mid, 1.0, "late") is None
    assert due(store) == []


def test_a_second_version_file_gains_the_queue_and_keeps_its_failed_messages(
    tmp_path: Path,
) -> None:
    path = tmp_path / "relay.sqlite"
    with Store.open(path) as store:
        mid = failed(store, 0)
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX messages_failed_due")
    conn.execute("ALTER TABLE messages DROP COLUMN handler_retries")
    conn.execute("ALTER TABLE messages DROP COLUMN next_handler_retry_at")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) - 1}")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert due(store) == [mid]
        row = store.message(mid)
        assert row is not None
        assert (row.state, row.handler_retries) == (S.FAILED, 0)
