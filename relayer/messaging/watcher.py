"""Follows `Dispatch` logs of one mailbox: a small fixed loop with named knobs.

plan the range (bounded, lagging by confirmations) → check the last block we
acted on still has the hash we saw (else report the fork point) → fetch logs →
decode → hand them over → persist the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from relayer.messaging.reader import ChainReader, DispatchEvent, Head
from relayer.messaging.store import Store


@dataclass(frozen=True)
class Poll:
    """What one poll found: new events in chain order, or the first block of a fork
    (everything indexed from it on was orphaned and must be forgotten)."""

    events: list[DispatchEvent]
    reorged_from: int | None = None
    through: tuple[int, str] | None = None  # last block read and its hash
    head: Head | None = None  # the head it read up to, when it caught up


class DispatchWatcher:
    def __init__(
        self,
        *,
        agent: str,
        reader: ChainReader,
        mailbox: str,
        domain: int,
        store: Store,
        start_block: int,
        confirmations: int = 0,
        use_finalized_tag: bool = False,
        max_block_range: int = 2000,
    ) -> None:
        self.agent = agent
        self.reader = reader
        self.domain = domain
        self.store = store
        self.start_block = start_block
        self.confirmations = confirmations
        self.use_finalized_tag = use_finalized_tag
        self.max_block_range = max_block_range
        self.mailbox = Web3.to_checksum_address(mailbox)
        self.lag_blocks = 0  # head minus the last block read, for the head-lag metric
        self._last_head: Head | None = None

    def poll(self) -> Poll:
        """Read the next range; writes nothing until `commit`."""
        head = self._head()
        checkpoint = self.store.checkpoint(self.agent, self.domain)
        self.lag_blocks = head.number - (checkpoint.block if checkpoint else self.start_block - 1)
        if self._last_head is not None and head.hash == self._last_head.hash:
            return Poll(events=[])  # same head block, same chain: nothing can have changed
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
        return Poll(
            events=self.reader.dispatches(self.mailbox, first, last),
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
        return self.reader.head("finalized" if self.use_finalized_tag else "latest")

    def _hash_at(self, number: int) -> str | None:
        return self.reader.hash_at(number)

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
