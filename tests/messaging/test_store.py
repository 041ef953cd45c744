"""The agents' state file, against real SQLite files: the message state machine and
its timeline, reorg handling, retries, checkpoints, schema versions, concurrency."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import product
from pathlib import Path

import pytest

from relayer.errors import (
    IllegalTransition,
    StoreError,
    StoreOfAnotherDeployment,
    StoreTooNew,
    StoreUnavailable,
    UnknownMessage,
)
from relayer.messaging.store import (
    ALLOWED_TRANSITIONS,
    TERMINAL_STATES,
    MessageState,
    NewMessage,
    Store,
    Transition,
)
from relayer.messaging.store_schema import MIGRATIONS, SCHEMA_VERSION

S = MessageState
ORIGIN, DESTINATION, OTHER_DESTINATION = 31337, 31338, 31339
VALIDATOR_A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
VALIDATOR_B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"

# The state machine as the design states it, written out independently of the code.
DOCUMENTED_EDGES = {
    (S.SEEN, S.ATTESTED),
    (S.ATTESTED, S.SUBMITTED),
    (S.SUBMITTED, S.DELIVERED),
    (S.SUBMITTED, S.FAILED),
    (S.SUBMITTED, S.DEAD_LETTERED),
    (S.SUBMITTED, S.ATTESTED),
    (S.ATTESTED, S.DELIVERED),
    (S.ATTESTED, S.FAILED),
    (S.ATTESTED, S.DEAD_LETTERED),
    (S.SEEN, S.DEAD_LETTERED),
    (S.SEEN, S.DELIVERED),  # another relayer delivered it before we had a quorum
    (S.SEEN, S.FAILED),  # the same, and its handler failed
    (S.SEEN, S.ORPHANED),
    (S.ATTESTED, S.ORPHANED),
    (S.SUBMITTED, S.ORPHANED),
    (S.ORPHANED, S.SEEN),
    (S.DEAD_LETTERED, S.SEEN),  # an operator requeued it
    (S.FAILED, S.DELIVERED),  # its handler was rerun: by the relayer, or by hand
}
ILLEGAL_EDGES = sorted(set(product(S, S)) - DOCUMENTED_EDGES)

# How a freshly seen message reaches each state.
ROUTE_TO: dict[MessageState, list[MessageState]] = {
    S.SEEN: [],
    S.ATTESTED: [S.ATTESTED],
    S.SUBMITTED: [S.ATTESTED, S.SUBMITTED],
    S.DELIVERED: [S.ATTESTED, S.DELIVERED],
    S.FAILED: [S.ATTESTED, S.FAILED],
    S.DEAD_LETTERED: [S.DEAD_LETTERED],
    S.ORPHANED: [S.ORPHANED],
}


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def message_id(nonce: int, origin: int = ORIGIN, destination: int = DESTINATION) -> str:
    return f"0x{origin:016x}{destination:016x}{nonce:032x}"


def hash32(n: int) -> str:
    return f"0x{n:064x}"


def new_message(
    nonce: int,
    *,
    origin: int = ORIGIN,
    destination: int = DESTINATION,
    block: int = 10,
    priority: int = 0,
    dispatched_at: float | None = None,
) -> NewMessage:
    return NewMessage(
        id=message_id(nonce, origin, destination),
        origin=origin,
        destination=destination,
        nonce=nonce,
        sender="0x" + "11" * 20,
        recipient="0x" + "22" * 20,
        body=b"body-%d" % nonce,
        raw=b"raw-%d" % nonce,
        origin_block=block,
        origin_block_hash=hash32(block),
        origin_tx=hash32(10_000 + nonce),
        priority=priority,
        dispatched_at=dispatched_at,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "relay.sqlite"


@pytest.fixture
def store(path: Path, clock: FakeClock) -> Iterator[Store]:
    with Store.open(path, clock=clock) as opened:
        yield opened


def seen(store: Store, msg: NewMessage, *route: MessageState) -> str:
    """Record `msg` and walk it through `route`; returns its id."""
    assert store.record_seen(msg)
    for state in route:
        store.transition(msg.id, state)
    return msg.id


def state_of(store: Store, mid: str) -> MessageState:
    row = store.message(mid)
    assert row is not None
    return row.state


# the state machine


def test_the_state_machine_is_exactly_the_documented_one() -> None:
    edges = {(a, b) for a, nexts in ALLOWED_TRANSITIONS.items() for b in nexts}
    assert edges == DOCUMENTED_EDGES
    assert {S.DELIVERED, S.FAILED, S.DEAD_LETTERED} == TERMINAL_STATES


@pytest.mark.parametrize(("from_state", "to_state"), sorted(DOCUMENTED_EDGES))
def test_every_legal_transition_moves_the_message_and_is_timed(
    store: Store, clock: FakeClock, from_state: MessageState, to_state: MessageState
) -> None:
    mid = seen(store, new_message(0), *ROUTE_TO[from_state])
    at = clock.advance(5)

    store.transition(mid, to_state, "why")

    row = store.message(mid)
    assert row is not None
    assert row.state is to_state
    assert getattr(row, f"{to_state}_at") == at
    assert store.timeline(mid)[-1] == Transition(mid, to_state, at, "why")


@pytest.mark.parametrize(("from_state", "to_state"), ILLEGAL_EDGES)
def test_illegal_transitions_are_refused_and_change_nothing(
    store: Store, from_state: MessageState, to_state: MessageState
) -> None:
    mid = seen(store, new_message(0), *ROUTE_TO[from_state])
    before = (store.message(mid), store.timeline(mid))

    with pytest.raises(IllegalTransition, match=f"{mid} cannot go from {from_state} to {to_state}"):
        store.transition(mid, to_state)

    assert (store.message(mid), store.timeline(mid)) == before


def test_store_errors_share_one_family_and_exit_code(store: Store) -> None:
    with pytest.raises(UnknownMessage) as caught:
        store.transition(message_id(99), S.ATTESTED)
    assert isinstance(caught.value, StoreError)
    assert caught.value.exit_code == 6


def test_unknown_messages_read_as_absent_and_refuse_writes(store: Store) -> None:
    mid = message_id(99)
    assert store.message(mid) is None
    assert store.timeline(mid) == []
    assert store.attestations(mid) == {}
    with pytest.raises(UnknownMessage, match=mid):
        store.add_attestation(mid, VALIDATOR_A, b"sig")
    with pytest.raises(UnknownMessage):
        store.schedule_retry(mid, "boom", 1)


def test_ids_have_one_spelling_and_malformed_ones_are_rejected(store: Store) -> None:
    msg = new_message(0)
    assert store.record_seen(replace(msg, id="0x" + msg.id[2:].upper()))
    assert store.message(msg.id) is not None
    with pytest.raises(ValueError, match="64 hex digits"):
        store.message("0x1234")


# recording, timeline


def test_record_seen_is_idempotent(store: Store) -> None:
    msg = new_message(0)
    assert store.record_seen(msg) is True
    assert store.record_seen(msg) is False
    assert store.record_seen(new_message(0, block=99)) is False

    row = store.message(msg.id)
    assert row is not None
    assert (row.state, row.origin_block, row.body, row.raw) == (S.SEEN, 10, b"body-0", b"raw-0")
    assert len(store.timeline(msg.id)) == 1


def test_timeline_lists_every_step_in_order_with_its_time(store: Store, clock: FakeClock) -> None:
    mid = seen(store, new_message(0))
    store.transition(mid, S.ATTESTED, "quorum 2/3")
    clock.advance(1)
    store.mark_submitted([mid], hash32(0xAA))
    clock.advance(2)
    store.schedule_retry(mid, "replacement underpriced", 4)
    clock.advance(4)
    store.mark_submitted([mid], hash32(0xBB))
    clock.advance(3)
    store.mark_delivered(mid, "block 42")

    assert [(t.state, t.at) for t in store.timeline(mid)] == [
        (S.SEEN, 1000),
        (S.ATTESTED, 1000),
        (S.SUBMITTED, 1001),
        (S.ATTESTED, 1003),
        (S.SUBMITTED, 1007),
        (S.DELIVERED, 1010),
    ]
    details = [t.detail for t in store.timeline(mid)]
    assert details[0] == f"block 10 {hash32(10)} tx {hash32(10_000)}"
    assert details[3] == "attempt 1 failed, next in 4s: replacement underpriced"
    assert details[4:] == [f"tx {hash32(0xBB)}", "block 42"]
    row = store.message(mid)
    assert row is not None
    assert (row.seen_at, row.attested_at, row.submitted_at, row.delivered_at) == (
        1000,
        1003,
        1007,
        1010,
    )
    assert row.submit_tx == hash32(0xBB)


def test_a_batch_submission_moves_all_messages_or_none(store: Store) -> None:
    ready = seen(store, new_message(0), S.ATTESTED)
    not_ready = seen(store, new_message(1))

    with pytest.raises(IllegalTransition, match=f"{not_ready} cannot go from seen to submitted"):
        store.mark_submitted([ready, not_ready], hash32(1))

    row = store.message(ready)
    assert row is not None
    assert (row.state, row.submit_tx) == (S.ATTESTED, None)
    assert [t.state for t in store.timeline(ready)] == [S.SEEN, S.ATTESTED]


# reorgs


def test_a_reorg_orphans_live_messages_from_the_fork_block_on(store: Store) -> None:
    below = seen(store, new_message(0, block=10), S.ATTESTED)
    at_fork = seen(store, new_message(1, block=11))
    submitted = seen(store, new_message(2, block=12), S.ATTESTED, S.SUBMITTED)
    delivered = seen(store, new_message(3, block=12), S.ATTESTED, S.DELIVERED)
    other_chain = seen(store, new_message(0, origin=7, block=12))

    assert store.orphan_from_block(ORIGIN, 11) == [at_fork, submitted]

    assert state_of(store, below) is S.ATTESTED
    assert state_of(store, delivered) is S.DELIVERED
    assert state_of(store, other_chain) is S.SEEN
    assert store.timeline(submitted)[-1].detail == f"domain {ORIGIN} reorged from block 11"
    assert store.pending_by_channel(DESTINATION)[ORIGIN] == [store.message(below)]
    with pytest.raises(IllegalTransition, match="from orphaned to delivered"):
        store.mark_delivered(submitted)
    assert store.orphan_from_block(ORIGIN, 11) == []


def test_an_orphan_mined_again_is_seen_again_at_its_new_block(store: Store) -> None:
    mid = seen(store, new_message(0, block=12), S.ATTESTED)
    store.add_attestation(mid, VALIDATOR_A, b"sig-a")
    store.orphan_from_block(ORIGIN, 12)

    remined = new_message(0, block=14, dispatched_at=555.0)
    assert store.record_seen(remined) is True

    row = store.message(mid)
    assert row is not None
    assert (row.state, row.origin_block, row.origin_block_hash) == (S.SEEN, 14, hash32(14))
    assert row.dispatched_at == 555.0
    assert [t.state for t in store.timeline(mid)] == [S.SEEN, S.ATTESTED, S.ORPHANED, S.SEEN]
    assert store.attestations(mid) == {VALIDATOR_A: b"sig-a"}
    assert store.record_seen(remined) is False


# delivery queue


def test_a_retry_holds_the_message_back_for_its_delay(store: Store, clock: FakeClock) -> None:
    mid = seen(store, new_message(0), S.ATTESTED, S.SUBMITTED)

    assert store.schedule_retry(mid, "nonce too low", 10) == 1

    row = store.message(mid)
    assert row is not None
    assert (row.state, row.attempts, row.next_attempt_at) == (S.ATTESTED, 1, 1_010)
    assert row.last_error == "nonce too low"

    clock.advance(10)
    assert store.schedule_retry(mid, "gas estimation failed", 20) == 2
    assert state_of(store, mid) is S.ATTESTED
    assert [t.state for t in store.timeline(mid)][-2:] == [S.ATTESTED, S.ATTESTED]
    row = store.message(mid)
    assert row is not None
    assert row.next_attempt_at == 1_030


@pytest.mark.parametrize("state", [S.SEEN, S.DELIVERED, S.ORPHANED])
def test_only_attested_or_submitted_messages_can_be_retried(
    store: Store, state: MessageState
) -> None:
    mid = seen(store, new_message(0), *ROUTE_TO[state])
    with pytest.raises(IllegalTransition, match=f"from {state} to attested"):
        store.schedule_retry(mid, "boom", 1)
    row = store.message(mid)
    assert row is not None
    assert row.attempts == 0


def test_pending_by_channel_lists_each_origins_undelivered_messages_by_nonce(
    store: Store,
) -> None:
    seen(store, new_message(0, origin=1), S.ATTESTED, S.DELIVERED)
    one_2 = seen(store, new_message(2, origin=1))
    one_1 = seen(store, new_message(1, origin=1), S.ATTESTED, S.SUBMITTED)
    two_0 = seen(store, new_message(0, origin=2), S.ATTESTED)
    seen(store, new_message(1, origin=2), S.ORPHANED)
    seen(store, new_message(2, origin=2), S.DEAD_LETTERED)
    seen(store, new_message(0, origin=1, destination=OTHER_DESTINATION))

    channels = store.pending_by_channel(DESTINATION)

    assert {origin: [r.id for r in rows] for origin, rows in channels.items()} == {
        1: [one_1, one_2],
        2: [two_0],
    }


def test_dead_lettered_and_failed_messages_keep_their_reason_and_leave_the_queue(
    store: Store,
) -> None:
    given_up = seen(store, new_message(0), S.ATTESTED)
    store.schedule_retry(given_up, "reverted: gas", 0)
    store.dead_letter(given_up, "8 attempts: reverted: gas")
    handler_reverted = seen(store, new_message(1), S.ATTESTED, S.SUBMITTED)
    store.mark_failed(handler_reverted, "MessageFailed: InsufficientMargin()")

    assert store.pending_by_channel(DESTINATION) == {}
    for mid, state, reason in [
        (given_up, S.DEAD_LETTERED, "8 attempts: reverted: gas"),
        (handler_reverted, S.FAILED, "MessageFailed: InsufficientMargin()"),
    ]:
        row = store.message(mid)
        assert row is not None
        assert (row.state, row.last_error, store.timeline(mid)[-1].detail) == (
            state,
            reason,
            reason,
        )
    with pytest.raises(IllegalTransition):
        store.dead_letter(handler_reverted, "again")


def test_a_requeued_dead_letter_starts_afresh_and_is_pending_again(
    store: Store, clock: FakeClock
) -> None:
    first = seen(store, new_message(0), S.ATTESTED)
    for _ in range(3):
        store.schedule_retry(first, "MailboxPaused", 60)
    store.dead_letter(first, "gave up after 3 attempts")
    second = seen(store, new_message(1), S.DEAD_LETTERED)
    seen(store, new_message(0, destination=OTHER_DESTINATION), S.DEAD_LETTERED)
    assert store.dead_letters(ORIGIN, DESTINATION) == [first, second]

    clock.advance(5)
    store.requeue([first, second], "requeued by an operator")
    row = store.message(first)
    assert row is not None
    assert (row.state, row.attempts, row.next_attempt_at, row.last_error) == (
        S.SEEN,
        0,
        clock.now,
        "",
    )
    assert store.timeline(first)[-1] == Transition(
        first, S.SEEN, clock.now, "requeued by an operator"
    )
    assert [r.id for r in store.pending_by_channel(DESTINATION)[ORIGIN]] == [first, second]
    assert store.dead_letters(ORIGIN, DESTINATION) == []


def test_requeue_moves_all_or_none(store: Store) -> None:
    dead = seen(store, new_message(0), S.DEAD_LETTERED)
    delivered = seen(store, new_message(1), S.ATTESTED, S.DELIVERED)
    with pytest.raises(IllegalTransition):
        store.requeue([dead, delivered], "requeue")
    assert state_of(store, dead) is S.DEAD_LETTERED


# attestations


def test_attestations_are_kept_per_validator_under_checksummed_addresses(store: Store) -> None:
    mid = seen(store, new_message(0))

    assert store.add_attestation(mid, VALIDATOR_A.lower(), b"first") is True
    assert store.add_attestation(mid, VALIDATOR_B, b"sig-b") is True
    assert store.add_attestation(mid, VALIDATOR_A, b"second") is False

    assert store.attestations(mid) == {VALIDATOR_A: b"second", VALIDATOR_B: b"sig-b"}
    with pytest.raises(ValueError, match="0x1234"):
        store.add_attestation(mid, "0x1234", b"sig")


# CLI and metrics views


def test_messages_lists_newest_first_optionally_by_state(store: Store, clock: FakeClock) -> None:
    first = seen(store, new_message(0), S.ATTESTED)
    clock.advance(1)
    second = seen(store, new_message(1))
    clock.advance(1)
    third = seen(store, new_message(2), S.ATTESTED)

    assert [r.id for r in store.messages(10)] == [third, second, first]
    assert [r.id for r in store.messages(2)] == [third, second]
    assert [r.id for r in store.messages(10, state=S.ATTESTED)] == [third, first]


def test_latencies_count_from_dispatch_time_when_known_else_first_seen(
    store: Store, clock: FakeClock
) -> None:
    timed = seen(store, new_message(0, dispatched_at=998.0), S.ATTESTED)
    untimed = seen(store, new_message(1), S.ATTESTED)
    other_route = seen(store, new_message(0, origin=5), S.ATTESTED)
    seen(store, new_message(2), S.ATTESTED)
    clock.advance(3)
    store.mark_delivered(timed)
    clock.advance(1)
    store.mark_delivered(untimed)
    store.mark_delivered(other_route)

    assert store.latencies((ORIGIN, DESTINATION)) == [5.0, 4.0]
    assert store.latencies() == [5.0, 4.0, 4.0]
    assert store.latencies((5, DESTINATION)) == [4.0]
    assert store.latencies((DESTINATION, ORIGIN)) == []


def test_counts_by_state_reports_every_state(store: Store) -> None:
    assert store.counts_by_state() == dict.fromkeys(S, 0)
    seen(store, new_message(0), S.ATTESTED)
    seen(store, new_message(1), S.ATTESTED)
    seen(store, new_message(2), S.ORPHANED)

    counts = store.counts_by_state()

    assert (counts["attested"], counts["orphaned"], counts["seen"], sum(counts.values())) == (
        2,
        1,
        0,
        3,
    )


# checkpoints


def test_checkpoints_are_per_agent_and_chain_and_may_move_back(
    store: Store, clock: FakeClock
) -> None:
    assert store.checkpoint("relayer", ORIGIN) is None
    store.save_checkpoint("relayer", ORIGIN, 100, hash32(100).upper().replace("X", "x"))
    store.save_checkpoint("validator-0", ORIGIN, 7, hash32(7))
    clock.advance(1)
    store.save_checkpoint("relayer", DESTINATION, 50, hash32(50))

    checkpoint = store.checkpoint("relayer", ORIGIN)
    assert checkpoint is not None
    assert (checkpoint.block, checkpoint.block_hash, checkpoint.saved_at) == (
        100,
        hash32(100),
        1000,
    )

    store.save_checkpoint("relayer", ORIGIN, 95, "")
    checkpoint = store.checkpoint("relayer", ORIGIN)
    assert checkpoint is not None
    assert (checkpoint.block, checkpoint.block_hash) == (95, "")
    other = store.checkpoint("validator-0", ORIGIN)
    assert other is not None
    assert other.block == 7


def test_only_the_newest_block_hashes_are_remembered(path: Path) -> None:
    with Store.open(path, block_window=4) as store:
        store.remember_block("other-agent", ORIGIN, 1, hash32(1))
        for number in range(1, 11):
            store.remember_block("relayer", ORIGIN, number, hash32(number))
        store.remember_block("relayer", ORIGIN, 10, hash32(0xF10))

        remembered = {n: store.block_hash("relayer", ORIGIN, n) for n in range(1, 11)}
        assert remembered == {n: (hash32(n) if n > 6 else None) for n in range(1, 10)} | {
            10: hash32(0xF10)
        }
        assert store.block_hash("other-agent", ORIGIN, 1) == hash32(1)


def test_forgetting_blocks_drops_the_fork_and_everything_after_it(store: Store) -> None:
    for number in range(1, 6):
        store.remember_block("relayer", ORIGIN, number, hash32(number))
        store.remember_block("relayer", DESTINATION, number, hash32(number))

    store.forget_blocks_from("relayer", ORIGIN, 4)

    assert [store.block_hash("relayer", ORIGIN, n) for n in range(1, 6)] == [
        hash32(1),
        hash32(2),
        hash32(3),
        None,
        None,
    ]
    assert store.block_hash("relayer", DESTINATION, 5) == hash32(5)


# the file


def test_a_new_file_is_in_wal_mode_at_the_current_schema_version(store: Store, path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_a_file_from_a_newer_crossflow_is_refused(path: Path) -> None:
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()

    with pytest.raises(StoreTooNew, match="made by a newer crossflow") as caught:
        Store.open(path)
    assert f"schema version {SCHEMA_VERSION + 1}" in caught.value.message


def test_a_file_that_is_not_a_database_is_reported_as_ours(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not sqlite" * 100)

    with pytest.raises(StoreUnavailable, match=str(path)):
        Store.open(path)


def test_everything_survives_close_and_reopen(path: Path, clock: FakeClock) -> None:
    with Store.open(path, clock=clock) as store:
        mid = seen(store, new_message(0, priority=3), S.ATTESTED)
        store.add_attestation(mid, VALIDATOR_A, b"sig")
        store.schedule_retry(mid, "dropped", 30)
        store.save_checkpoint("relayer", ORIGIN, 12, hash32(12))
        store.remember_block("relayer", ORIGIN, 12, hash32(12))
        before = (store.message(mid), store.timeline(mid))

    with Store.open(path, clock=clock) as store:
        assert (store.message(mid), store.timeline(mid)) == before
        assert store.attestations(mid) == {VALIDATOR_A: b"sig"}
        checkpoint = store.checkpoint("relayer", ORIGIN)
        assert checkpoint is not None
        assert checkpoint.block == 12
        assert store.block_hash("relayer", ORIGIN, 12) == hash32(12)


# concurrency


def run_in_threads(workers: list[Callable[[], None]]) -> list[BaseException]:
    """Start all workers at once; returns what any of them raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def run(work: Callable[[], None]) -> None:
        try:
            start.wait()
            work()
        except BaseException as err:  # reported to the test thread, which asserts none
            errors.append(err)

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_agents_open_a_fresh_file_at_the_same_time(path: Path) -> None:
    def open_and_close() -> None:
        Store.open(path).close()

    assert run_in_threads([open_and_close] * 8) == []
    with Store.open(path) as store:
        assert store.counts_by_state() == dict.fromkeys(S, 0)


