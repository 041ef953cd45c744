"""The liquidation story on three chains: one trader's collateral is split over two
collateral chains, and its liquidation seizes on both, each SEIZE paying the
liquidator on its own chain; `crossflow conservation` holds on every vault."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account

from relayer.chains import devkeys
from relayer.deploy.everything import deploy_everything
from relayer.settings import Settings
from relayer.testbed.net import Chain, running_chains, targets
from tests.e2e.story import (
    DEPLOYER,
    KEEPER,
    World,
    agents,
    as_json,
    feed,
    list_put,
    sell_with_just_enough_margin,
    spot_of,
    tokens,
    wait_for,
)

pytestmark = pytest.mark.e2e

BOB = Account.from_key(devkeys.USER_KEYS[1].get_secret_value())


@pytest.fixture
def three_chains(anvil_binary: Path, tmp_path: Path) -> Iterator[list[Chain]]:
    with running_chains(anvil_binary, [41337, 41338, 41339], tmp_path / "anvil") as chains:
        yield chains


def test_collateral_split_over_two_chains_is_seized_on_both(
    three_chains: list[Chain], tmp_path: Path
) -> None:
    collateral_a, market, collateral_c = three_chains
    manifest = deploy_everything(
        targets(three_chains), network="test", manifest_dir=tmp_path, settings=Settings()
    )
    on_a = World(manifest, collateral_a, market, *tokens(manifest, 41337))
    on_c = on_a.on(collateral_c)
    carol, keeper = on_a.party(DEPLOYER), on_a.party(KEEPER)
    bob_a, bob_c, keeper_c = on_a.party(BOB), on_c.party(BOB), on_c.party(KEEPER)
    with agents(tmp_path) as run:
        run.start("relay", "relay")
        feed(run, "3000")
        wait_for("prices", lambda: all(spot_of(on_a, c) == 3000 for c in three_chains), run)
        series = list_put(carol, market, Decimal(3000), life=3600)
        on_a.fund(carol, on_a.usd, Decimal(20_000))
        on_c.fund(keeper_c, on_c.usd, Decimal(20_000))
        for world, bob in ((on_a, bob_a), (on_c, bob_c)):
            world.mint(world.weth, bob.address, Decimal("0.5"))
            bob.vault.deposit(world.weth, Decimal("0.5"))
        wait_for(
            "credits on both domains",
            lambda: (
                bob_a.market.domains_of(bob_a.address) == [41337, 41339]
                and keeper.market.cash(keeper.address) == 20_000
            ),
            run,
        )
        carol.market.place(series, is_bid=True, price=Decimal(5), amount=Decimal(5))
        sell_with_just_enough_margin(on_a, run, bob_a, series, price=Decimal(5), amount=Decimal(5))

        run.start("keep", "keep")
        feed(run, "2800")
        wait_for("Bob liquidated", lambda: not bob_a.market.account(bob_a.address).positions, run)
        wait_for(
            "WETH seized to the keeper on each chain",
            lambda: (
                keeper.vault.balance(on_a.weth, keeper.address) == Decimal("0.5")
                and keeper_c.vault.balance(on_c.weth, keeper.address) == Decimal("0.5")
            ),
            run,
        )
        checked = run.run("conservation", "--json")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        lines = as_json(checked)["lines"]
        assert {line["domain"] for line in lines} == {41337, 41339}
        assert all(line["credits"] in (None, 0) for line in lines)
