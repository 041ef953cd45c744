"""`crossflow faucet`, `deposit` and `reserve` against the vault the real deploy
path puts on a live collateral chain (wired to a stand-in market)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from eth_account import Account

from relayer.chains import devkeys
from relayer.chains.tx import Sender
from relayer.collateral.client import Flow
from relayer.collateral.messages import Credit, decode
from relayer.collateral.tokens import USD, VAULT_KEY, WETH
from tests.collateral.bed import OWNER, CollateralBed, deploy_bed, dispatched
from tests.conftest import Chains
from tests.console import CROSSFLOW, assert_one_line_error, clean_environment

pytestmark = pytest.mark.e2e

USER, OTHER = (Account.from_key(k.get_secret_value()) for k in devkeys.USER_KEYS[:2])


@pytest.fixture
def bed(chains: Chains, tmp_path: Path) -> CollateralBed:
    return deploy_bed(chains, tmp_path)


def crossflow(bed: CollateralBed, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_environment(
        CROSSFLOW_NETWORK="test",
        CROSSFLOW_MANIFEST_DIR=str(bed.manifest_dir),
        CROSSFLOW_COLLATERAL__USER_KEY=devkeys.USER_KEYS[0].get_secret_value(),
    )
    return subprocess.run(
        [str(CROSSFLOW), *args], env=env, capture_output=True, text=True, check=False
    )


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert result.returncode == 0, result.stderr
    value: dict[str, object] = json.loads(result.stdout)
    return value


def test_faucet_then_deposits_send_the_credits_they_report(bed: CollateralBed) -> None:
    dripped = as_json(crossflow(bed, "faucet", "--token", "weth", "--json"))
    assert (dripped["dripped"], dripped["balance"]) == ("10", "10")
    assert crossflow(bed, "faucet", "--token", "USD").returncode == 0

    mine = as_json(crossflow(bed, "deposit", "--token", "WETH", "--amount", "2.25", "--json"))
    theirs = as_json(
        crossflow(
            bed, "deposit", "--chain", "collateral-1", "--token", bed.token(USD),
            "--amount", "100", "--account", OTHER.address, "--json",
        )
    )  # fmt: skip
    for shown, account, token, wad in (
        (mine, USER.address, bed.token(WETH), 2_250_000_000_000_000_000),
        (theirs, OTHER.address, bed.token(USD), 100 * 10**18),
    ):
        (body,) = dispatched(bed, str(shown["tx_hash"]))
        deposit_id = bytes.fromhex(str(shown["deposit_id"])[2:])
        assert decode(body) == Credit(account, token, wad, deposit_id)
        assert shown["amount_wad"] == wad
    assert mine["deposit_id"] != theirs["deposit_id"]
    assert mine["amount"] == "2.25"

    text = crossflow(bed, "deposit", "--token", "WETH", "--amount", "0.75")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"deposited 0.75 WETH on collateral-1 for {USER.address}")
    shown = as_json(crossflow(bed, "reserve", "show", "--json"))
    tokens = {t["token"]: t for t in shown["tokens"]}  # type: ignore[attr-defined]
    assert tokens["WETH"]["committed"] == "3"
    assert tokens["USD"]["committed"] == "100"


def test_reserve_deposit_withdraw_and_auto_top_up(bed: CollateralBed) -> None:
    assert crossflow(bed, "faucet", "--token", "USD").returncode == 0
    parked = as_json(
        crossflow(bed, "reserve", "deposit", "--token", "USD", "--amount", "600", "--json")
    )
    assert parked["reserve"] == "600"
    back = crossflow(bed, "reserve", "withdraw", "--token", "USD", "--amount", "250.5")
    assert back.returncode == 0, back.stderr
    assert "reserve now 349.5 USD" in back.stdout
    assert as_json(crossflow(bed, "reserve", "auto-top-up", "on", "--json"))["auto_top_up"] is True
    shown = as_json(crossflow(bed, "reserve", "show", "--json"))
    assert shown["auto_top_up"] is True
    tokens = {t["token"]: t for t in shown["tokens"]}  # type: ignore[attr-defined]
    assert (tokens["USD"]["reserve"], tokens["USD"]["committed"]) == ("349.5", "0")
    table = crossflow(bed, "reserve", "show").stdout
    assert "auto top-up on" in table
    assert "par" in table


def test_bad_requests_fail_in_one_line_that_says_what_to_do(bed: CollateralBed) -> None:
    assert_one_line_error(
        crossflow(bed, "deposit", "--token", "WETH", "--amount", "1"),
        "has 0 WETH on collateral-1",
        "crossflow faucet --chain collateral-1 --token WETH",
    )
    assert_one_line_error(
        crossflow(bed, "deposit", "--token", "DOGE", "--amount", "1"),
        "does not take DOGE",
        "WETH, USD",
    )
    assert_one_line_error(
        crossflow(bed, "deposit", "--chain", "market", "--token", "WETH", "--amount", "1"),
        "no vault on 'market'",
        "collateral-1",
    )
    assert crossflow(bed, "faucet", "--token", "WETH").returncode == 0
    assert_one_line_error(crossflow(bed, "faucet", "--token", "WETH"), "already had its WETH")
    assert_one_line_error(
        crossflow(bed, "deposit", "--token", "WETH", "--amount", "0.0000000000000000001"),
        "at most 18 decimals",
    )
    assert_one_line_error(
        crossflow(bed, "reserve", "withdraw", "--token", "WETH", "--amount", "1"),
        "has 0 WETH in reserve",
    )
    vault = bed.contract(VAULT_KEY, "ICollateralVault")
    Sender(bed.collateral.web3, OWNER, bed.domain).transact(
        vault.functions.pause(int(Flow.DEPOSITS)), "pause"
    )
    assert_one_line_error(
        crossflow(bed, "reserve", "deposit", "--token", "WETH", "--amount", "1"),
        "deposits are paused",
    )
    bad = crossflow(bed, "deposit", "--token", "WETH", "--amount", "-1")
    assert bad.returncode == 2
    assert "must be a positive number" in bad.stderr
