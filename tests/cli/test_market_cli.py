"""`crossflow market` against the market the real deploy path puts on live chains."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from relayer.chains import devkeys
from relayer.deploy.deployer import deploy_market
from relayer.settings import RiskSettings
from relayer.testbed.net import deploy_feeds, deploy_net, targets
from tests.conftest import Chains
from tests.console import CROSSFLOW, assert_one_line_error, clean_environment

pytestmark = pytest.mark.e2e


@pytest.fixture
def manifest_dir(chains: Chains, tmp_path: Path) -> Path:
    deploy_net(list(chains), tmp_path)
    deploy_feeds(list(chains), tmp_path)
    deploy_market(
        targets(list(chains)),
        network="test",
        manifest_dir=tmp_path,
        deployer_key=devkeys.DEPLOYER_KEY,
        risk=RiskSettings(),
        feed_max_age=180,
    )
    return tmp_path


def market(manifest_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_environment(
        CROSSFLOW_NETWORK="test",
        CROSSFLOW_MANIFEST_DIR=str(manifest_dir),
        CROSSFLOW_MARKET__OWNER_KEY=devkeys.DEPLOYER_KEY.get_secret_value(),
        CROSSFLOW_MARKET__TRADER_KEY=devkeys.USER_KEYS[0].get_secret_value(),
    )
    return subprocess.run(
        [str(CROSSFLOW), "market", *args], env=env, capture_output=True, text=True, check=False
    )


def test_list_then_read_the_series_book_and_account(manifest_dir: Path) -> None:
    expiry = str(int(time.time()) + 7 * 86_400)
    listed = market(manifest_dir, "list", "--strike", "3000", "--expiry", expiry, "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {"series": 1}

    shown = json.loads(market(manifest_dir, "series", "--json").stdout)
    assert [(s["id"], s["strike"], s["is_call"]) for s in shown] == [(1, "3000", True)]
    assert market(manifest_dir, "book", "1").stdout.strip() == "the book is empty"
    assert market(manifest_dir, "orders").stdout.strip() == "no resting orders"


def test_orders_without_collateral_or_with_bad_numbers_fail_in_one_line(
    manifest_dir: Path,
) -> None:
    expiry = str(int(time.time()) + 7 * 86_400)
    assert market(manifest_dir, "list", "--strike", "3000", "--expiry", expiry).returncode == 0
    # No deposits reach the market before the vaults do: every order lacks margin, or the
    # feeds have no price yet.
    refused = market(manifest_dir, "place", "1", "buy", "150", "1")
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr
    assert_one_line_error(market(manifest_dir, "cancel", "7"), "MarketNotOrderOwner")
    assert_one_line_error(market(manifest_dir, "book", "9"), "MarketUnknownSeries")
    bad = market(manifest_dir, "place", "1", "buy", "abc", "1")
    assert bad.returncode == 2
    assert "is not a number" in bad.stderr
