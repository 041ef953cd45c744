"""The price feeds crossflow deploys on every chain, and reading one back.

Spot is ETH/USD with 8 decimals, as Chainlink's; implied volatility has 18
decimals, so the risk engine reads it as a WAD (0.65e18 = 65%).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from web3.contract import Contract

from relayer.oracle.price_sources import Tick
from relayer.oracle.report import feed_id


class Quantity(StrEnum):
    SPOT = "spot"
    IMPLIED_VOL = "implied_vol"


@dataclass(frozen=True)
class FeedSpec:
    name: str  # what reports are keyed by: feed_id(name)
    description: str
    decimals: int
    quantity: Quantity
    max_move_bps: int  # the contract's per-round bound, a circuit breaker
    max_future_skew: int  # seconds an updatedAt may lie ahead of the block time

    @property
    def id(self) -> bytes:
        return feed_id(self.name)

    @property
    def manifest_key(self) -> str:
        """The name the manifest records this feed's address under."""
        return f"PriceFeed:{self.name}"

    @property
    def scale(self) -> int:
        return int(10**self.decimals)

    def value(self, tick: Tick) -> float | None:
        return tick.price if self.quantity is Quantity.SPOT else tick.vol

    def to_answer(self, value: float) -> int:
        return round(value * self.scale)

    def from_answer(self, answer: int) -> float:
        return answer / self.scale

    def constructor_args(
        self, signers: list[str], threshold: int, owner: str
    ) -> tuple[object, ...]:
        return (
            self.id,
            self.decimals,
            self.description,
            self.max_move_bps,
            self.max_future_skew,
            True,  # neither a price nor a volatility can be zero or negative
            sorted(signers, key=lambda address: int(address, 16)),
            threshold,
            owner,
        )


ETH_USD = FeedSpec("ETH/USD", "ETH / USD", 8, Quantity.SPOT, 2_000, 120)
ETH_IV = FeedSpec("ETH IV", "ETH implied volatility", 18, Quantity.IMPLIED_VOL, 5_000, 120)
FEEDS = (ETH_USD, ETH_IV)


@dataclass(frozen=True)
class FeedState:
    """A feed's latest round on one chain; round 0 means it has none yet."""

    round_id: int
    answer: int
    updated_at: int


def read_latest(feed: Contract) -> FeedState:
    round_id = int(feed.functions.latestRound().call())
    if round_id == 0:
        return FeedState(0, 0, 0)
    _, answer, _, updated_at, _ = feed.functions.getRoundData(round_id).call()
    return FeedState(round_id, int(answer), int(updated_at))
