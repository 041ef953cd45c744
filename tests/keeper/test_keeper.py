"""The keeper on a live market (one Anvil chain, cash credited through the test
harness): margin calls opened once and closed, liquidations largest shortfall
first within the gas budget, orders nobody covers cancelled, expired series
settled, the Python model checked against the chain, and a restart that repeats
nothing."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import pytest

from relayer.keeper.keeper import Keeper
from relayer.market.client import MarketClient
from relayer.market.ledger import LedgerClient
from relayer.market.units import to_wad
from relayer.settings import RiskSettings
from relayer.testbed.market import MarketBed, deploy_market_bed
from tests.conftest import Chains
from tests.keeper.helpers import (
    KEEPER,
    fund_keeper,
    keeper_nonce,
    list_call,
    make_keeper,
    move_spot,
    sell_call,
    spot_where,
    trader,
)

pytestmark = pytest.mark.e2e
RISK = RiskSettings()
DISAGREEMENTS = "crossflow_keeper_disagreements_total"


@pytest.fixture
def bed(chains: Chains, tmp_path: Path) -> MarketBed:
    return deploy_market_bed(chains.market, tmp_path, RISK)


def kinds(keeper: Keeper) -> list[tuple[str, str]]:
    return [(a.kind, a.target) for a in keeper.store.actions()]


def agreed(keeper: Keeper) -> bool:
    return keeper.metrics.value(DISAGREEMENTS) == 0


def test_a_margin_call_is_opened_once_and_closed_after_a_top_up(
    bed: MarketBed, tmp_path: Path
) -> None:
    series_id = list_call(bed)
    seller, buyer = trader(bed), trader(bed)
    sell_call(bed, series_id, seller, buyer, Decimal(1000))
    keeper = make_keeper(bed, tmp_path / "keeper.sqlite")
    keeper.poll()
    assert [k for k in kinds(keeper) if k[0] != "pokeFeeds"] == []

    move_spot(bed, spot_where(bed, seller.address, "margin call", RISK))
    report = keeper.poll()
    assert [(a.kind, a.target) for a in report.actions] == [("marginCall", seller.address)]
    ledger = LedgerClient(bed.market)
    assert ledger.margin_call_of(seller.address) is not None
    before = keeper_nonce(bed)
    assert keeper.poll().actions == []
    assert keeper_nonce(bed) == before

    bed.fund(seller.address, Decimal(5000))
    report = keeper.poll()
    assert [(a.kind, a.target) for a in report.actions] == [("closeMarginCall", seller.address)]
    assert ledger.margin_call_of(seller.address) is None
    assert agreed(keeper)
    assert report.disagreements == []


def test_liquidations_go_largest_shortfall_first_within_the_gas_budget(
    bed: MarketBed, tmp_path: Path
) -> None:
    series_id = list_call(bed)
    buyer = trader(bed)
    sellers = [trader(bed) for _ in range(3)]
    for cash, seller in zip((Decimal(700), Decimal(800), Decimal(900)), sellers, strict=True):
        sell_call(bed, series_id, seller, buyer, cash)
    fund_keeper(bed)
    move_spot(bed, spot_where(bed, sellers[-1].address, "liquidatable", RISK))
    market = MarketClient(bed.market)
    assert all(market.account(s.address).health in ("liquidatable", "insolvent") for s in sellers)

    keeper = make_keeper(bed, tmp_path / "keeper.sqlite")
    first = keeper.market.functions.liquidate(
        sellers[0].address, to_wad(1), [(bed.chain_id, KEEPER.address)]
    )
    keeper = make_keeper(
        bed, tmp_path / "keeper.sqlite", gas_budget=int(keeper.sender.estimate(first) * 1.5)
    )
    liquidated = []
    for _ in sellers:
        report = keeper.poll()
        taken = [a.target for a in report.actions if a.kind == "liquidate"]
        assert len(taken) == 1, "the budget fits one liquidation per poll"
        liquidated += taken
        assert report.disagreements == []
    assert liquidated == [s.address for s in sellers], "poorest (largest MM - E) first"
    assert market.account(KEEPER.address).positions == {series_id: Decimal(-3)}
    assert all(market.account(s.address).positions == {} for s in sellers)
    assert [a for a in keeper.poll().actions if a.kind == "liquidate"] == []
    assert agreed(keeper)


def test_orders_of_an_account_below_im_are_cancelled(bed: MarketBed, tmp_path: Path) -> None:
    series_id = list_call(bed)
    seller, buyer = trader(bed), trader(bed)
    sell_call(bed, series_id, seller, buyer, Decimal(1500))
    bed.client(seller).place(series_id, is_bid=False, price=Decimal(500), amount=Decimal(1))
    market = MarketClient(bed.market)
    assert len(market.orders(seller.address)) == 1
    move_spot(bed, spot_where(bed, seller.address, "margin call", RISK))
    assert not market.account(seller.address).covers_orders

    keeper = make_keeper(bed, tmp_path / "keeper.sqlite")
    report = keeper.poll()
    assert ("cancelOrdersOf", seller.address) in [(a.kind, a.target) for a in report.actions]
    assert market.orders(seller.address) == []
    assert keeper.poll().actions == []
    assert agreed(keeper)


def test_an_expired_series_is_settled_and_every_position_paid(
    bed: MarketBed, tmp_path: Path
) -> None:
    series_id = list_call(bed, days=2 / 24)
    seller, buyer = trader(bed), trader(bed)
    sell_call(bed, series_id, seller, buyer, Decimal(1000))
    market = MarketClient(bed.market)
    cash_before = [market.account(a.address).cash for a in (seller, buyer)]
    bed.advance(2 * 3600 + 60)
    bed.post_prices(3300.0, 0.6)

    keeper = make_keeper(bed, tmp_path / "keeper.sqlite")
    report = keeper.poll()
    assert [a.kind for a in report.actions if a.kind.startswith("settle")] == [
        "settleSeries",
        "settlePositions",
    ]
    assert market.series(series_id).settlement_price == Decimal(3300)
    after = [market.account(a.address) for a in (seller, buyer)]
    assert [a.positions for a in after] == [{}, {}]
    assert after[0].cash == cash_before[0] - Decimal(300)
    assert after[1].cash == cash_before[1] + Decimal(300)
    assert [a for a in keeper.poll().actions if a.kind.startswith("settle")] == []
    assert agreed(keeper)


def test_a_model_that_disagrees_with_the_chain_is_logged_with_both_numbers(
    bed: MarketBed, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    series_id = list_call(bed)
    seller, buyer = trader(bed), trader(bed)
    sell_call(bed, series_id, seller, buyer, Decimal(1000))
    wider = RiskSettings(u_base_mm=0.3, u_base_im=0.5)
    keeper = make_keeper(bed, tmp_path / "keeper.sqlite", risk=wider)
    with caplog.at_level(logging.WARNING, logger="relayer.keeper.keeper"):
        report = keeper.poll()
    assert report.disagreements == [seller.address]
    assert keeper.metrics.value(DISAGREEMENTS) == 1
    (record,) = [r for r in caplog.records if "disagree" in r.getMessage()]
    fields = record.__dict__["fields"]
    assert fields["chain_health"] == "healthy"
    assert fields["model_health"] != "healthy"
    for side in ("chain", "model"):
        assert {f"{side}_equity", f"{side}_mm", f"{side}_im"} <= set(fields)
    assert fields["model_im"] > fields["chain_im"]
    assert "marginCall" not in [a.kind for a in report.actions], "the chain decides"


def test_a_restarted_keeper_repeats_nothing(bed: MarketBed, tmp_path: Path) -> None:
    series_id = list_call(bed)
    buyer, called, broke = trader(bed), trader(bed), trader(bed)
    sell_call(bed, series_id, called, buyer, Decimal(1000))
    sell_call(bed, series_id, broke, buyer, Decimal(700))
    fund_keeper(bed)
    spot = spot_where(bed, called.address, "margin call", RISK)
    move_spot(bed, spot)
    assert MarketClient(bed.market).account(broke.address).health in ("liquidatable", "insolvent")
    state = tmp_path / "keeper.sqlite"

    keeper = make_keeper(bed, state)
    done = [(a.kind, a.target) for a in keeper.poll().actions]
    assert ("marginCall", called.address) in done
    assert ("liquidate", broke.address) in done
    keeper.store.close()
    del keeper  # the crash: nothing but the state file survives
    nonce = keeper_nonce(bed)

    restarted = make_keeper(bed, state)
    assert restarted.poll().actions == []
    assert keeper_nonce(bed) == nonce
    assert [(a.kind, a.target) for a in restarted.store.actions()] == done
    assert all(a.tx_hash.startswith("0x") for a in restarted.store.actions())
    assert set(restarted.store.accounts()) >= {buyer.address, called.address, broke.address}
