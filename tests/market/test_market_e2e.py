"""The options market through its Python client on a live Anvil chain: list a
series, trade between two accounts, settle, and bad orders named by their error."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account

from relayer.chains import devkeys
from relayer.errors import TransactionReverted
from relayer.market.client import MarketClient, OrderKind, settlement_round
from relayer.settings import RiskSettings
from relayer.testbed.market import OWNER, MarketBed, deploy_market_bed
from tests.conftest import Chains

pytestmark = pytest.mark.e2e

ALICE, BOB = (Account.from_key(k.get_secret_value()) for k in devkeys.USER_KEYS[:2])
HOUR = 3600


@pytest.fixture
def bed(chains: Chains, tmp_path: Path) -> MarketBed:
    return deploy_market_bed(chains.market, tmp_path, RiskSettings())


def list_call(bed: MarketBed, strike: str = "3000") -> tuple[MarketClient, int, int]:
    owner = bed.client(OWNER)
    expiry = bed.now() + 2 * HOUR
    series_id = owner.list_series(
        strike=Decimal(strike),
        expiry=expiry,
        is_call=True,
        tick_size=Decimal("0.1"),
        lot_size=Decimal("0.1"),
        max_price=Decimal(6000),
    )
    return owner, series_id, expiry


def test_two_accounts_trade_and_settle_zero_sum(bed: MarketBed) -> None:
    owner, series_id, expiry = list_call(bed)
    assert [s.id for s in owner.all_series()] == [series_id]
    alice, bob = bed.client(ALICE), bed.client(BOB)
    for account in (ALICE, BOB):
        bed.fund(account.address, Decimal(50_000))

    rested = alice.place(series_id, is_bid=True, price=Decimal("150.5"), amount=Decimal(2))
    assert rested.order_id > 0
    assert rested.filled == 0
    book = alice.book(series_id)
    assert [(lv.price, lv.amount) for lv in book.bids] == [(Decimal("150.5"), Decimal(2))]
    assert alice.account(ALICE.address).open_order_margin > 0

    taken = bob.place(
        series_id,
        is_bid=False,
        price=Decimal(140),
        amount=Decimal(3),
        kind=OrderKind.IMMEDIATE_OR_CANCEL,
    )
    assert (taken.order_id, taken.filled) == (0, Decimal(2))
    a, b = alice.account(ALICE.address), bob.account(BOB.address)
    assert a.positions == {series_id: Decimal(2)}
    assert b.positions == {series_id: Decimal(-2)}
    assert a.cash == Decimal(50_000) - Decimal(301)  # two contracts at the maker's 150.5
    assert b.cash == Decimal(50_000) + Decimal(301)
    assert a.health == b.health == "healthy"
    assert a.orders == []

    bed.advance(2 * HOUR + 60)
    bed.post_prices(3300.0, 0.6)
    owner.settle_series(series_id, settlement_round(bed.spot, expiry))
    assert owner.series(series_id).settlement_price == Decimal(3300)
    for account in (ALICE, BOB):
        owner.settle_position(account.address, series_id)
    a, b = alice.account(ALICE.address), bob.account(BOB.address)
    assert a.cash == Decimal(50_000) - Decimal(301) + Decimal(600)
    assert a.cash + b.cash == Decimal(100_000)
    assert a.positions == b.positions == {}


def test_bad_orders_come_back_named_and_change_nothing(bed: MarketBed) -> None:
    _, series_id, _ = list_call(bed)
    alice = bed.client(ALICE)
    bed.fund(ALICE.address, Decimal(1000))
    cases = {
        "MarketInvalidPrice": (Decimal("150.05"), Decimal(1)),
        "MarketInvalidSize": (Decimal(150), Decimal("0.15")),
        "MarketInsufficientMargin": (Decimal(150), Decimal(100)),
    }
    for error, (price, amount) in cases.items():
        with pytest.raises(TransactionReverted) as caught:
            alice.place(series_id, is_bid=False, price=price, amount=amount)
        assert caught.value.reason == error
    with pytest.raises(TransactionReverted) as caught:
        alice.place(99, is_bid=True, price=Decimal(150), amount=Decimal(1))
    assert caught.value.reason == "MarketUnknownSeries"
    assert alice.account(ALICE.address).orders == []
