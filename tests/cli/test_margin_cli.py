"""`crossflow margin` through the real console script."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from eth_account import Account

from relayer.chains import devkeys
from relayer.chains.manifest import Manifest
from relayer.oracle.feeder import Feeder
from relayer.oracle.price_sources import constant
from relayer.settings import FeedSettings
from relayer.testbed.net import contracts, deploy_feeds
from tests.conftest import Chains
from tests.console import CROSSFLOW, assert_one_line_error, clean_environment

EXAMPLES = Path(__file__).parents[2] / "examples"


def crossflow(*args: str, manifest_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = clean_environment(CROSSFLOW_MANIFEST_DIR=str(manifest_dir or "/nonexistent"))
    return subprocess.run(
        [str(CROSSFLOW), "margin", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_explains_an_account_at_a_given_price() -> None:
    result = crossflow(str(EXAMPLES / "naked_strangle.toml"), "--spot", "3000", "--vol", "0.6")
    assert result.returncode == 0, result.stderr
    assert "<- worst" in result.stdout
    assert "widened by latency (600 s), which adds" in result.stdout
    adds = [line for line in result.stdout.splitlines() if "which adds" in line]
    assert len(adds) == 2
    assert all(line.endswith(" USD") for line in adds)  # a requirement, in the quote currency
    shown = json.loads(
        crossflow(
            str(EXAMPLES / "naked_strangle.toml"), "--spot", "3000", "--vol", "0.6", "--json"
        ).stdout
    )
    assert len(shown["scenarios"]) == 21
    worst = shown["scenarios"][shown["worst"]]["value"]
    assert min(s["value"] for s in shown["scenarios"]) == worst
    assert shown["im"] == pytest.approx(shown["equity"] - worst + shown["short_floor"])
    assert shown["im"] >= shown["mm"] > 0
    assert shown["im_latency_part"] > 0
    assert shown["health"] == "HEALTHY"


@pytest.mark.e2e
def test_reads_spot_and_vol_from_the_market_chains_feeds(chains: Chains, tmp_path: Path) -> None:
    manifest: Manifest = deploy_feeds(list(chains), tmp_path, network="local")
    now = time.time()
    Feeder(
        FeedSettings(),
        manifest,
        contracts(),
        constant(2500.0, 0.8, int(now), 1),
        signers=[Account.from_key(k.get_secret_value()) for k in devkeys.ORACLE_SIGNER_KEYS],
        poster=Account.from_key(devkeys.FEEDER_KEY.get_secret_value()),
        clock=now,
    ).tick(now)
    result = crossflow(str(EXAMPLES / "covered_call.toml"), "--json", manifest_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["spot"], shown["vol"]) == (2500.0, 0.8)


def test_a_bad_portfolio_or_no_price_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[[positions]]\nkind = "straddle"\nstrike = 3000\ndays = 7\nquantity = 1\n')
    assert_one_line_error(
        crossflow(str(broken), "--spot", "3000", "--vol", "0.6"), "positions.0.kind"
    )
    assert_one_line_error(crossflow(str(EXAMPLES / "covered_call.toml")), "pass --spot and --vol")
