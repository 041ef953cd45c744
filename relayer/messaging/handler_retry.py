"""Automatic reruns of failed handlers (DESIGN.md §3, §8).

A handler that reverts is recorded failed by the mailbox and the channel moves
on; the message waits for someone to call `Mailbox.retry`. Many such failures
pass by themselves once some state changes (a vault's outflow bucket refills, a
market learns the account), so the relayer keeps rerunning them.

Each round, per destination that is not paused, at most
`relay.handler_retries_per_round` failed messages whose backoff is over are
simulated first (`eth_call` of `retry` from the relayer's account), and only those
that would pass are sent, so no gas is burnt on a handler that still reverts.
The simulation and the transaction use the same gas limit: what a delivery gives
the handler (the mailbox's `handlerGas`) plus the mailbox's bookkeeping and the
calldata. More gas than a delivery gives is an operator's decision
(`crossflow messages retry ID --gas N`), so no recipient can make the relayer pay
for an expensive handler.

Reruns are never given up: the channel is not waiting, a probe costs one
bounded `eth_call`, and what this exists for (a rate-limited RELEASE or SEIZE)
must land without anyone stepping in. The backoff doubles from
`relay.handler_retry_base` up to `relay.handler_retry_max` seconds; the
reruns so far are the message's `handler_retries`, and the metrics count each
outcome.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3.exceptions import Web3RPCError
from web3.types import RPCEndpoint

from relayer.chains.chain import NODE_ERRORS
from relayer.chains.tx import raw_receipt
from relayer.errors import DeliveryError
from relayer.messaging.destination import HANDLER_GUARD_OVERHEAD, Destination
from relayer.messaging.message import route_label
from relayer.messaging.metrics import RelayMetrics
from relayer.messaging.revert_reasons import RevertReasons
from relayer.messaging.store import MessageRow, Store
from relayer.settings import RelaySettings

log = logging.getLogger(__name__)
_RETRY = keccak(b"retry(bytes)")[:4]
_TX_GAS = 21_000
_CALLDATA_BYTE_GAS = 16
RECEIPT_TIMEOUT_S = 30
# How `retry` (OpenZeppelin's Address.functionCall) reports a handler that reverted
# without data, which is also how running out of gas looks.
_NO_REASON = "FailedCall"


def retry_calldata(raw: bytes) -> bytes:
    return _RETRY + encode(["bytes"], [raw])


class HandlerRetrier:
    """Reruns the failed handlers of the store's messages on `destinations`."""

    def __init__(
        self,
        destinations: Sequence[Destination],
        store: Store,
        settings: RelaySettings,
        *,
        metrics: RelayMetrics,
        reasons: RevertReasons,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.destinations = list(destinations)
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self.reasons = reasons
        self.clock = clock
        self._random = random.Random(settings.faults.seed)  # noqa: S311 - backoff jitter

    def tick(self) -> int:
        """One round over every destination; returns the messages now delivered."""
        rerun = 0
        for destination in self.destinations:
            if destination.paused or self.clock() < destination.paused_until:
                continue
            try:
                rerun += self._round(destination)
            except (*NODE_ERRORS, DeliveryError) as err:
                # Not the messages' fault: nothing counted, they are due again next round.
                destination.sender.resync_nonce()
                log.warning("handler reruns on %s: %s", destination.domain, str(err)[:200])
        return rerun

    def _round(self, destination: Destination) -> int:
        limit = self.settings.handler_retries_per_round
        due = self.store.failed_due(destination.domain, limit) if limit else []
        if not due:
            return 0
        if not destination.handler_gas:
            destination.refresh([])
        sent: list[tuple[MessageRow, HexBytes]] = []
        trouble: Exception | None = None
        for row in due:
            data = retry_calldata(row.raw)
            gas = self.gas_limit(destination, data)
            try:
                revert = self._simulate(destination, data, gas)
                if revert is None:
                    mailbox = destination.mailbox.address
                    sent.append((row, destination.sender.send_data(mailbox, data, gas)))
                else:
                    self._would_revert(destination, row, revert, gas)
            except (*NODE_ERRORS, DeliveryError) as err:
                trouble = err  # settle what was sent before it, then report it
                break
        rerun = sum(self._settle(destination, row, tx_hash) for row, tx_hash in sent)
        if trouble is not None:
            raise trouble
        return rerun

    @staticmethod
    def gas_limit(destination: Destination, data: bytes) -> int:
        """A rerun's gas limit: at least the handler gas a delivery gives after the
        mailbox's bookkeeping and the 63/64 rule, and not much more."""
        handler = destination.handler_gas + destination.handler_gas // 63
        intrinsic = _TX_GAS + _CALLDATA_BYTE_GAS * len(data)
        return intrinsic + handler + HANDLER_GUARD_OVERHEAD

    def _simulate(self, destination: Destination, data: bytes, gas: int) -> bytes | None:
        """None when `retry` would pass at `gas`; else the revert data (empty when the
        node gives none, as for running out of gas)."""
        tx = {
            "from": destination.sender.address,
            "to": destination.mailbox.address,
            "data": "0x" + data.hex(),
            "gas": hex(gas),
        }
        web3 = destination.sender.web3
        response = web3.provider.make_request(RPCEndpoint("eth_call"), [tx, "latest"])
        if "error" not in response:
            return None
        error: dict[str, Any] = dict(response["error"])
        revert = error.get("data")
        if isinstance(revert, str) and revert.startswith("0x"):
            return bytes.fromhex(revert[2:])
        message = str(error.get("message", "")).lower()
        if "revert" in message or "out of gas" in message:
            return b""
        raise Web3RPCError(f"eth_call failed: {error}")

    def _would_revert(
        self, destination: Destination, row: MessageRow, revert: bytes, gas: int
    ) -> None:
        functions = destination.mailbox.functions
        name = self.reasons.name(revert)
        if name == "MailboxPaused" and functions.paused().call():
            self.store.postpone_handler_retry(row.id, self.settings.backoff_base, None)
            return
        if name == "MailboxNotFailed" and not functions.failed(row.id).call():
            self._rerun_elsewhere(row)
            return
        reason = self.reasons.describe(revert) if revert else "no reason"
        if not revert or name == _NO_REASON:
            reason += f", maybe out of gas: `crossflow messages retry {row.id} --gas N`"
        self._postpone(row, f"handler still reverts within {gas} gas: {reason}")
        self.metrics.handler_retries.labels(_route(row), "still_reverts").inc()

    def _settle(self, destination: Destination, row: MessageRow, tx_hash: HexBytes) -> int:
        try:
            receipt = raw_receipt(destination.sender.web3, tx_hash, RECEIPT_TIMEOUT_S)
        except TimeoutError:
            # It may still be mined: the next simulation finds the message rerun.
            self._postpone(row, f"retry {tx_hash.to_0x_hex()} not mined yet")
            return 0
        if int(receipt["status"], 16) == 1:
            detail = f"handler rerun by the relayer in tx {tx_hash.to_0x_hex()}"
            if not self.store.mark_rerun(row.id, detail):
                return 0
            route = _route(row)
            self.metrics.handler_retries.labels(route, "delivered").inc()
            self.metrics.messages.labels(route, "delivered").inc()
            log.info("message %s (%s nonce %d): %s", row.id, route, row.nonce, detail)
            return 1
        if not destination.mailbox.functions.failed(row.id).call():
            self._rerun_elsewhere(row)
            return 0
        self._postpone(row, f"retry reverted in {tx_hash.to_0x_hex()} after passing simulation")
        self.metrics.handler_retries.labels(_route(row), "reverted").inc()
        return 0

    def _rerun_elsewhere(self, row: MessageRow) -> None:
        if self.store.mark_rerun(row.id, "handler rerun, found on chain"):
            route = _route(row)
            self.metrics.handler_retries.labels(route, "rerun_elsewhere").inc()
            self.metrics.messages.labels(route, "delivered").inc()

    def _postpone(self, row: MessageRow, error: str) -> None:
        delay = self._backoff(row.handler_retries + 1)
        reruns = self.store.postpone_handler_retry(row.id, delay, error)
        if reruns is not None and reruns & (reruns - 1) == 0:  # 1, 2, 4, 8, …: log, not spam
            log.warning(
                "message %s (%s nonce %d): %d rerun(s) so far, next in %.1fs: %s",
                row.id,
                _route(row),
                row.nonce,
                reruns,
                delay,
                error,
            )

    def _backoff(self, reruns: int) -> float:
        base, cap = self.settings.handler_retry_base, self.settings.handler_retry_max
        ceiling = min(cap, base * 2 ** min(reruns - 1, 32))
        return float(ceiling * (0.5 + self._random.random() / 2))


def _route(row: MessageRow) -> str:
    return route_label(row.origin, row.destination)