def test_two_stores_on_one_file_write_concurrently_without_lock_errors(path: Path) -> None:
    per_writer = 150
    Store.open(path).close()

    def writer(origin: int) -> Callable[[], None]:
        def work() -> None:
            with Store.open(path) as store:
                for nonce in range(per_writer):
                    mid = seen(store, new_message(nonce, origin=origin), S.ATTESTED)
                    store.add_attestation(mid, VALIDATOR_A, b"sig")
                    store.remember_block(f"agent-{origin}", origin, nonce, hash32(nonce))
                    store.save_checkpoint(f"agent-{origin}", origin, nonce, hash32(nonce))

        return work

    def reader() -> None:
        with Store.open(path) as store:
            for _ in range(per_writer):
                store.counts_by_state()
                store.pending_by_channel(DESTINATION, per_channel=50)

    assert run_in_threads([writer(1), writer(2), reader]) == []
    with Store.open(path) as store:
        assert store.counts_by_state()["attested"] == 2 * per_writer
        assert {
            origin: len(rows) for origin, rows in store.pending_by_channel(DESTINATION).items()
        } == {
            1: per_writer,
            2: per_writer,
        }


def test_one_store_can_be_shared_by_threads(store: Store) -> None:
    def writer(origin: int) -> Callable[[], None]:
        def work() -> None:
            for nonce in range(50):
                seen(store, new_message(nonce, origin=origin), S.ATTESTED, S.SUBMITTED)

        return work

    assert run_in_threads([writer(origin) for origin in range(1, 5)]) == []
    assert store.counts_by_state()["submitted"] == 200


