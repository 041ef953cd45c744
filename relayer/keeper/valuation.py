"""Every known account valued twice: by the chain (`health(account)`) and by the
Python risk model from what the chain says the account holds: cash (with what its
settled series pay), credits at spot less their haircut, positions in unsettled
series, and the τ of the slowest domain it holds a credit on, at the market's own
risk parameters (`riskParams()`), spot, vol and block time.

The chain's verdict is the one acted on; the model's is a check, and a different
health state is reported with both sides' E, MM and IM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError

from relayer.chains.tx import explain_revert
from relayer.errors import TransactionReverted
from relayer.keeper.store import CreditKey
from relayer.market.client import HEALTH, Series
from relayer.market.units import from_wad
from relayer.risk.model import Book, Market, margin
from relayer.settings import RiskSettings

WAD = 10**18


@dataclass(frozen=True)
class Credit:
    domain: int
    token: str
    amount: float
    haircut: float


@dataclass(frozen=True)
class Numbers:
    equity: float
    mm: float
    im: float
    health: str  # one of market.client.HEALTH

    def __str__(self) -> str:
        return f"E {self.equity:,.4f} MM {self.mm:,.4f} IM {self.im:,.4f} ({self.health})"


@dataclass
class Snapshot:
    """One account as the chain holds and values it in this poll."""

    address: str
    lots: dict[int, Decimal]  # contracts per series, settled ones included
    cash: float = 0.0
    credits: list[Credit] = field(default_factory=list)
    latency: int = 0
    chain: Numbers | None = None
    open_order_margin: float = 0.0
    covers_orders: bool = True
    orders: int = 0
    model: Numbers | None = None

    @property
    def shortfall(self) -> float:
        """MM - E on the chain's numbers."""
        return self.chain.mm - self.chain.equity if self.chain else 0.0


@dataclass(frozen=True)
class Params:
    risk: RiskSettings
    spot_max_age: int
    vol_max_age: int


def call(contract: Contract, fn: ContractFunction, block: int | None = None) -> Any:
    """`fn`'s result (at `block`, else the latest); a revert comes back as
    TransactionReverted naming the error."""
    try:
        return fn.call() if block is None else fn.call(block_identifier=block)
    except (ContractLogicError, ContractCustomError) as err:
        raise TransactionReverted(fn.fn_name, "a call", explain_revert(err, contract.abi)) from err


def read_params(market: Contract) -> Params:
    (u_mm, u_im, vol_shock, z, floor, rate), spot_age, vol_age, *_ = call(
        market, market.functions.riskParams()
    )
    risk = RiskSettings(
        u_base_mm=u_mm / WAD,
        u_base_im=u_im / WAD,
        vol_shock=vol_shock / WAD,
        z=z / WAD,
        short_floor=floor / WAD,
        rate=rate / WAD,
    )
    return Params(risk, int(spot_age), int(vol_age))


def read_holdings(
    market: Contract, address: str, series: dict[int, Series], block: int | None = None
) -> Snapshot:
    """The account's series and positions (at `block`, else the latest): readable
    whatever the feeds say."""
    ids, lots = call(market, market.functions.positionsOf(address), block)
    return Snapshot(
        address,
        {int(i): n * series[int(i)].lot_size for i, n in zip(ids, lots, strict=True)},
    )


