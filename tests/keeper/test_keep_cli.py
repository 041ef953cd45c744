"""`crossflow keep --once` as a user runs it, against a market the real deploy path
put on live chains: JSON log lines, its actions remembered across runs, and the
errors a user can hit in one line each."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from relayer.chains import devkeys
from relayer.chains.manifest import load_manifest, save_manifest
from relayer.deploy.deployer import deploy_market
from relayer.settings import RiskSettings
from relayer.testbed.net import deploy_feeds, deploy_net, targets
from tests.conftest import Chains
from tests.console import CROSSFLOW, assert_one_line_error, clean_environment
from tests.keeper.helpers import KEEPER

pytestmark = pytest.mark.e2e
NETWORK = "test"


@pytest.fixture
def manifest_dir(chains: Chains, tmp_path: Path) -> Path:
    deploy_net(list(chains), tmp_path)
    deploy_feeds(list(chains), tmp_path)
    deploy_market(
        targets(list(chains)),
        network=NETWORK,
        manifest_dir=tmp_path,
        deployer_key=devkeys.DEPLOYER_KEY,
        risk=RiskSettings(),
        feed_max_age=180,
    )
    return tmp_path


def keep(manifest_dir: Path, *, key: bool = True) -> subprocess.CompletedProcess[str]:
    env = clean_environment(
        CROSSFLOW_NETWORK=NETWORK,
        CROSSFLOW_MANIFEST_DIR=str(manifest_dir),
        CROSSFLOW_KEEPER__STATE_FILE=str(manifest_dir / "keeper.sqlite"),
    )
    if key:
        env["CROSSFLOW_KEEPER__KEY"] = devkeys.USER_KEYS[2].get_secret_value()
    return subprocess.run(
        [str(CROSSFLOW), "keep", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def logged(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stderr.splitlines()]


def test_keep_once_polls_logs_json_and_remembers_what_it_did(
    manifest_dir: Path, chains: Chains
) -> None:
    first = keep(manifest_dir)
    assert first.returncode == 0, first.stderr
    lines = logged(first)
    assert any(str(line["msg"]).startswith("keeping the market") for line in lines)
    (poll,) = [line for line in lines if str(line["msg"]).startswith("poll at block")]
    assert poll["fresh"] is False, "no prices posted yet"
    assert poll["actions"] == ["pokeFeeds feeds"]
    nonce = chains.market.web3.eth.get_transaction_count(KEEPER.address)

    second = keep(manifest_dir)
    assert second.returncode == 0, second.stderr
    lines = logged(second)
    earlier = [str(line["msg"]) for line in lines if str(line["msg"]).startswith("earlier")]
    assert len(earlier) == 1
    assert earlier[0].startswith("earlier: pokeFeeds feeds in 0x")
    (poll,) = [line for line in lines if str(line["msg"]).startswith("poll at block")]
    assert poll["actions"] == []
    assert chains.market.web3.eth.get_transaction_count(KEEPER.address) == nonce


def test_what_a_user_can_get_wrong_is_one_line(manifest_dir: Path, tmp_path: Path) -> None:
    assert_one_line_error(keep(manifest_dir, key=False), "no keeper key", "CROSSFLOW_KEEPER__KEY")
    assert_one_line_error(keep(tmp_path / "nowhere"), "no deployment manifest", "crossflow deploy")

    original = load_manifest(manifest_dir, NETWORK)
    down = original.model_copy(deep=True)
    for chain in down.chains:
        chain.rpc_url = "http://127.0.0.1:9"  # nothing listens on the discard port
    save_manifest(manifest_dir, down)
    assert_one_line_error(keep(manifest_dir), "no Ethereum node answers", "devnet up")

    for chain in original.chains:
        chain.contracts.pop("OptionsMarket", None)
        chain.code_hashes.pop("OptionsMarket", None)
    save_manifest(manifest_dir, original)
    assert_one_line_error(keep(manifest_dir), "OptionsMarket is not deployed")
