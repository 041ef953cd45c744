"""`crossflow deploy` and the manifest's binding to its chains, through the real
console script against real Anvil processes: a manifest from an earlier devnet
is never reused, a contract whose code changed is deployed again."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_utils.crypto import keccak
from web3 import Web3
from web3.types import RPCEndpoint

from relayer.chains.compiler import load_contracts
from relayer.chains.manifest import contract_name
from tests.console import Cli, devnet_cli

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    with devnet_cli(tmp_path) as runner:
        yield runner


def deploy(cli: Cli) -> dict[str, Any]:
    """Deploys, returns the manifest, and checks that it tells the live chains' truth."""
    result = cli.run("deploy")
    assert result.returncode == 0, result.stderr
    manifest: dict[str, Any] = json.loads(cli.manifest_file.read_text())
    assert manifest["format"] == 2
    compiled = load_contracts()
    for chain in manifest["chains"]:
        web3 = Web3(Web3.HTTPProvider(chain["rpc_url"]))
        assert chain["genesis_hash"] == "0x" + bytes(web3.eth.get_block(0)["hash"]).hex()
        addresses = list(chain["contracts"].values())
        assert len(set(addresses)) == len(addresses), chain  # one contract per address
        for key, address in chain["contracts"].items():
            code = bytes(web3.eth.get_code(Web3.to_checksum_address(address)))
            assert chain["code_hashes"][key] == "0x" + keccak(code).hex()
            assert compiled.get(contract_name(key)).is_runtime_of(code), (chain["name"], key)
    return manifest


def actions(result_stdout: str) -> dict[tuple[str, str], str]:
    """(chain, contract) -> kept | deployed, from deploy's table."""
    rows = [line.split() for line in result_stdout.splitlines()[2:] if line.strip()]
    return {
        (row[0], " ".join(row[2:-2])): row[-1] for row in rows if row[-1] in {"kept", "deployed"}
    }


def rpc(url: str, method: str, *params: object) -> Any:
    provider = Web3(Web3.HTTPProvider(url)).provider
    return provider.make_request(RPCEndpoint(method), list(params))["result"]


def test_a_devnet_started_again_gets_every_contract_afresh(cli: Cli) -> None:
    """The issue's steps: a two-chain deploy, the devnet down, three chains up, deploy."""
    assert cli.run("devnet", "up").returncode == 0
    first = deploy(cli)
    assert cli.run("devnet", "down").returncode == 0
    assert cli.run("devnet", "up", "--chains", "3").returncode == 0
    again = deploy(cli)  # before the fix: both feeds at one address on the old chains
    assert [c["chain_id"] for c in again["chains"]] == [31337, 31338, 31339]
    by_role = {c["role"]: set(c["contracts"]) for c in first["chains"]}
    for chain in again["chains"]:
        assert set(chain["contracts"]) == by_role[chain["role"]]
    assert by_role["market"] - by_role["collateral"] == {
        "MarginEngine",
        "MarketAdmin",
        "MarketCollateral",
        "OptionsMarket",
    }
    assert by_role["collateral"] - by_role["market"] == {
        "CollateralVault",
        "FaucetToken:USD",
        "FaucetToken:WETH",
    }


def test_deploying_again_keeps_what_is_there(cli: Cli) -> None:
    assert cli.run("devnet", "up").returncode == 0
    first = deploy(cli)
    result = cli.run("deploy")
    assert result.returncode == 0, result.stderr
    assert set(actions(result.stdout).values()) == {"kept"}
    assert json.loads(cli.manifest_file.read_text())["chains"] == first["chains"]


def test_a_contract_whose_code_changed_is_deployed_again(cli: Cli) -> None:
    assert cli.run("devnet", "up").returncode == 0
    first = deploy(cli)
    market = first["chains"][1]
    feeds = market["contracts"]
    # Another contract's code at the ETH IV feed's address, and none at the ETH/USD one.
    spot_code = rpc(market["rpc_url"], "eth_getCode", feeds["PriceFeed:ETH/USD"], "latest")
    rpc(market["rpc_url"], "anvil_setCode", feeds["PriceFeed:ETH IV"], spot_code)
    rpc(market["rpc_url"], "anvil_setCode", feeds["PriceFeed:ETH/USD"], "0x")

    result = cli.run("deploy")
    assert result.returncode == 0, result.stderr
    done = actions(result.stdout)
    assert done[("market", "PriceFeed:ETH/USD")] == "deployed"
    assert done[("market", "PriceFeed:ETH IV")] == "deployed"
    assert done[("collateral-1", "PriceFeed:ETH IV")] == "kept"
    assert done[("market", "Mailbox")] == "kept"
    deploy(cli)  # and the manifest is true again


def test_a_restarted_chain_gets_new_mailboxes_everywhere(cli: Cli) -> None:
    """A channel's nonces live at both ends: one new mailbox means new ones on all chains.
    The price feeds of the chain that kept running stay."""
    assert cli.run("devnet", "up").returncode == 0
    first = deploy(cli)
    os.kill(int(str(cli.status()[1]["pid"])), signal.SIGKILL)
    restarted = cli.run("devnet", "up")
    assert restarted.returncode == 0, restarted.stderr
    result = cli.run("deploy")
    assert result.returncode == 0, result.stderr
    done = actions(result.stdout)
    assert done[("collateral-1", "Mailbox")] == "deployed"
    assert done[("market", "Mailbox")] == "deployed"
    assert done[("collateral-1", "PriceFeed:ETH/USD")] == "kept"
    assert done[("market", "PriceFeed:ETH/USD")] == "deployed"
    second = deploy(cli)
    assert second["chains"][0]["genesis_hash"] == first["chains"][0]["genesis_hash"]
    assert second["chains"][1]["genesis_hash"] != first["chains"][1]["genesis_hash"]


def test_a_manifest_in_the_old_format_is_deployed_over(cli: Cli) -> None:
    """Format 1 recorded no genesis or code hashes: nothing in it can be trusted."""
    assert cli.run("devnet", "up").returncode == 0
    manifest = deploy(cli)
    for chain in manifest["chains"]:
        del chain["genesis_hash"], chain["code_hashes"]
    cli.manifest_file.write_text(json.dumps(manifest | {"format": 1}))
    result = cli.run("deploy")
    assert result.returncode == 0, result.stderr
    assert set(actions(result.stdout).values()) == {"deployed"}
    deploy(cli)
