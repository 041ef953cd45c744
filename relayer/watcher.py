"""Follows `Dispatch` logs of one mailbox: a small fixed loop with named knobs.

plan the range (bounded, lagging by confirmations) → check the last block we
acted on still has the hash we saw (else report the fork point) → fetch logs →
decode → hand them over → persist the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from eth_abi.abi import decode
from eth_typing import ABIEvent
from eth_utils.abi import event_abi_to_log_topic
from web3 import Web3
from web3.exceptions import BlockNotFound, Web3RPCError
from web3.types import BlockIdentifier, RPCEndpoint

from relayer.message import Message
from relayer.store import Store


@dataclass(frozen=True)
class DispatchEvent:
    message: Message
    block_number: int
    block_hash: str
    tx_hash: str


@dataclass(frozen=True)
class Head:
    number: int
    hash: str
    parent_hash: str

    def builds_on(self, number: int, block_hash: str) -> bool:
        """True when this block is the direct child of that one: the chain grew, no fork."""
        return self.number == number + 1 and self.parent_hash == block_hash


@dataclass(frozen=True)
class Poll:
    """What one poll found: new events in chain order, or the first block of a fork
    (everything indexed from it on was orphaned and must be forgotten)."""

    events: list[DispatchEvent]
    reorged_from: int | None = None
    through: tuple[int, str] | None = None  # last block read and its hash
    head: Head | None = None  # the head it read up to, when it caught up


_DISPATCH_DATA = ["uint32", "uint64", "address", "bytes"]


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
        self.mailbox = Web3.to_checksum_address(mailbox)
        dispatch_abi = next(e for e in mailbox_abi if e.get("name") == "Dispatch")
        self._last_head: Head | None = None
        self._topic = "0x" + event_abi_to_log_topic(cast(ABIEvent, dispatch_abi)).hex()

    def head_lag(self) -> int:
        """Blocks between the chain head and what this watcher has acted on."""
        checkpoint = self.store.checkpoint(self.agent, self.domain)
        done = checkpoint.block if checkpoint else self.start_block - 1
        return max(0, self.web3.eth.block_number - done)

    def poll(self) -> Poll:
        """Read the next range; writes nothing until `commit`."""
        head = self._head()
        if self._last_head is not None and head.hash == self._last_head.hash:
            return Poll(events=[])  # same head block, same chain: nothing can have changed
        checkpoint = self.store.checkpoint(self.agent, self.domain)
        if (
            checkpoint is not None
            and checkpoint.block >= self.start_block
            and not head.builds_on(checkpoint.block, checkpoint.block_hash)
            and self._hash_at(checkpoint.block) != checkpoint.block_hash
        ):
            return Poll(events=[], reorged_from=self._rewind(checkpoint.block))
        first = checkpoint.block + 1 if checkpoint else self.start_block
        safe = head.number - self.confirmations
        last = min(safe, first + self.max_block_range - 1)
        if last < first:
            return Poll(events=[], head=head)
        last_hash = head.hash if last == head.number else self._hash_at(last)
        if last_hash is None:
            return Poll(events=[])  # the chain got shorter since we read the head
        # Should a reorg land between reading the head and the logs, the hash saved
        # with the checkpoint no longer matches at the next poll, which rewinds.
        logs = self._get_logs(first, last)
        return Poll(
            events=[self._decode(log) for log in logs],
            through=(last, last_hash),
            head=head if last == safe else None,
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

    def _head(self) -> Head:
        tag: BlockIdentifier = "finalized" if self.use_finalized_tag else "latest"
        block = self.web3.eth.get_block(tag)
        return Head(
            int(block["number"]),
            "0x" + bytes(block["hash"]).hex(),
            "0x" + bytes(block["parentHash"]).hex(),
        )

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

    def _get_logs(self, first: int, last: int) -> list[dict[str, Any]]:
        # Raw JSON-RPC: web3's log formatting costs more than the node call, and a
        # busy origin returns thousands of logs per range.
        params = {
            "address": self.mailbox,
            "topics": [self._topic],
            "fromBlock": hex(first),
            "toBlock": hex(last),
        }
        response = self.web3.provider.make_request(RPCEndpoint("eth_getLogs"), [params])
        if "error" in response:
            raise Web3RPCError(f"eth_getLogs failed: {response['error']}")
        logs: list[dict[str, Any]] = response["result"]
        return logs

    def _decode(self, log: dict[str, Any]) -> DispatchEvent:
        """Dispatch(bytes32 indexed id, uint32 origin, uint64 nonce, uint32 indexed
        destination, address indexed sender, address recipient, bytes body)."""
        topics = log["topics"]
        origin, nonce, recipient, body = decode(_DISPATCH_DATA, bytes.fromhex(log["data"][2:]))
        message = Message(
            nonce=nonce,
            origin=origin,
            sender="0x" + topics[3][-40:],  # lowercase: checksumming costs a keccak each
            destination=int(topics[2], 16),
            recipient=recipient,
            body=bytes(body),
        )
        if message.id != topics[1].lower():
            raise Web3RPCError(f"Dispatch {topics[1]} does not hash to its own id {message.id}")
        return DispatchEvent(
            message=message,
            block_number=int(log["blockNumber"], 16),
            block_hash=log["blockHash"].lower(),
            tx_hash=log["transactionHash"].lower(),
        )
