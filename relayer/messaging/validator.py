"""The validator: follows `Dispatch` on each origin, waits for finality, signs an
attestation of each message id for its destination mailbox, and publishes the
signature to the attestation store."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from eth_account.signers.local import LocalAccount

from relayer.chains.chain import NODE_ERRORS
from relayer.messaging.attestation import MailboxDomain, sign_attestation
from relayer.messaging.reader import DispatchEvent
from relayer.messaging.store import NewMessage, Store
from relayer.messaging.watcher import DispatchWatcher

log = logging.getLogger(__name__)


def new_message(event: DispatchEvent, priority: int = 0) -> NewMessage:
    message = event.message
    return NewMessage(
        id=message.id,
        origin=message.origin,
        destination=message.destination,
        nonce=message.nonce,
        sender=message.sender,
        recipient=message.recipient,
        body=message.body,
        raw=message.encoded,
        origin_block=event.block_number,
        origin_block_hash=event.block_hash,
        origin_tx=event.tx_hash,
        priority=priority,
    )


class Validator:
    """Signs with every key it holds; one watcher per origin, lagging by finality.

    Several keys in one process serve local experiments (a 2-of-3 quorum on one
    machine); in production each validator runs alone with its own key.
    """

    def __init__(
        self,
        keys: Sequence[LocalAccount],
        watchers: Sequence[DispatchWatcher],
        destinations: Mapping[int, MailboxDomain],
        store: Store,
    ) -> None:
        self.keys = list(keys)
        self.watchers = list(watchers)
        self.destinations = dict(destinations)
        self.store = store

    def tick(self) -> int:
        """One pass over every origin; returns how many messages were signed."""
        signed = 0
        for watcher in self.watchers:
            try:
                poll = watcher.poll()
            except NODE_ERRORS as err:
                log.warning("validator: origin %s unreachable: %s", watcher.domain, str(err)[:200])
                continue
            for event in poll.events:
                domain = self.destinations.get(event.message.destination)
                if domain is None:
                    continue  # not a chain this deployment serves
                self.store.record_seen(new_message(event))
                for key in self.keys:
                    signature = sign_attestation(key, domain, event.message.id)
                    self.store.add_attestation(event.message.id, key.address, signature)
                signed += 1
            watcher.commit(poll)
        return signed
