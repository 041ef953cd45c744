"""The mission end to end on two live chains, with `crossflow relay`, `crossflow
feed` and `crossflow keep` running as processes: deposits become credits, trades,
a withdrawal is released, a price crash brings a margin call that the collateral
chain answers with an auto top-up for one trader, and a liquidation whose collateral
is seized to the liquidator on the collateral chain for another; at expiry every
position settles; the relayer is killed on the way; and `crossflow conservation`
holds exactly at the end."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account

from relayer.chains import devkeys
from relayer.demo.parties import Party, World
from relayer.deploy.everything import deploy_everything
from relayer.settings import Settings
from relayer.testbed.net import targets
from tests.conftest import Chains
from tests.e2e.story import (
    DEPLOYER,
    KEEPER,
    Processes,
    agents,
    as_json,
    feed,
    list_put,
    sell_with_just_enough_margin,
    wait_for,
    world_of,
)

pytestmark = pytest.mark.e2e

# Short an out-of-the-money put; her reserve tops her up.
ALICE = Account.from_key(devkeys.USER_KEYS[0].get_secret_value())
# Short at-the-money puts on WETH; liquidated.
BOB = Account.from_key(devkeys.USER_KEYS[1].get_secret_value())
LOT = Decimal("0.1")
CRASH = "2800"  # -6.7%: Alice into a margin call, Bob below maintenance
SERIES_LIFE = 150  # seconds from listing to expiry: the story before it takes about 70


def test_deposit_trade_withdraw_crash_top_up_liquidate_settle_and_conserve(
    chains: Chains, tmp_path: Path
) -> None:
    manifest = deploy_everything(
        targets(list(chains)), network="test", manifest_dir=tmp_path, settings=Settings()
    )
    world = world_of(manifest, chains.collateral, chains.market)
    usd = world.usd
    alice, bob, keeper, carol = (world.party(a) for a in (ALICE, BOB, KEEPER, DEPLOYER))
    with agents(tmp_path) as run:
        run.start("relay")
        feed(run, "3000")
        wait_for("first prices", lambda: world.spot(chains.market) == 3000, run)
        put_low, put_atm = (
            list_put(carol, chains.market, Decimal(strike), SERIES_LIFE) for strike in (2700, 3000)
        )
        deposit_with_the_relayer_killed(world, run, carol, keeper, bob)
        carol.market.place(put_low, is_bid=True, price=Decimal(2), amount=Decimal(1))
        carol.market.place(put_atm, is_bid=True, price=Decimal(5), amount=Decimal(5))
        sell_with_just_enough_margin(
            world, run, alice, put_low, price=Decimal(2), amount=Decimal(1), slack=Decimal(60)
        )
        sell_with_just_enough_margin(world, run, bob, put_atm, price=Decimal(5), amount=Decimal(5))
        world.mint(usd, alice.address, Decimal(1000))
        alice.vault.deposit_reserve(usd, Decimal(1000))
        alice.vault.set_auto_top_up(True)
        withdraw(world, run, carol)

        run.start("keep")
        feed(run, CRASH)
        wait_for("the crash", lambda: all(world.spot(c) == Decimal(CRASH) for c in chains), run)
        margin_call_answered_by_auto_top_up(world, run, alice)
        run.kill("relay")  # in the middle of the liquidation
        run.start("relay")
        collateral_seized_to_the_liquidator(world, run, bob, keeper, put_atm)

        wait_for(
            "every position settled at expiry",
            lambda: all(not p.market.account(p.address).positions for p in (alice, keeper, carol)),
            run,
            timeout=SERIES_LIFE + 120,
        )
        keeper_log = "".join(log.read_text() for log in tmp_path.glob("keep-*.log"))
        assert "model and chain disagree" not in keeper_log, "the model agreed with the chain"
        checked = run.run("conservation", "--json")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        report = as_json(checked)
        assert report["holds"] is True
        for line in report["lines"]:
            assert line["credits_in_flight"] == line["payouts_in_flight"] == 0, line


def deposit_with_the_relayer_killed(
    world: World, run: Processes, carol: Party, keeper: Party, bob: Party
) -> None:
    world.fund(carol, world.usd, Decimal(20_000))
    world.fund(keeper, world.usd, Decimal(20_000))
    world.mint(world.weth, bob.address, Decimal(1))
    bob.vault.deposit(world.weth, Decimal(1))
    run.kill("relay")  # the CREDITs are in flight
    run.start("relay")
    wait_for(
        "the credits, each once",
        lambda: (
            carol.market.cash(carol.address) == 20_000
            and keeper.market.cash(keeper.address) == 20_000
            and bob.market.credit(bob.address, world.domain, world.weth) == 1
        ),
        run,
    )


def withdraw(world: World, run: Processes, carol: Party) -> None:
    """Debited on the market at once, paid on the collateral chain when RELEASE lands."""
    before = carol.vault.balance(world.usd, carol.address)
    cash = carol.market.cash(carol.address)
    carol.market.withdraw(world.domain, world.usd, Decimal(1000), carol.address)
    assert carol.market.cash(carol.address) == cash - 1000
    wait_for(
        "the release", lambda: carol.vault.balance(world.usd, carol.address) == before + 1000, run
    )


def margin_call_answered_by_auto_top_up(world: World, run: Processes, alice: Party) -> None:
    reserve = alice.vault.reserve(alice.address, world.usd)
    wait_for("the top-up", lambda: alice.vault.reserve(alice.address, world.usd) < reserve, run)
    wait_for(
        "Alice restored and her call closed",
        lambda: (
            alice.market.account(alice.address).health == "healthy"
            and alice.market.margin_call_of(alice.address) is None
        ),
        run,
    )


def collateral_seized_to_the_liquidator(
    world: World, run: Processes, bob: Party, keeper: Party, series: int
) -> None:
    wait_for("Bob liquidated", lambda: not bob.market.account(bob.address).positions, run)
    assert bob.market.credit(bob.address, world.domain, world.weth) == 0
    wait_for(
        "his WETH seized to the keeper on the collateral chain",
        lambda: keeper.vault.balance(world.weth, keeper.address) == 1,
        run,
    )
    assert keeper.market.account(keeper.address).positions == {series: Decimal(-5)}
