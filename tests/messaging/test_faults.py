"""Fault injection is seeded: the same seed, the same losses and duplicates."""

from __future__ import annotations

from relayer.messaging.faults import FaultInjector
from relayer.settings import FaultSettings


def outcome(seed: int) -> list[int]:
    injector = FaultInjector(
        FaultSettings(seed=seed, drop_rate=0.3, duplicate_rate=0.3, reorder=True)
    )
    return [item for _ in range(20) for item in injector.apply(list(range(10)))]


def test_same_seed_same_faults() -> None:
    assert outcome(3) == outcome(3)
    assert outcome(3) != outcome(4)


def test_rates_show_up_in_what_goes_out() -> None:
    sent = outcome(11)
    assert 120 < len(sent) < 280  # 200 in; about 30% lost and 30% of the rest doubled
    assert len(set(sent)) == 10


def test_inactive_by_default() -> None:
    injector = FaultInjector(FaultSettings())
    assert injector.apply([1, 2, 3]) == [1, 2, 3]
    assert injector.delay("1->2") == 0.0
