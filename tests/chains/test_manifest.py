"""The manifest on disk: a chain whose RPC URL came from an environment variable is
written with the variable's name and no URL (a public URL often carries an API key,
and a testnet manifest is committed), and loaded with the URL from that variable
again; a devnet chain keeps its local URL, as manifests always have."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relayer.chains.manifest import (
    ChainDeployment,
    Manifest,
    ManifestRpcUrlNotSet,
    load_manifest,
    manifest_path,
    save_manifest,
)
from relayer.errors import ConfigError, InvalidManifest

SEPOLIA_URL = "https://eth-sepolia.g.alchemy.com/v2/SECRETKEY"
ARBITRUM_URL = "https://arb-sepolia.g.alchemy.com/v2/OTHERKEY"
GENESIS = "0x" + "ab" * 32
LOCAL_CHAIN = {
    "name": "collateral-1",
    "role": "collateral",
    "chain_id": 31337,
    "domain": 31337,
    "rpc_url": "http://127.0.0.1:8545",
    "genesis_hash": GENESIS,
    "contracts": {"Mailbox": "0x" + "12" * 20},
    "code_hashes": {"Mailbox": "0x" + "cd" * 32},
    "deployed_at_block": 3,
}


def sepolia_manifest() -> Manifest:
    return Manifest(
        network="sepolia",
        chains=[
            ChainDeployment(
                name="sepolia",
                role="collateral",
                chain_id=11155111,
                domain=11155111,
                rpc_url=SEPOLIA_URL,
                rpc_url_env="SEPOLIA_RPC_URL",
                genesis_hash=GENESIS,
            ),
            ChainDeployment(
                name="arbitrum-sepolia",
                role="market",
                chain_id=421614,
                domain=421614,
                rpc_url=ARBITRUM_URL,
                rpc_url_env="ARBITRUM_SEPOLIA_RPC_URL",
                genesis_hash=GENESIS,
            ),
        ],
    )


def test_a_chain_with_rpc_url_env_is_written_with_the_variable_and_no_url(
    tmp_path: Path,
) -> None:
    path = save_manifest(tmp_path, sepolia_manifest())
    text = path.read_text()
    assert "SECRETKEY" not in text
    assert "OTHERKEY" not in text
    assert "alchemy" not in text
    chains = json.loads(text)["chains"]
    assert [c["rpc_url_env"] for c in chains] == ["SEPOLIA_RPC_URL", "ARBITRUM_SEPOLIA_RPC_URL"]
    assert not any("rpc_url" in c for c in chains)


def test_loading_reads_each_url_from_its_variable(tmp_path: Path) -> None:
    save_manifest(tmp_path, sepolia_manifest())
    environ = {"SEPOLIA_RPC_URL": f" {SEPOLIA_URL}\n", "ARBITRUM_SEPOLIA_RPC_URL": ARBITRUM_URL}
    assert load_manifest(tmp_path, "sepolia", environ) == sepolia_manifest()


def test_loading_reads_the_process_environment_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As every agent (`relay`, `feed`, `keep`, `status`, ...) loads it."""
    save_manifest(tmp_path, sepolia_manifest())
    monkeypatch.setenv("SEPOLIA_RPC_URL", SEPOLIA_URL)
    monkeypatch.setenv("ARBITRUM_SEPOLIA_RPC_URL", ARBITRUM_URL)
    assert load_manifest(tmp_path, "sepolia") == sepolia_manifest()


@pytest.mark.parametrize("unset", [None, "", "  "])
def test_an_unset_variable_is_named_with_its_chain_and_the_manifest(
    tmp_path: Path, unset: str | None
) -> None:
    path = save_manifest(tmp_path, sepolia_manifest())
    environ = {"ARBITRUM_SEPOLIA_RPC_URL": ARBITRUM_URL}
    if unset is not None:
        environ["SEPOLIA_RPC_URL"] = unset
    with pytest.raises(ManifestRpcUrlNotSet) as raised:
        load_manifest(tmp_path, "sepolia", environ)
    assert isinstance(raised.value, ConfigError)
    message = str(raised.value)
    assert "\n" not in message
    assert str(path) in message
    assert "set SEPOLIA_RPC_URL to the RPC URL of chain sepolia (11155111)" in message
    assert "ARBITRUM_SEPOLIA_RPC_URL" not in message


def test_every_unset_variable_is_named_at_once(tmp_path: Path) -> None:
    save_manifest(tmp_path, sepolia_manifest())
    with pytest.raises(ManifestRpcUrlNotSet, match="SEPOLIA_RPC_URL and ARBITRUM_SEPOLIA_RPC_URL"):
        load_manifest(tmp_path, "sepolia", {})


def test_a_devnet_manifest_keeps_its_url_and_is_written_as_before(tmp_path: Path) -> None:
    """The format-2 file deploy wrote before rpc_url_env existed: it loads whatever the
    environment holds and is written back unchanged."""
    written = {"format": 2, "network": "local", "chains": [LOCAL_CHAIN]}
    path = manifest_path(tmp_path, "local")
    path.write_text(json.dumps(written))
    manifest = load_manifest(tmp_path, "local", {})
    assert manifest.chains[0].rpc_url == "http://127.0.0.1:8545"
    assert manifest.chains[0].rpc_url_env is None
    save_manifest(tmp_path, manifest)
    assert json.loads(path.read_text()) == {**written, "validators": None, "oracle": None}


def test_a_chain_with_both_a_url_and_its_variable_is_refused(tmp_path: Path) -> None:
    both = {**LOCAL_CHAIN, "rpc_url_env": "SEPOLIA_RPC_URL"}
    path = manifest_path(tmp_path, "local")
    path.write_text(json.dumps({"format": 2, "network": "local", "chains": [both]}))
    with pytest.raises(InvalidManifest, match=r"chains\.0 holds rpc_url beside rpc_url_env"):
        load_manifest(tmp_path, "local", {"SEPOLIA_RPC_URL": SEPOLIA_URL})
