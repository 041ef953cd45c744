"""A liquidation while the collateral chain is down: the market removes the credit
at once and sends SEIZE; the relay cannot deliver it until the chain is back, and
then delivers it once, so the liquidator is paid exactly once and conservation
holds (with the SEIZE counted in flight while the chain was away)."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account

from relayer.chains import devkeys
from relayer.deploy.everything import deploy_everything
from relayer.settings import Settings
from relayer.testbed.net import restartable_chains, targets
from tests.e2e.story import (
    DEPLOYER,
    KEEPER,
    agents,
    as_json,
    feed,
    list_put,
    sell_with_just_enough_margin,
    wait_for,
    world_of,
)

pytestmark = pytest.mark.e2e

BOB = Account.from_key(devkeys.USER_KEYS[1].get_secret_value())


def test_a_liquidation_while_the_collateral_chain_is_down_seizes_once_it_returns(
    anvil_binary: Path, tmp_path: Path
) -> None:
    with restartable_chains(anvil_binary, [51337, 51338], tmp_path / "nodes") as nodes:
        collateral, market = nodes.chains
        manifest = deploy_everything(
            targets(nodes.chains), network="test", manifest_dir=tmp_path, settings=Settings()
        )
        world = world_of(manifest, collateral, market)
        carol, keeper, bob = (world.party(a) for a in (DEPLOYER, KEEPER, BOB))
        with agents(tmp_path) as run:
            run.start("relay")
            feed(run, "3000")
            wait_for("prices", lambda: world.spot(market) == 3000, run)
            series = list_put(carol, market, Decimal(3000), life=3600)
            world.fund(carol, world.usd, Decimal(20_000))
            world.fund(keeper, world.usd, Decimal(20_000))
            world.mint(world.weth, bob.address, Decimal(1))
            bob.vault.deposit(world.weth, Decimal(1))
            wait_for(
                "credits",
                lambda: (
                    keeper.market.cash(keeper.address) == 20_000
                    and bob.market.credit(bob.address, world.domain, world.weth) == 1
                ),
                run,
            )
            carol.market.place(series, is_bid=True, price=Decimal(5), amount=Decimal(5))
            sell_with_just_enough_margin(
                world, run, bob, series, price=Decimal(5), amount=Decimal(5)
            )
            run.start("keep")

            nodes.stop(0)  # the collateral chain goes away
            feed(run, "2800")
            wait_for(
                "Bob liquidated on the market",
                lambda: not bob.market.account(bob.address).positions,
                run,
            )
            assert bob.market.credit(bob.address, world.domain, world.weth) == 0
            time.sleep(3)  # the relay and the keeper run on without the chain
            run.check_alive()

            collateral = nodes.restart(0)
            back = world_of(manifest, collateral, market)
            keeper_back = back.party(KEEPER)
            wait_for(
                "the SEIZE delivered once the chain is back",
                lambda: keeper_back.vault.balance(world.weth, keeper.address) == 1,
                run,
            )
            checked = run.run("conservation", "--json")
            assert checked.returncode == 0, checked.stdout + checked.stderr
            assert as_json(checked)["holds"] is True
