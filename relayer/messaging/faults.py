"""Seeded transport faults for experiments: extra delay per route, lost and
duplicated submissions, and reordering. The same seed gives the same faults."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from relayer.settings import FaultSettings

T = TypeVar("T")


class FaultInjector:
    def __init__(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._random = random.Random(settings.seed)  # noqa: S311 - reproducible experiments

    def delay(self, route: str) -> float:
        """Seconds a message on `route` waits after it is seen before it may be delivered."""
        return self.settings.delay.get(route, 0.0)

    def apply(self, batches: Sequence[T]) -> list[T]:
        """The submissions that actually go out this round: some lost, some twice,
        maybe shuffled. The relayer must recover from each on its own."""
        out: list[T] = []
        for batch in batches:
            if self._random.random() < self.settings.drop_rate:
                continue
            out.append(batch)
            if self._random.random() < self.settings.duplicate_rate:
                out.append(batch)
        if self.settings.reorder:
            self._random.shuffle(out)
        return out
