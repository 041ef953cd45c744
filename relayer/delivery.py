"""The relayer's delivery side: per destination, take each channel's attested
messages in nonce order, batch them into `processBatch`, send, and settle every
message from the receipt's events. Errors are sorted into retryable (backoff,
bounded attempts, then dead letter) and fatal (dead letter at once)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3.contract import Contract
from web3.exceptions import Web3RPCError
from web3.types import RPCEndpoint

from relayer.attestation import quorum
from relayer.chain import NODE_ERRORS
from relayer.errors import DeliveryError, TransactionReverted
from relayer.faults import FaultInjector
from relayer.message import route_label
from relayer.metrics import RelayMetrics
from relayer.settings import RelaySettings
from relayer.store import MessageRow, MessageState, Store
from relayer.tx import Sender

log = logging.getLogger(__name__)
_PROCESS_BATCH = keccak(b"processBatch(bytes[],bytes[][])")[:4]
_MESSAGE_FAILED = "0x" + keccak(b"MessageFailed(bytes32,bytes)").hex()
RECEIPT_TIMEOUT_S = 30
# Mailbox's bookkeeping around a handler call (GAS_AFTER_HANDLER + GAS_CHECK_TO_CALL
# there), with room to spare.
HANDLER_GUARD_OVERHEAD = 50_000

# Reverts that a later attempt can get past once the relayer refreshes its view.
STALE_VIEW_ERRORS = {
    "QuorumNotMet",
    "QuorumSignerNotMember",
    "MailboxPaused",
    "MailboxInsufficientGas",
}


@dataclass
class Destination:
    """One destination chain as the relayer sees it; the validator sets and inbound
    nonces are cached and refreshed when a revert says they are stale."""

    domain: int
    sender: Sender
    mailbox: Contract
    inbound_nonce: dict[int, int] = field(default_factory=dict)
    members: dict[int, tuple[set[str], int]] = field(default_factory=dict)
    paused_until: float = 0.0
    unsettled: bool = True  # submitted messages may await a receipt we never saw
    handler_gas: int = 0
    exact_estimates: bool = False

    def handler_reserve(self) -> int | None:
        """Gas the mailbox requires unused before each handler call; None after a
        batch ran out of gas, so estimates go back to the node's own bisection."""
        if self.exact_estimates:
            return None
        guard = self.handler_gas + self.handler_gas // 63  # Mailbox._callHandler, 63/64 rule
        return guard + HANDLER_GUARD_OVERHEAD

    def refresh(self, origins: Sequence[int]) -> None:
        functions = self.mailbox.functions
        self.handler_gas = int(functions.handlerGas().call())
        for origin in origins:
            self.inbound_nonce[origin] = int(functions.inboundNonce(origin).call())
            validators = {str(v) for v in functions.validators(origin).call()}
            self.members[origin] = (validators, int(functions.threshold(origin).call()))


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
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.destinations = list(destinations)
        self.store = store
        self.settings = settings
        self.faults = faults
        self.metrics = metrics
        self.clock = clock
        self._random = random.Random(settings.faults.seed)  # noqa: S311 - backoff jitter

    def reconcile(self, destination: Destination) -> None:
        """Settle messages left `submitted` with no receipt (a restart, a node that
        went away): delivered if the chain says so, else back in line. A resend of
        one that is in fact still pending is skipped by the mailbox, never run twice."""
        for rows in self.store.pending_by_channel(destination.domain).values():
            for row in rows:
                if row.state is not MessageState.SUBMITTED:
                    continue
                if destination.mailbox.functions.delivered(row.id).call():
                    self._settle_delivered(row, "found delivered on chain")
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
                if destination.unsettled:
                    self.reconcile(destination)
                batches += self._plan(destination)
            except NODE_ERRORS as err:
                self._node_trouble(destination, err)
        return self._submit(self.faults.apply(batches))

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
        the mailbox expects, each with a quorum, none held back by backoff or delay."""
        members, threshold = destination.members[origin]
        expected = destination.inbound_nonce.get(origin, 0)
        batch = Batch(destination, [], [])
        for row in rows:
            if len(batch.messages) == self.settings.batch_size:
                break
            if row.nonce < expected:
                if row.state is not MessageState.SUBMITTED:
                    self._settle_delivered(row, "delivered by another relayer")
                continue
            seen_at = row.seen_at or now
            held = row.next_attempt_at > now or seen_at + self.faults.delay(_route(row)) > now
            if row.nonce != expected or row.state is MessageState.SUBMITTED or held:
                break
            signatures = quorum(self.store.attestations(row.id), members, threshold)
            if signatures is None:
                break
            if row.state is MessageState.SEEN:
                self.store.transition(row.id, MessageState.ATTESTED, f"quorum {threshold}")
            batch.messages.append(row)
            batch.signatures.append(signatures)
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
            except (*NODE_ERRORS, DeliveryError) as err:
                self._node_trouble(batch.destination, err)
                continue
            self.store.mark_submitted(ids, tx_hash.to_0x_hex())
            self.metrics.messages.labels(_route(batch.messages[0]), "submitted").inc(len(ids))
            sent.append((batch, tx_hash))
        return sum(self._settle(batch, tx_hash) for batch, tx_hash in sent)

    def _send(self, batch: Batch) -> HexBytes:
        mailbox, sender = batch.destination.mailbox, batch.destination.sender
        data = process_batch_calldata([row.raw for row in batch.messages], batch.signatures)
        gas = sender.estimate_data(
            mailbox.address, data, mailbox.abi, batch.destination.handler_reserve()
        )
        return sender.send_data(mailbox.address, data, gas)

    def _duplicate_submission(self, batch: Batch) -> None:
        """A fault-injected copy of a batch already sent: it must be harmless."""
        try:
            tx_hash = self._send(batch)
        except (*NODE_ERRORS, DeliveryError):
            return
        self._wait_receipt(batch.destination, tx_hash)

    def _settle(self, batch: Batch, tx_hash: HexBytes) -> int:
        try:
            receipt = self._wait_receipt(batch.destination, tx_hash)
        except (*NODE_ERRORS, TimeoutError) as err:
            # Not the messages' fault: they stay submitted until the chain answers.
            batch.destination.unsettled = True
            self._node_trouble(batch.destination, err)
            return 0
        if int(receipt["status"], 16) != 1:
            batch.destination.exact_estimates = True  # a state change made our limit short
            batch.destination.refresh(sorted({row.origin for row in batch.messages}))
            for row in batch.messages:
                self._retry(row, f"processBatch reverted in {tx_hash.to_0x_hex()}")
            return 0
        return self._settle_events(batch, receipt)

    def _settle_events(self, batch: Batch, receipt: dict[str, Any]) -> int:
        mailbox = batch.destination.mailbox.address.lower()
        failed = {
            log["topics"][1]: log["data"]
            for log in receipt["logs"]
            if log["address"].lower() == mailbox and log["topics"][0] == _MESSAGE_FAILED
        }
        settled = 0
        for row in batch.messages:
            if row.id in failed:
                (reason,) = decode(["bytes"], bytes.fromhex(failed[row.id][2:]))
                self.store.mark_failed(row.id, "handler reverted: 0x" + bytes(reason).hex())
                self.metrics.messages.labels(_route(row), "failed").inc()
            else:
                self._settle_delivered(row, f"tx {receipt['transactionHash']}")
            batch.destination.inbound_nonce[row.origin] = row.nonce + 1
            settled += 1
        return settled

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
        self.store.dead_letter(batch.messages[0].id, f"fatal revert: {reason}")
        self.metrics.messages.labels(_route(batch.messages[0]), "dead_lettered").inc()

    def _retry(self, row: MessageRow, error: str) -> None:
        attempts = self.store.schedule_retry(row.id, error, self._backoff(row.attempts + 1))
        if attempts >= self.settings.max_attempts:
            self.store.dead_letter(row.id, f"gave up after {attempts} attempts: {error}")
            self.metrics.messages.labels(_route(row), "dead_lettered").inc()

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

    def _wait_receipt(self, destination: Destination, tx_hash: HexBytes) -> dict[str, Any]:
        """The raw receipt: a batch's receipt carries hundreds of logs, and web3's
        formatting of them costs more than the node call."""
        provider = destination.sender.web3.provider
        deadline = time.monotonic() + RECEIPT_TIMEOUT_S
        while time.monotonic() < deadline:
            response = provider.make_request(
                RPCEndpoint("eth_getTransactionReceipt"), [tx_hash.to_0x_hex()]
            )
            if "error" in response:
                raise Web3RPCError(f"eth_getTransactionReceipt failed: {response['error']}")
            if response["result"] is not None:
                receipt: dict[str, Any] = response["result"]
                return receipt
            time.sleep(0.0005)
        raise TimeoutError(f"{tx_hash.to_0x_hex()} not mined within {RECEIPT_TIMEOUT_S}s")

    def _state(self, message_id: str) -> MessageState | None:
        row = self.store.message(message_id)
        return row.state if row else None


def process_batch_calldata(messages: list[bytes], signatures: list[list[bytes]]) -> bytes:
    """`processBatch(bytes[],bytes[][])` calldata, encoded directly: on the hot path
    web3's contract layer costs more than the node call itself."""
    return _PROCESS_BATCH + encode(["bytes[]", "bytes[][]"], [messages, signatures])


def _route(row: MessageRow) -> str:
    return route_label(row.origin, row.destination)
