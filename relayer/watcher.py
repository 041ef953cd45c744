"""Follows `Dispatch` logs of one mailbox: a small fixed loop with named knobs.

plan the range (bounded, lagging by confirmations) → check the last block we
acted on still has the hash we saw (else report the fork point) → fetch logs →
decode → hand them over → persist the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from eth_typing import ABIEvent
from eth_utils.abi import event_abi_to_log_topic
from web3 import Web3
from web3.exceptions import BlockNotFound
from web3.types import BlockIdentifier, FilterParams, LogReceipt

from relayer.message import Message
from relayer.store import Store


@dataclass(frozen=True)
class DispatchEvent:
    message: Message
    block_number: int
    block_hash: str
    tx_hash: str


@dataclass(frozen=True)
class Poll:
    """What one poll found: new events in chain order, or the first block of a fork
    (everything indexed from it on was orphaned and must be forgotten)."""

    events: list[DispatchEvent]
    reorged_from: int | None = None
    through: tuple[int, str] | None = None  # last block read and its hash
    head: tuple[int, str] | None = None  # the head it read up to, when it caught up


class DispatchWatcher:
    def __init__(
        self,
        *,
        agent: str,
        web3: Web3,
        mailbox: str,
        mailbox_abi: list[dict[str, Any]],
        domain: int,
        store: Store,
        start_block: int,
        confirmations: int = 0,
        use_finalized_tag: bool = False,
        max_block_range: int = 2000,
    ) -> None:
        self.agent = agent
        self.web3 = web3
        self.domain = domain
        self.store = store
        self.start_block = start_block
        self.confirmations = confirmations
        self.use_finalized_tag = use_finalized_tag
        self.max_block_range = max_block_range
        self._mailbox = web3.eth.contract(
            address=Web3.to_checksum_address(mailbox), abi=mailbox_abi
        )
        dispatch_abi = next(e for e in mailbox_abi if e.get("name") == "Dispatch")
        self._last_head: tuple[int, str] | None = None
        self._topic = "0x" + event_abi_to_log_topic(cast(ABIEvent, dispatch_abi)).hex()

    def head_lag(self) -> int:
        """Blocks between the chain head and what this watcher has acted on."""
        checkpoint = self.store.checkpoint(self.agent, self.domain)
        done = checkpoint.block if checkpoint else self.start_block - 1
        return max(0, self.web3.eth.block_number - done)

    def poll(self) -> Poll:
        """Read the next range; writes nothing until `commit`."""
        head = self._head()
        if head == self._last_head:
            return Poll(events=[])  # same head block, same chain: nothing can have changed
        checkpoint = self.store.checkpoint(self.agent, self.domain)
        if (
            checkpoint is not None
            and checkpoint.block >= self.start_block
            and self._hash_at(checkpoint.block) != checkpoint.block_hash
        ):
            return Poll(events=[], reorged_from=self._rewind(checkpoint.block))
        first = checkpoint.block + 1 if checkpoint else self.start_block
        last = min(head[0] - self.confirmations, first + self.max_block_range - 1)
        if last < first:
            return Poll(events=[], head=head)
        last_hash = self._hash_at(last)
        logs = self.web3.eth.get_logs(self._filter(first, last))
        if last_hash is None or self._hash_at(last) != last_hash:
            return Poll(events=[])  # the chain moved under us; the next poll sees the fork
        caught_up = last == head[0] - self.confirmations
        return Poll(
            events=[self._decode(log) for log in logs],
            through=(last, last_hash),
            head=head if caught_up else None,
        )

    def commit(self, poll: Poll) -> None:
        """Persist progress once the caller has acted on `poll`, so a crash in
        between re-reads the same logs instead of losing them."""
        if poll.head is not None:
            self._last_head = poll.head  # until the head moves there is nothing to read
        if poll.through is None:
            return
        for event in poll.events:
            self.store.remember_block(self.agent, self.domain, event.block_number, event.block_hash)
        self.store.remember_block(self.agent, self.domain, *poll.through)
        self.store.save_checkpoint(self.agent, self.domain, *poll.through)

    def _head(self) -> tuple[int, str]:
        tag: BlockIdentifier = "finalized" if self.use_finalized_tag else "latest"
        block = self.web3.eth.get_block(tag)
        return int(block["number"]), "0x" + bytes(block["hash"]).hex()

    def _hash_at(self, number: int) -> str | None:
        try:
            block_hash = self.web3.eth.get_block(number)["hash"]
        except BlockNotFound:  # past the head: a reorg made the chain shorter
            return None
        return "0x" + bytes(block_hash).hex()

    def _rewind(self, checkpoint_block: int) -> int:
        """Walk back over remembered hashes to the newest block still on the chain;
        the fork starts right after it."""
        number = checkpoint_block
        while number >= self.start_block:
            remembered = self.store.block_hash(self.agent, self.domain, number)
            if remembered is not None and self._hash_at(number) == remembered:
                break
            number -= 1
        fork = number + 1
        self.store.forget_blocks_from(self.agent, self.domain, fork)
        remembered = self.store.block_hash(self.agent, self.domain, number) or ""
        # Below start_block the hash is never checked, so "" is a safe placeholder.
        self.store.save_checkpoint(self.agent, self.domain, number, remembered)
        return fork

    def _filter(self, first: int, last: int) -> FilterParams:
        return {
            "address": self._mailbox.address,
            "topics": [self._topic],
            "fromBlock": first,
            "toBlock": last,
        }

    def _decode(self, log: LogReceipt) -> DispatchEvent:
        args = self._mailbox.events.Dispatch().process_log(log)["args"]
        message = Message(
            nonce=args["nonce"],
            origin=args["origin"],
            sender=args["sender"],
            destination=args["destination"],
            recipient=args["recipient"],
            body=bytes(args["body"]),
        )
        return DispatchEvent(
            message=message,
            block_number=log["blockNumber"],
            block_hash="0x" + bytes(log["blockHash"]).hex(),
            tx_hash="0x" + bytes(log["transactionHash"]).hex(),
        )
