"""The risk model's inputs as the on-chain libraries take them (WAD integers and
the `Margin` structs), seeded random books for comparisons, and the harness
that exposes the libraries on a chain. Used by the accuracy tests and by
`crossflow bench risk`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from eth_account import Account
from web3.contract import Contract

from relayer.chains import devkeys
from relayer.chains.tx import Sender
from relayer.risk.model import SECONDS_PER_YEAR, Market
from relayer.risk.portfolio import SECONDS_PER_DAY, Collateral, Portfolio, Position
from relayer.settings import RiskSettings
from relayer.testbed.net import Chain, contracts

WAD = 10**18
HALF = 0.5  # a fair coin: calls or puts, with a rate or without

AccountStruct = tuple[int, int, list[tuple[int, int, int, bool]], list[tuple[int, int, bool, int]]]


def wad(value: float) -> int:
    return round(value * WAD)


def from_wad(values: Sequence[int]) -> np.ndarray:
    """Exact integer division, then the nearest double: no int64 overflow."""
    return np.array([value / WAD for value in values])


def account_struct(portfolio: Portfolio, now: int) -> AccountStruct:
    """`Margin.Account`; expiries are whole seconds, as on chain."""
    return (
        wad(portfolio.cash),
        int(portfolio.latency_seconds),
        [
            (
                wad(p.quantity),
                wad(p.strike),
                now + round(p.days * SECONDS_PER_DAY),
                p.kind == "call",
            )
            for p in portfolio.positions
        ],
        [
            (wad(c.amount), wad(c.haircut), c.tracks_spot, wad(c.price))
            for c in portfolio.collateral
        ],
    )


def market_struct(market: Market) -> tuple[int, int, int]:
    return (wad(market.spot), wad(market.vol), market.now)


def params_struct(risk: RiskSettings) -> tuple[int, ...]:
    return (
        wad(risk.u_base_mm),
        wad(risk.u_base_im),
        wad(risk.vol_shock),
        wad(risk.z),
        wad(risk.short_floor),
        wad(risk.rate),
    )


def random_portfolios(count: int, seed: int, positions: int | None = None) -> list[Portfolio]:
    """Seeded accounts: 1 to 16 positions (or exactly `positions`) on strikes
    1500-4500 with up to 90 days to expiry, whole-second expiries, USDC and WETH."""
    rng = np.random.default_rng(seed)
    portfolios = []
    for _ in range(count):
        held = [
            Position.model_validate(
                {
                    "kind": "call" if rng.random() < HALF else "put",
                    "strike": float(np.round(rng.uniform(1500, 4500), 2)),
                    "days": round(rng.uniform(0, 90) * SECONDS_PER_DAY) / SECONDS_PER_DAY,
                    "quantity": float(np.round(rng.normal(0, 3), 3)),
                }
            )
            for _ in range(positions or int(rng.integers(1, 17)))
        ]
        portfolios.append(
            Portfolio(
                cash=float(np.round(rng.normal(0, 5000), 2)),
                latency_seconds=float(int(rng.uniform(0, 3600))),
                positions=held,
                collateral=[
                    Collateral.model_validate(
                        {"token": "USDC", "amount": float(np.round(rng.uniform(0, 20_000), 2))}
                    ),
                    Collateral.model_validate(
                        {
                            "token": "WETH",
                            "amount": float(np.round(rng.uniform(0, 5), 4)),
                            "haircut": 0.1,
                            "tracks_spot": True,
                        }
                    ),
                ],
            )
        )
    return portfolios


@dataclass(frozen=True)
class Options:
    """Black-Scholes inputs as WAD integers (seconds as seconds)."""

    spot: list[int]
    strike: list[int]
    vol: list[int]
    seconds: list[int]
    rate: list[int]
    is_call: list[bool]

    def rows(self) -> list[tuple[int, int, int, int, int, bool]]:
        return list(
            zip(
                self.spot, self.strike, self.vol, self.seconds, self.rate, self.is_call, strict=True
            )
        )

    @property
    def years(self) -> np.ndarray:
        return np.array(self.seconds) / SECONDS_PER_YEAR


def random_options(count: int, seed: int) -> Options:
    """Spots from 1 to 100,000, strikes around them, vols 5-250%, up to two years,
    half of them with a rate up to 10%."""
    rng = np.random.default_rng(seed)
    spot = np.exp(rng.uniform(np.log(1.0), np.log(100_000.0), count))
    return Options(
        spot=[wad(s) for s in spot],
        strike=[wad(s * np.exp(rng.normal(0, 0.4))) for s in spot],
        vol=[wad(v) for v in rng.uniform(0.05, 2.5, count)],
        seconds=[int(t) for t in rng.uniform(0, 2 * SECONDS_PER_YEAR, count)],
        rate=[wad(r) if rng.random() < HALF else 0 for r in rng.uniform(0, 0.1, count)],
        is_call=[bool(c) for c in rng.random(count) < HALF],
    )


def deploy_harness(chain: Chain) -> Contract:
    """`RiskHarness` (contracts/test/helpers), deployed by a dev user account."""
    user = Account.from_key(devkeys.USER_KEYS[1].get_secret_value())
    sender = Sender(chain.web3, user, chain.node.spec.chain_id)
    return sender.deploy(contracts().get("RiskHarness"))