class Valuer:
    """Fills snapshots with the chain's valuation and the model's, for one poll. Every
    read is at `block`, the block whose prices the model uses too, so a price round
    mined between two reads cannot make the two sides disagree."""

    def __init__(self, market: Contract, series: dict[int, Series], block: int) -> None:
        self.market = market
        self.series = series
        self.block = block
        self._tokens: dict[tuple[int, str], float | None] = {}  # haircut, None for cash
        self._latency: dict[int, int] = {}

    def read(self, snapshot: Snapshot, keys: list[CreditKey]) -> None:
        f = self.market.functions
        address = snapshot.address
        (equity, mm, im, _, _, health), order_margin, covers = self._call(f.health(address))
        snapshot.chain = Numbers(
            float(from_wad(equity)), float(from_wad(mm)), float(from_wad(im)), HEALTH[health]
        )
        snapshot.open_order_margin = float(from_wad(order_margin))
        snapshot.covers_orders = bool(covers)
        snapshot.orders = len(self._call(f.ordersOf(address)))
        cash = from_wad(self._call(f.cash(address)))
        for series_id, contracts in snapshot.lots.items():
            s = self.series[series_id]
            if s.settled:
                cash += contracts * _payoff(s)
        snapshot.cash = float(cash)
        for key in keys:
            haircut = self._haircut(key.domain, key.token)
            if haircut is None:
                continue
            amount = self._call(f.credit(address, key.domain, key.token))
            if amount:
                snapshot.credits.append(Credit(key.domain, key.token, amount / WAD, haircut))
        snapshot.latency = max(
            (self._domain_latency(c.domain) for c in snapshot.credits), default=0
        )

    def model(self, snapshots: list[Snapshot], market: Market, risk: RiskSettings) -> None:
        """The model's numbers on every snapshot, in one vectorised pass."""
        if not snapshots:
            return
        result = margin(self._book(snapshots, market.now), market, risk)
        for i, snapshot in enumerate(snapshots):
            snapshot.model = Numbers(
                float(result.equity[i]),
                float(result.mm[i]),
                float(result.im[i]),
                HEALTH[int(result.health[i])],
            )

    def _book(self, snapshots: list[Snapshot], now: int) -> Book:
        haircuts = {(c.domain, c.token): c.haircut for s in snapshots for c in s.credits}
        tokens = sorted(haircuts)
        column = {key: j for j, key in enumerate(tokens)}
        live = [
            [(sid, q) for sid, q in s.lots.items() if q and not self.series[sid].settled]
            for s in snapshots
        ]
        accounts, slots = len(snapshots), max((len(p) for p in live), default=0)
        quantity, strike = np.zeros((accounts, slots)), np.ones((accounts, slots))
        expiry = np.full((accounts, slots), float(now))
        is_call = np.zeros((accounts, slots), dtype=bool)
        collateral = np.zeros((accounts, len(tokens)))
        for a, (snapshot, positions) in enumerate(zip(snapshots, live, strict=True)):
            for p, (series_id, contracts) in enumerate(positions):
                s = self.series[series_id]
                quantity[a, p], strike[a, p] = float(contracts), float(s.strike)
                expiry[a, p], is_call[a, p] = float(s.expiry), s.is_call
            for c in snapshot.credits:
                collateral[a, column[(c.domain, c.token)]] += c.amount
        return Book(
            cash=np.array([s.cash for s in snapshots]),
            quantity=quantity,
            strike=strike,
            expiry=expiry,
            is_call=is_call,
            collateral=collateral,
            haircut=np.array([haircuts[key] for key in tokens]),
            tracks_spot=np.ones(len(tokens), dtype=bool),
            price=np.ones(len(tokens)),
            latency=np.array([float(s.latency) for s in snapshots]),
        )

    def _call(self, fn: ContractFunction) -> Any:
        return call(self.market, fn, self.block)

    def _haircut(self, domain: int, token: str) -> float | None:
        """The token's haircut on `domain`; None for the domain's quote token (cash)."""
        if (domain, token) not in self._tokens:
            f = self.market.functions
            quote = str(call(self.market, f.quoteToken(domain)))
            if quote.lower() == token.lower():
                self._tokens[(domain, token)] = None
            else:
                _, haircut = call(self.market, f.collateralToken(domain, token))
                self._tokens[(domain, token)] = haircut / WAD
        return self._tokens[(domain, token)]

    def _domain_latency(self, domain: int) -> int:
        if domain not in self._latency:
            f = self.market.functions
            self._latency[domain] = int(call(self.market, f.domainLatency(domain)))
        return self._latency[domain]


def _payoff(s: Series) -> Decimal:
    price = s.settlement_price
    return max(price - s.strike, Decimal(0)) if s.is_call else max(s.strike - price, Decimal(0))