def test_pending_by_channel_windows_each_channel_to_its_lowest_nonces(tmp_path: Path) -> None:
    with Store.open(tmp_path / "window.sqlite") as store:
        for origin in (1, 2):
            for nonce in range(5):
                store.record_seen(
                    NewMessage(
                        id="0x" + f"{origin:02x}{nonce:062x}",
                        origin=origin,
                        destination=9,
                        nonce=nonce,
                        sender="0x" + "11" * 20,
                        recipient="0x" + "22" * 20,
                        body=b"",
                        raw=b"",
                        origin_block=nonce,
                        origin_block_hash="0x" + "33" * 32,
                        origin_tx="0x" + "44" * 32,
                    )
                )
        window = store.pending_by_channel(9, per_channel=2)
        assert {o: [r.nonce for r in rows] for o, rows in window.items()} == {1: [0, 1], 2: [0, 1]}
        everything = store.pending_by_channel(9)
        assert {o: len(rows) for o, rows in everything.items()} == {1: 5, 2: 5}


# the deployment


def test_a_file_belongs_to_the_mailboxes_it_was_first_used_with(store: Store) -> None:
    store.bind({ORIGIN: "0x" + "aa" * 20, DESTINATION: "0x" + "BB" * 20})
    store.bind({ORIGIN: "0x" + "AA" * 20})  # the same deployment, any spelling
    store.bind({OTHER_DESTINATION: "0x" + "cc" * 20})  # a chain added to it
    with pytest.raises(StoreOfAnotherDeployment) as caught:
        store.bind({DESTINATION: "0x" + "dd" * 20})  # a redeployed mailbox
    assert caught.value.exit_code == StoreError.exit_code
    assert "move this one away" in str(caught.value)


def test_clearing_a_file_forgets_its_messages_and_its_deployment(store: Store) -> None:
    seen(store, new_message(0), S.ATTESTED)
    store.save_checkpoint("indexer", ORIGIN, 10, hash32(10))
    store.bind({DESTINATION: "0x" + "bb" * 20})
    store.clear()
    assert store.messages(limit=10) == []
    assert store.checkpoint("indexer", ORIGIN) is None
    store.bind({DESTINATION: "0x" + "dd" * 20})


def test_a_first_version_file_is_migrated_and_keeps_its_messages(path: Path) -> None:
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        mid = seen(store, new_message(0))
        store.bind({DESTINATION: "0x" + "bb" * 20})
        assert state_of(store, mid) is S.SEEN
