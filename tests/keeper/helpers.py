"""A market with traders on one live chain, and a keeper polling it in-process."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3.types import RPCEndpoint

from relayer.keeper.keeper import Feeds, Keeper
from relayer.keeper.setup import KEEPER_DEV_KEY
from relayer.keeper.store import KeeperStore
from relayer.market.client import HEALTH, MarketClient
from relayer.market.ledger import LedgerClient
from relayer.oracle.feeds import ETH_USD, read_latest
from relayer.risk.model import Book, Market, margin
from relayer.settings import KeeperSettings, RiskSettings
from relayer.testbed.market import OWNER, MarketBed

KEEPER = Account.from_key(KEEPER_DEV_KEY.get_secret_value())
DAY = 86_400
VOL = 0.6


def trader(bed: MarketBed) -> LocalAccount:
    """A new account with ether for gas and nothing on the market."""
    account: LocalAccount = Account.create()
    bed.chain.web3.provider.make_request(
        RPCEndpoint("anvil_setBalance"), [account.address, hex(10**20)]
    )
    return account


def list_call(bed: MarketBed, days: float = 7, strike: int = 3000) -> int:
    return bed.client(OWNER).list_series(
        strike=Decimal(strike),
        expiry=bed.now() + int(days * DAY),
        is_call=True,
        tick_size=Decimal("0.1"),
        lot_size=Decimal("0.1"),
        max_price=Decimal(6000),
    )


def sell_call(
    bed: MarketBed, series_id: int, seller: LocalAccount, buyer: LocalAccount, cash: Decimal
) -> None:
    """`seller`, funded with `cash`, sells one contract to `buyer` at the model's price."""
    bed.fund(seller.address, cash)
    bed.fund(buyer.address, Decimal(100_000))
    price = Decimal(100)
    bed.client(seller).place(series_id, is_bid=False, price=price, amount=Decimal(1))
    bed.client(buyer).place(series_id, is_bid=True, price=price, amount=Decimal(1))


def spot_where(bed: MarketBed, account: str, health: str, risk: RiskSettings) -> float:
    """The middle of the spot range (above 3000) where the Python model puts `account`
    in `health`, from what the chain says it holds: cash and call positions."""
    client = MarketClient(bed.market)
    held = client.account(account)
    now = bed.now()
    series = [client.series(i) for i in held.positions]
    book = Book(
        cash=np.array([float(held.cash)]),
        quantity=np.array([[float(q) for q in held.positions.values()]]),
        strike=np.array([[float(s.strike) for s in series]]),
        expiry=np.array([[float(s.expiry) for s in series]]),
        is_call=np.array([[s.is_call for s in series]]),
        collateral=np.zeros((1, 0)),
        haircut=np.zeros(0),
        tracks_spot=np.zeros(0, dtype=bool),
        price=np.zeros(0),
        latency=np.zeros(1),
    )
    spots = [s for s in np.arange(3000.0, 6000.0, 2.0) if _health(book, s, now, risk) == health]
    assert spots, f"no spot puts {account} in {health}"
    return float(spots[len(spots) // 2])


def _health(book: Book, spot: float, now: int, risk: RiskSettings) -> str:
    return HEALTH[int(margin(book, Market(spot, VOL, now), risk).health[0])]


def move_spot(bed: MarketBed, spot: float) -> None:
    """Posts `spot` in rounds the feed's 20% circuit breaker takes."""
    current = ETH_USD.from_answer(read_latest(bed.spot).answer)
    while abs(spot / current - 1) > 0.15:
        current *= 1.15 if spot > current else 0.85
        bed.advance(1)  # a feed takes one round per second at most
        bed.post_prices(current, VOL)
    bed.advance(1)
    bed.post_prices(spot, VOL)


def make_keeper(
    bed: MarketBed, state_file: Path, *, risk: RiskSettings | None = None, **knobs: object
) -> Keeper:
    settings = KeeperSettings.model_validate({"state_file": state_file} | knobs)
    client = LedgerClient(bed.market, bed.sender(KEEPER))
    store = KeeperStore.open(state_file)
    return Keeper(settings, client, Feeds(bed.spot, bed.vol), store, risk=risk)


def keeper_nonce(bed: MarketBed) -> int:
    return int(bed.chain.web3.eth.get_transaction_count(KEEPER.address))


def fund_keeper(bed: MarketBed) -> None:
    bed.fund(KEEPER.address, Decimal(1_000_000))
