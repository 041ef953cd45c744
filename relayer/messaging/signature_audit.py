"""Keeping account of validators whose published signatures the destination mailbox
would reject: the relayer passes over them, and operators need to know who they are."""

from __future__ import annotations

import logging
from collections import Counter

from relayer.messaging.metrics import RelayMetrics

log = logging.getLogger(__name__)
# One validator's invalid signatures are logged this often, and counted always.
LOG_EVERY = 100
# (message, validator) pairs remembered so a message waiting for its quorum, looked
# at every round, is counted once; forgotten wholesale past this many.
MEMORY = 10_000


class SignatureAudit:
    def __init__(self, metrics: RelayMetrics) -> None:
        self._metrics = metrics
        self._seen: set[tuple[str, str]] = set()
        self._per_validator: Counter[str] = Counter()

    def report(self, destination: int, message_id: str, validators: list[str]) -> None:
        """`validators` published a signature of `message_id` that `destination` would reject."""
        for validator in validators:
            if (message_id, validator) in self._seen:
                continue
            if len(self._seen) >= MEMORY:
                self._seen.clear()
            self._seen.add((message_id, validator))
            self._metrics.invalid_signatures.labels(str(destination), validator).inc()
            self._per_validator[validator] += 1
            count = self._per_validator[validator]
            if count % LOG_EVERY == 1:
                log.warning(
                    "validator %s published a signature the mailbox on %s would reject"
                    " (message %s); passed over (%d so far)",
                    validator,
                    destination,
                    message_id,
                    count,
                )
