"""A margin call whose message reaches the collateral chain after its deadline:
the relayer is down while the call is open and the collateral chain's clock runs
past the deadline. The vault records the call as late and moves no reserve, the
market is credited nothing, and conservation holds."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account

from relayer.chains import devkeys
from relayer.deploy.everything import deploy_everything
from relayer.settings import Settings
from relayer.testbed.net import targets
from tests.conftest import Chains, rpc
from tests.e2e.story import (
    DEPLOYER,
    agents,
    as_json,
    feed,
    list_put,
    sell_with_just_enough_margin,
    wait_for,
    world_of,
)

pytestmark = pytest.mark.e2e

ALICE = Account.from_key(devkeys.USER_KEYS[0].get_secret_value())
LATE = 1  # ICollateralVault.MarginCallStatus.Late


def test_a_margin_call_delivered_after_its_deadline_moves_no_reserve(
    chains: Chains, tmp_path: Path
) -> None:
    settings = Settings()
    manifest = deploy_everything(
        targets(list(chains)), network="test", manifest_dir=tmp_path, settings=settings
    )
    world = world_of(manifest, chains.collateral, chains.market)
    carol, alice = world.party(DEPLOYER), world.party(ALICE)
    with agents(tmp_path) as run:
        run.start("relay")
        feed(run, "3000")
        wait_for("prices", lambda: world.spot(chains.market) == 3000, run)
        series = list_put(carol, chains.market, Decimal(2700), life=3600)
        world.fund(carol, world.usd, Decimal(5_000))
        wait_for("credit", lambda: carol.market.cash(carol.address) == 5_000, run)
        carol.market.place(series, is_bid=True, price=Decimal(2), amount=Decimal(1))
        sell_with_just_enough_margin(
            world, run, alice, series, price=Decimal(2), amount=Decimal(1), slack=Decimal(60)
        )
        world.mint(world.usd, alice.address, Decimal(1000))
        alice.vault.deposit_reserve(world.usd, Decimal(1000))
        alice.vault.set_auto_top_up(True)

        run.kill("relay")  # the MARGIN_CALL will wait
        feed(run, "2800")
        wait_for("the crash", lambda: world.spot(chains.market) == 2800, run)
        call = carol.market.margin_call(alice.address)
        cash = alice.market.cash(alice.address)
        # The collateral chain's clock passes the deadline before the message arrives.
        late_by = settings.market.margin_call_window + 60
        rpc(chains.collateral, "evm_increaseTime", late_by)
        rpc(chains.collateral, "evm_mine")

        run.start("relay")
        status = alice.vault.vault.functions.marginCallStatus(call.call_id)
        wait_for("the late call recorded", lambda: status.call() == LATE, run)
        assert alice.vault.reserve(alice.address, world.usd) == 1000, "no reserve moved"
        assert alice.market.cash(alice.address) == cash, "nothing credited"
        checked = run.run("conservation", "--json")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert as_json(checked)["holds"] is True
