"""The relayer's delivery side: per destination, take each channel's attested
messages in nonce order, batch them into `processBatch` within the bounds of
`relayer.messaging.destination`, send, and settle every message from the receipt's events.

Nothing a single party does may halt a channel. Signatures are verified before a
quorum is built, so a faulty validator is passed over; a batch too big for the
node or the block shrinks instead of failing forever; a paused mailbox is waited
out without counting attempts. Other errors are retryable (backoff, bounded
attempts, then dead letter) or fatal (dead letter at once); a dead letter waits
for an operator's `crossflow messages requeue`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode
from eth_utils.crypto import keccak
from hexbytes import HexBytes

from relayer.chains.chain import NODE_ERRORS
from relayer.chains.tx import raw_receipt
from relayer.errors import DeliveryError, TransactionReverted
from relayer.messaging.attestation import quorum
from relayer.messaging.destination import (
    BATCH_CALLDATA_OVERHEAD,
    BatchTooLarge,
    Destination,
    message_calldata_bytes,
    process_batch_calldata,
    too_big_for_node,
)
from relayer.messaging.faults import FaultInjector
from relayer.messaging.message import route_label
from relayer.messaging.metrics import RelayMetrics
from relayer.messaging.revert_reasons import RevertReasons
from relayer.messaging.signature_audit import SignatureAudit
from relayer.messaging.store import MessageRow, MessageState, Store
from relayer.settings import RelaySettings

log = logging.getLogger(__name__)
_MESSAGE_FAILED = "0x" + keccak(b"MessageFailed(bytes32,bytes)").hex()
_MESSAGE_SKIPPED = "0x" + keccak(b"MessageSkipped(bytes32)").hex()
RECEIPT_TIMEOUT_S = 30

# Reverts that a later attempt can get past once the relayer refreshes its view.
STALE_VIEW_ERRORS = {
    "QuorumNotMet",
    "QuorumSignerNotMember",
    "MailboxInsufficientGas",
}


@dataclass(frozen=True)
class Batch:
    destination: Destination
    messages: list[MessageRow]
    signatures: list[list[bytes]]


class Relayer:
    def __init__(
        self,
        destinations: Sequence[Destination],
        store: Store,
        settings: RelaySettings,
        *,
        faults: FaultInjector,
        metrics: RelayMetrics,
        reasons: RevertReasons | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.destinations = list(destinations)
        self.reasons = reasons or RevertReasons()
        self.store = store
        self.settings = settings
        self.faults = faults
        self.metrics = metrics
        self.clock = clock
        self._random = random.Random(settings.faults.seed)  # noqa: S311 - backoff jitter
        self.audit = SignatureAudit(metrics)

    def reconcile(self, destination: Destination) -> None:
        """Settle messages left `submitted` with no receipt (a restart, a node that
        went away): delivered or failed if the chain says so, else back in line. A
        resend of one that is in fact still pending is skipped by the mailbox, never
        run twice."""
        for rows in self.store.pending_by_channel(destination.domain).values():
            for row in rows:
                if row.state is not MessageState.SUBMITTED:
                    continue
                if destination.mailbox.functions.delivered(row.id).call():
                    self._settle_from_chain(destination, row, "found delivered on chain")
                else:
                    self.store.transition(row.id, MessageState.ATTESTED, "no receipt; resend")
        destination.unsettled = False

    def tick(self) -> int:
        """One delivery round over every destination; returns messages settled."""
        batches: list[Batch] = []
        for destination in self.destinations:
            if self.clock() < destination.paused_until:
                continue
            try:
                if self._waiting_out_pause(destination):
                    continue
                if destination.unsettled:
                    self.reconcile(destination)
                batches += self._plan(destination)
            except NODE_ERRORS as err:
                self._node_trouble(destination, err)
        return self._submit(self.faults.apply(batches))

    def _waiting_out_pause(self, destination: Destination) -> bool:
        """While a destination's mailbox is paused nothing can be delivered there, and
        that is no message's fault: ask again now and then, and resume in order."""
        if not destination.paused:
            return False
        if destination.mailbox.functions.paused().call():
            destination.paused_until = self.clock() + self.settings.backoff_base
            return True
        destination.paused = False
        self.metrics.paused.labels(str(destination.domain)).set(0)
        log.warning("destination %s resumed: delivering again", destination.domain)
        return False

    def _pause_seen(self, destination: Destination) -> None:
        if not destination.paused:
            log.warning(
                "destination %s is paused: waiting until it resumes; no attempts are counted",
                destination.domain,
            )
        destination.paused = True
        destination.paused_until = self.clock() + self.settings.backoff_base
        self.metrics.paused.labels(str(destination.domain)).set(1)

    def _plan(self, destination: Destination) -> list[Batch]:
        # Rows below the expected nonce (settled here) can take places in the
        # window; they are gone by the next round.
        channels = self.store.pending_by_channel(destination.domain, 2 * self.settings.batch_size)
        missing = [origin for origin in channels if origin not in destination.members]
        if missing:
            destination.refresh(missing)
        now = self.clock()
        # One batch per channel per round: a second one would be estimated against a
        # state without the first (unmined on a chain with block times) and fail
        # on the nonce order. The most urgent channels go first.
        batches = [self._channel_batch(destination, o, rows, now) for o, rows in channels.items()]
        ready = [batch for batch in batches if batch.messages]
        return sorted(ready, key=lambda batch: -max(row.priority for row in batch.messages))

    def _channel_batch(
        self, destination: Destination, origin: int, rows: list[MessageRow], now: float
    ) -> Batch:
        """The channel's messages that can go now: consecutive nonces from the next one
        the mailbox expects, each with a verified quorum, none held back by backoff or
        delay, within the channel's batch cap and the calldata bound."""
        members, threshold = destination.members[origin]
        expected = destination.inbound_nonce.get(origin, 0)
        limit = destination.batch_cap.get(origin, self.settings.batch_size)
        calldata = BATCH_CALLDATA_OVERHEAD
        batch = Batch(destination, [], [])
        for row in rows:
            if len(batch.messages) >= limit:
                break
            if row.nonce < expected:
                if row.state is not MessageState.SUBMITTED:
                    self._settle_from_chain(destination, row, "delivered by another relayer")
                continue
            seen_at = row.seen_at or now
            held = row.next_attempt_at > now or seen_at + self.faults.delay(_route(row)) > now
            if row.nonce != expected or row.state is MessageState.SUBMITTED or held:
                break
            found = quorum(
                destination.attestation_domain,
                row.id,
                self.store.attestations(row.id),
                members,
                threshold,
            )
            self.audit.report(destination.domain, row.id, found.invalid)
            if found.signatures is None:
                if not found.possible:
                    self._dead_letter(
                        row,
                        f"no quorum possible: {threshold} of {len(members)} validators must"
                        f" sign and these signatures are invalid: {', '.join(found.invalid)}",
                    )
                break
            calldata += message_calldata_bytes(len(row.raw), len(found.signatures))
            if calldata > self.settings.max_tx_bytes:
                if not batch.messages:
                    self._cannot_fit(row, f"{calldata} bytes of calldata > relay.max_tx_bytes")
                break
            if row.state is MessageState.SEEN:
                self.store.transition(row.id, MessageState.ATTESTED, f"quorum {threshold}")
            batch.messages.append(row)
            batch.signatures.append(found.signatures)
            expected += 1
        return batch

    def _submit(self, batches: list[Batch]) -> int:
        sent: list[tuple[Batch, HexBytes]] = []
        for batch in batches:
            ids = [row.id for row in batch.messages]
            if any(self._state(i) is not MessageState.ATTESTED for i in ids):
                self._duplicate_submission(batch)
                continue
            try:
                tx_hash = self._send(batch)
            except TransactionReverted as err:
                self._handle_revert(batch, err)
                continue
            except BatchTooLarge as err:
                self._too_large(batch, err)
                continue
            except (*NODE_ERRORS, DeliveryError) as err:
                if too_big_for_node(err):
                    self._too_large(batch, BatchTooLarge(len(ids), str(err)[:200]))
                else:
                    self._node_trouble(batch.destination, err)
                continue
            self.store.mark_submitted(ids, tx_hash.to_0x_hex())
            self.metrics.messages.labels(_route(batch.messages[0]), "submitted").inc(len(ids))
            sent.append((batch, tx_hash))
        return sum(self._settle(batch, tx_hash) for batch, tx_hash in sent)

    def _send(self, batch: Batch) -> HexBytes:
        destination = batch.destination
        mailbox, sender = destination.mailbox, destination.sender
        data = process_batch_calldata([row.raw for row in batch.messages], batch.signatures)
        reserve = destination.handler_reserve()
        gas = sender.estimate_data(mailbox.address, data, mailbox.abi, reserve)
        budget = destination.gas_budget(self.settings.block_gas_share)
        if gas > budget:
            count = len(batch.messages)
            raise BatchTooLarge(
                count, f"gas limit {gas} > {budget} (relay.block_gas_share)", count * budget // gas
            )
        return sender.send_data(mailbox.address, data, gas)

    def _too_large(self, batch: Batch, err: BatchTooLarge) -> None:
        """Not the messages' fault, so no attempt counts: the channel's next batches
        are smaller. A message too large alone cannot be delivered as configured."""
        if len(batch.messages) == 1:
            self._cannot_fit(batch.messages[0], str(err))
            return
        origin = batch.messages[0].origin
        cap = batch.destination.shrink(origin, err)
        log.info("route %s: %s; batches capped at %d", _route(batch.messages[0]), err, cap)

    def _cannot_fit(self, row: MessageRow, why: str) -> None:
        self._dead_letter(
            row, f"fits no batch ({why}); raise relay.max_tx_bytes or relay.block_gas_share"
        )

    def _duplicate_submission(self, batch: Batch) -> None:
        """A fault-injected copy of a batch already sent: it must be harmless."""
        try:
            tx_hash = self._send(batch)
        except (*NODE_ERRORS, DeliveryError):
            return
        raw_receipt(batch.destination.sender.web3, tx_hash, RECEIPT_TIMEOUT_S)

    def _settle(self, batch: Batch, tx_hash: HexBytes) -> int:
        destination = batch.destination
        try:
            receipt = raw_receipt(destination.sender.web3, tx_hash, RECEIPT_TIMEOUT_S)
        except (*NODE_ERRORS, TimeoutError) as err:
            # Not the messages' fault: they stay submitted until the chain answers.
            destination.unsettled = True
            self._node_trouble(destination, err)
            return 0
        if int(receipt["status"], 16) != 1:
            destination.exact_estimates = True  # a state change made our limit short
            destination.refresh(sorted({row.origin for row in batch.messages}))
            reason = f"processBatch reverted in {tx_hash.to_0x_hex()}"
            paused = bool(destination.mailbox.functions.paused().call())
            for row in batch.messages:
                if paused:
                    self.store.transition(row.id, MessageState.ATTESTED, f"{reason}: paused")
                else:
                    self._retry(row, reason)
            if paused:
                self._pause_seen(destination)
            return 0
        return self._settle_events(batch, receipt)

    def _settle_events(self, batch: Batch, receipt: dict[str, Any]) -> int:
        mailbox = batch.destination.mailbox.address.lower()
        ours = [log for log in receipt["logs"] if log["address"].lower() == mailbox]
        failed = {
            log["topics"][1]: log["data"] for log in ours if log["topics"][0] == _MESSAGE_FAILED
        }
        skipped = {log["topics"][1] for log in ours if log["topics"][0] == _MESSAGE_SKIPPED}
        settled = 0
        for row in batch.messages:
            if row.id in failed:
                (reason,) = decode(["bytes"], bytes.fromhex(failed[row.id][2:]))
                self._settle_failed(row, bytes(reason))
            elif row.id in skipped:  # its handler may have failed under another relayer
                self._settle_from_chain(batch.destination, row, "delivered by another relayer")
            else:
                self._settle_delivered(row, f"tx {receipt['transactionHash']}")
            batch.destination.inbound_nonce[row.origin] = row.nonce + 1
            settled += 1
        origin = batch.messages[0].origin
        batch.destination.grow(origin, len(batch.messages), self.settings.batch_size)
        return settled

    def _settle_from_chain(self, destination: Destination, row: MessageRow, detail: str) -> None:
        """A message delivered without a receipt of ours: the mailbox says whether
        its handler failed."""
        if destination.mailbox.functions.failed(row.id).call():
            self._settle_failed(row, None)
        else:
            self._settle_delivered(row, detail)

    def _settle_failed(self, row: MessageRow, reason: bytes | None) -> None:
        if reason is None:
            why = "handler failed (found on chain)"
        elif reason:
            why = "handler reverted: " + self.reasons.describe(reason)
        else:
            why = "handler reverted without a reason, maybe out of gas"
        self.store.mark_failed(
            row.id,
            f"{why}; the relayer reruns it once a simulated retry passes; with more gas:"
            f" `crossflow messages retry {row.id} --gas N`",
        )
        self.metrics.messages.labels(_route(row), "failed").inc()

    def _settle_delivered(self, row: MessageRow, detail: str) -> None:
        self.store.mark_delivered(row.id, detail)
        route = _route(row)
        self.metrics.messages.labels(route, "delivered").inc()
        if row.seen_at is not None:
            self.metrics.latency.labels(route).observe(max(0.0, self.clock() - row.seen_at))

    def _handle_revert(self, batch: Batch, err: TransactionReverted) -> None:
        reason = err.reason
        if reason == "MailboxNonceOutOfOrder":
            # Our view of the channel was behind (another relayer delivered): the
            # messages did nothing wrong, so no attempt is counted.
            batch.destination.refresh(sorted({row.origin for row in batch.messages}))
            return
        if reason == "MailboxPaused":
            self._pause_seen(batch.destination)
            return
        if reason in STALE_VIEW_ERRORS:
            batch.destination.refresh(sorted({row.origin for row in batch.messages}))
            for row in batch.messages:
                self._retry(row, reason)
            return
        if len(batch.messages) > 1:
            # Find the culprit: each message alone, in order, so the rest can still go.
            for row, signatures in zip(batch.messages, batch.signatures, strict=True):
                single = Batch(batch.destination, [row], [signatures])
                mailbox = single.destination.mailbox
                try:
                    single.destination.sender.estimate_data(
                        mailbox.address,
                        process_batch_calldata([row.raw], [signatures]),
                        mailbox.abi,
                    )
                except TransactionReverted as single_err:
                    self._handle_revert(single, single_err)
                    return
            return
        self._dead_letter(batch.messages[0], f"fatal revert: {reason}")

    def _retry(self, row: MessageRow, error: str) -> None:
        attempts = self.store.schedule_retry(row.id, error, self._backoff(row.attempts + 1))
        if attempts >= self.settings.max_attempts:
            self._dead_letter(row, f"gave up after {attempts} attempts: {error}")

    def _dead_letter(self, row: MessageRow, error: str) -> None:
        self.store.dead_letter(row.id, error)
        self.metrics.messages.labels(_route(row), "dead_lettered").inc()
        log.error(
            "message %s (%s nonce %d) dead-lettered: %s; its channel waits for"
            " `crossflow messages requeue %s`",
            row.id,
            _route(row),
            row.nonce,
            error,
            row.id,
        )

    def _backoff(self, attempts: int) -> float:
        ceiling = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempts - 1))
        jitter = 0.5 + self._random.random() / 2
        return float(ceiling * jitter)

    def _node_trouble(self, destination: Destination, err: Exception) -> None:
        """Node down, nonce drift or a mempool refusal: nothing wrong with the
        messages, so no attempt is counted; the destination rests a moment and
        the account nonce is read afresh, since a failed send may have left a gap."""
        destination.sender.resync_nonce()
        destination.paused_until = self.clock() + self.settings.backoff_base
        log.warning("destination %s: %s", destination.domain, str(err)[:200])

    def _state(self, message_id: str) -> MessageState | None:
        row = self.store.message(message_id)
        return row.state if row else None


def _route(row: MessageRow) -> str:
    return route_label(row.origin, row.destination)
