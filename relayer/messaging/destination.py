"""A destination chain as the relayer sees it, and the bounds a `processBatch` to it
must keep: at most `batch_size` messages, `max_tx_bytes` of calldata and a share
of the block gas limit. A batch that breaks a bound shrinks; one message that
breaks it alone can never be delivered as configured."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from eth_abi.abi import encode
from eth_utils.crypto import keccak
from web3.contract import Contract

from relayer.chains.tx import Sender
from relayer.errors import DeliveryError
from relayer.messaging.attestation import MailboxDomain

_PROCESS_BATCH = keccak(b"processBatch(bytes[],bytes[][])")[:4]
_WORD = 32
_SIGNATURE_WORDS = 3  # 65 bytes, padded
# Mailbox's bookkeeping around a handler call (GAS_AFTER_HANDLER + GAS_CHECK_TO_CALL
# there), with room to spare.
HANDLER_GUARD_OVERHEAD = 50_000
# What nodes say when a transaction is too big for them or for a block; not a node
# fault, so the cure is a smaller batch, never a retry of the same one.
_TOO_BIG = (
    "exceeds allowance",
    "exceeds block gas limit",
    "gas_limit > env.block.gas_limit",
    "intrinsic gas too high",
    "oversized data",
    "transaction size",
    "too large",
)


class BatchTooLarge(DeliveryError):
    """A batch over one of the bounds; `fits` is how many of its messages would fit,
    when that is known."""

    def __init__(self, messages: int, detail: str, fits: int | None = None) -> None:
        self.messages = messages
        self.fits = fits
        super().__init__(f"a batch of {messages} message(s) is too large: {detail}")


def too_big_for_node(err: Exception) -> bool:
    text = str(err).lower()
    return any(marker in text for marker in _TOO_BIG)


def message_calldata_bytes(raw_bytes: int, signatures: int) -> int:
    """What one message adds to `processBatch` calldata: its offset, length and padded
    bytes in `messages`, and its offset, length, and per signature an offset, a
    length and three words in `signatures`."""
    padded = -(-raw_bytes // _WORD) * _WORD
    return 4 * _WORD + padded + signatures * (2 + _SIGNATURE_WORDS) * _WORD


# The selector, the two head offsets and the two array lengths.
BATCH_CALLDATA_OVERHEAD = 4 + 4 * _WORD


def process_batch_calldata(messages: list[bytes], signatures: list[list[bytes]]) -> bytes:
    """`processBatch(bytes[],bytes[][])` calldata, encoded directly: on the hot path
    web3's contract layer costs more than the node call itself."""
    return _PROCESS_BATCH + encode(["bytes[]", "bytes[][]"], [messages, signatures])


@dataclass
class Destination:
    """One destination chain. The validator sets, inbound nonces, handler gas and block
    gas limit are cached and refreshed when a revert says they are stale; `paused` is
    set by a `MailboxPaused` and cleared when the mailbox says it resumed;
    `batch_cap` per origin shrinks when a batch is too big and grows back."""

    domain: int
    sender: Sender
    mailbox: Contract
    inbound_nonce: dict[int, int] = field(default_factory=dict)
    members: dict[int, tuple[set[str], int]] = field(default_factory=dict)
    paused_until: float = 0.0
    paused: bool = False  # the mailbox said MailboxPaused: wait it out, count nothing
    unsettled: bool = True  # submitted messages may await a receipt we never saw
    handler_gas: int = 0
    block_gas_limit: int = 0
    exact_estimates: bool = False
    batch_cap: dict[int, int] = field(default_factory=dict)

    @cached_property
    def attestation_domain(self) -> MailboxDomain:
        """Built once: every message's quorum is checked against it, every round."""
        return MailboxDomain(self.sender.chain_id, self.mailbox.address)

    def handler_reserve(self) -> int | None:
        """Gas the mailbox requires unused before each handler call; None after a
        batch ran out of gas, so estimates go back to the node's own bisection."""
        if self.exact_estimates:
            return None
        guard = self.handler_gas + self.handler_gas // 63  # Mailbox._callHandler, 63/64 rule
        return guard + HANDLER_GUARD_OVERHEAD

    def gas_budget(self, share: float) -> int:
        """The largest gas limit a batch may ask for."""
        return int(self.block_gas_limit * share)

    def refresh(self, origins: Sequence[int]) -> None:
        functions = self.mailbox.functions
        self.handler_gas = int(functions.handlerGas().call())
        self.block_gas_limit = int(self.sender.web3.eth.get_block("latest")["gasLimit"])
        for origin in origins:
            self.inbound_nonce[origin] = int(functions.inboundNonce(origin).call())
            validators = {str(v) for v in functions.validators(origin).call()}
            self.members[origin] = (validators, int(functions.threshold(origin).call()))

    def shrink(self, origin: int, err: BatchTooLarge) -> int:
        """Cap the channel's batches below the one that was too big; returns the cap."""
        halved = max(1, err.messages // 2)
        cap = max(1, min(err.fits, err.messages - 1)) if err.fits is not None else halved
        self.batch_cap[origin] = cap
        return cap

    def grow(self, origin: int, delivered: int, ceiling: int) -> None:
        """After a full batch went through, let the next one be a quarter larger, so a
        cap set by a burst of large messages does not outlive them."""
        cap = self.batch_cap.get(origin)
        if cap is not None and delivered >= cap:
            grown = cap + cap // 4 + 1
            if grown >= ceiling:
                del self.batch_cap[origin]
            else:
                self.batch_cap[origin] = grown
