"""`crossflow deploy --network NAME` as a public testnet sees it, on Anvil chains with
the Sepolia and Arbitrum Sepolia chain ids: a keystore deploy of everything, a manifest
that names the RPC URLs' variables instead of the URLs, a second run that sends
nothing, a dry run that sends nothing and writes no manifest, a wrong chain id and an
unfunded key refused before any transaction, and a cut wire and a changed validator
set repaired."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from relayer.chains.anvil import free_ports
from relayer.chains.tx import Sender
from relayer.collateral.tokens import VAULT_KEY
from relayer.deploy.networks import load_network
from relayer.testbed.net import running_chains
from tests.conftest import Chains, snapshot
from tests.deploy.testnet import (
    ARBITRUM_SEPOLIA,
    NETWORK,
    PASSWORD,
    SEPOLIA,
    SIGNERS,
    VALIDATORS,
    AnvilTestnet,
    Result,
    contract_rows,
    fund,
    keystore_deployer,
    networks_file,
    write_keystore,
)

pytestmark = pytest.mark.e2e

REPO_NETWORKS = Path(__file__).parents[2] / "networks.toml"
ZERO = "0x" + "00" * 20


@pytest.fixture(scope="module")
def testnet(anvil_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilTestnet]:
    workdir = tmp_path_factory.mktemp("testnet")
    with running_chains(anvil_binary, [SEPOLIA, ARBITRUM_SEPOLIA], workdir / "anvil") as chains:
        deployer = Account.create()
        fund(Chains(*chains), deployer.address, 10**20)
        yield AnvilTestnet(Chains(*chains), deployer, workdir)


@pytest.fixture(scope="module")
def first_run(testnet: AnvilTestnet) -> Result:
    """The first deploy, with the key from a keystore, shared by the tests below."""
    keystore = write_keystore(testnet.workdir / "deployer.json", testnet.deployer)
    networks = networks_file(
        testnet.workdir / "keystore.toml", deployer=keystore_deployer(keystore)
    )
    return testnet.deploy(networks, testnet.workdir / "deployments")


@pytest.fixture
def deployed(testnet: AnvilTestnet, first_run: Result, tmp_path: Path) -> Iterator[Path]:
    """A copy of the first run's manifest dir, on chains reverted after the test."""
    assert first_run.code == 0, first_run.err
    manifest_dir = tmp_path / "deployments"
    shutil.copytree(testnet.workdir / "deployments", manifest_dir)
    with snapshot(testnet.chains):
        yield manifest_dir


def test_a_keystore_deploy_puts_everything_on_both_chains_and_wires_it(
    testnet: AnvilTestnet, first_run: Result, deployed: Path
) -> None:
    assert set(contract_rows(first_run.out).values()) == {"deployed"}
    manifest = testnet.manifest(deployed)
    assert [c.chain_id for c in manifest.chains] == [SEPOLIA, ARBITRUM_SEPOLIA]
    sent = re.search(
        r"deployed 13, configured (\d+), repaired 0; (\d+) transactions", first_run.out
    )
    assert sent, first_run.out
    assert sum(testnet.nonces()) == int(sent[2]) == 13 + int(sent[1])  # each one is listed
    vault = testnet.contract(manifest, SEPOLIA, VAULT_KEY, "IMessageApp")
    market = testnet.contract(manifest, ARBITRUM_SEPOLIA, "OptionsMarket", "IMessageApp")
    assert vault.functions.trustedRemote(ARBITRUM_SEPOLIA).call() == market.address
    assert market.functions.trustedRemote(SEPOLIA).call() == vault.address
    listed = testnet.contract(manifest, ARBITRUM_SEPOLIA, "OptionsMarket", "IOptionsMarket")
    assert listed.functions.seriesCount().call() == 1
    mailbox = testnet.contract(manifest, ARBITRUM_SEPOLIA, "Mailbox", "Mailbox")
    assert mailbox.functions.owner().call() == testnet.deployer.address
    assert sorted(mailbox.functions.validators(SEPOLIA).call()) == VALIDATORS
    feed = testnet.contract(manifest, SEPOLIA, "PriceFeed:ETH/USD", "PriceFeed")
    assert sorted(feed.functions.signers().call()) == SIGNERS


def test_the_manifest_names_each_rpc_variable_never_its_url_and_readers_need_it(
    testnet: AnvilTestnet, deployed: Path
) -> None:
    path = deployed / f"{NETWORK}.json"
    text = path.read_text()
    for chain in testnet.chains:
        assert chain.node.rpc_url not in text
    recorded = [(c.get("rpc_url"), c["rpc_url_env"]) for c in json.loads(text)["chains"]]
    assert recorded == [(None, "TEST_SEPOLIA_RPC_URL"), (None, "TEST_ARBITRUM_SEPOLIA_RPC_URL")]

    status = testnet.crossflow(deployed, "status", "--network", NETWORK, "--json")
    assert status.code == 0, status.err
    assert [c["up"] for c in json.loads(status.out)["chains"]] == [True, True]

    unset = testnet.crossflow(deployed, "status", "--network", NETWORK, TEST_SEPOLIA_RPC_URL=None)
    assert unset.code == 2
    assert_one_line(
        unset, str(path), "set TEST_SEPOLIA_RPC_URL to the RPC URL of chain sepolia (11155111)"
    )


def test_a_manifest_variable_unset_stops_a_deploy_that_would_abandon_its_contracts(
    testnet: AnvilTestnet, deployed: Path, tmp_path: Path
) -> None:
    """The networks file now reads Sepolia's URL from another variable than the
    manifest names; deploying afresh would replace every contract."""
    path = deployed / f"{NETWORK}.json"
    manifest = json.loads(path.read_text())
    manifest["chains"][0]["rpc_url_env"] = "TEST_OLD_SEPOLIA_RPC_URL"
    path.write_text(json.dumps(manifest))
    result = testnet.deploy(networks_file(tmp_path / "n.toml"), deployed, "--dry-run")
    assert result.code == 2
    assert_one_line(result, str(path), "TEST_OLD_SEPOLIA_RPC_URL to the RPC URL of chain sepolia")


def test_a_second_run_deploys_nothing_and_sends_nothing(
    testnet: AnvilTestnet, deployed: Path
) -> None:
    before = testnet.nonces()
    networks = networks_file(testnet.workdir / "env.toml")  # the same key, from a variable
    result = testnet.deploy(networks, deployed)
    assert result.code == 0, result.err
    assert set(contract_rows(result.out).values()) == {"kept"}
    assert "nothing sent" in result.out
    assert testnet.nonces() == before


def test_a_dry_run_prices_the_plan_and_sends_nothing(
    testnet: AnvilTestnet, deployed: Path, tmp_path: Path
) -> None:
    """Against an empty manifest dir the plan is the whole deployment again."""
    heads, fresh = testnet.heads(), tmp_path / "fresh"
    result = testnet.deploy(networks_file(tmp_path / "n.toml"), fresh, "--dry-run")
    assert result.code == 0, result.err
    assert set(contract_rows(result.out).values()) == {"deploy"}
    assert "nothing is sent" in result.out
    total = next(line for line in result.out.splitlines() if line.startswith("total cost"))
    assert float(total.split()[2]) > 0
    assert "anvil --fork-url" in result.out  # says how the numbers were obtained
    assert testnet.heads() == heads
    assert not fresh.exists()


def test_without_test_tokens_no_faucet_token_is_planned_and_expired_series_are_skipped(
    testnet: AnvilTestnet, tmp_path: Path
) -> None:
    path = networks_file(
        tmp_path / "n.toml", test_tokens=False, series_expiry="2021-06-25T08:00:00Z"
    )
    result = testnet.deploy(path, tmp_path / "deployments", "--dry-run")
    assert result.code == 0, result.err
    planned = {contract for _, contract in contract_rows(result.out)}
    assert "CollateralVault" in planned
    assert not {"FaucetToken:WETH", "FaucetToken:USD"} & planned
    assert "note: no test tokens" in result.out
    assert "note: series call 3000 expiring 2021-06-25 08:00 UTC has expired" in result.out
    assert "listSeries" not in result.out


def test_a_manifest_of_other_chains_is_never_trusted(
    testnet: AnvilTestnet, deployed: Path, tmp_path: Path
) -> None:
    path = deployed / f"{NETWORK}.json"
    manifest = json.loads(path.read_text())
    manifest["chains"][0]["genesis_hash"] = "0x" + "ab" * 32
    path.write_text(json.dumps(manifest))
    result = testnet.deploy(networks_file(tmp_path / "n.toml"), deployed, "--dry-run")
    assert result.code == 0, result.err
    actions = contract_rows(result.out)
    assert {a for (chain, _), a in actions.items() if chain == "sepolia"} == {"deploy"}
    assert actions[("arbitrum-sepolia", "MarginEngine")] == "keep"
    # Mailboxes come as a set: a new one on Sepolia means a new one on Arbitrum too.
    assert actions[("arbitrum-sepolia", "Mailbox")] == "deploy"


def test_a_wrong_chain_id_is_refused_before_anything_is_sent(
    testnet: AnvilTestnet, tmp_path: Path
) -> None:
    heads = testnet.heads()
    networks = networks_file(tmp_path / "n.toml", sepolia_chain_id=1)
    result = testnet.deploy(networks, tmp_path / "deployments")
    assert result.code == 4
    assert_one_line(
        result, "TEST_SEPOLIA_RPC_URL", "chain 11155111", "chain 1;", "nothing was sent"
    )
    assert testnet.chains.collateral.node.rpc_url not in result.err
    assert testnet.heads() == heads


def test_an_unreachable_rpc_is_named_by_its_variable_not_its_url(
    testnet: AnvilTestnet, tmp_path: Path
) -> None:
    (port,) = free_ports(1)
    secret_url = f"http://127.0.0.1:{port}/v3/secret-api-key"
    networks = networks_file(tmp_path / "n.toml")
    result = testnet.deploy(networks, tmp_path, TEST_ARBITRUM_SEPOLIA_RPC_URL=secret_url)
    assert result.code == 4
    assert_one_line(result, "arbitrum-sepolia", "TEST_ARBITRUM_SEPOLIA_RPC_URL", "nothing was sent")
    assert "secret-api-key" not in result.err


def test_an_unfunded_key_is_refused_before_anything_is_sent(
    testnet: AnvilTestnet, tmp_path: Path
) -> None:
    heads, broke = testnet.heads(), Account.create()
    networks = networks_file(tmp_path / "n.toml")
    result = testnet.deploy(
        networks, tmp_path / "deployments", TEST_DEPLOYER_KEY="0x" + broke.key.hex()
    )
    assert result.code == 7
    assert_one_line(result, broke.address, "has 0.000000 ETH, needs", "arbitrum-sepolia")
    assert testnet.heads() == heads
    assert not (tmp_path / "deployments").exists()


def test_a_cut_wire_and_a_changed_validator_set_are_repaired(
    testnet: AnvilTestnet, deployed: Path
) -> None:
    manifest = testnet.manifest(deployed)
    vault = testnet.contract(manifest, SEPOLIA, VAULT_KEY, "IMessageApp")
    mailbox = testnet.contract(manifest, ARBITRUM_SEPOLIA, "Mailbox", "Mailbox")
    owner = testnet.deployer
    Sender(testnet.chains.collateral.web3, owner, SEPOLIA).transact(
        vault.functions.setTrustedRemote(ARBITRUM_SEPOLIA, ZERO), "cutting the wire"
    )
    Sender(testnet.chains.market.web3, owner, ARBITRUM_SEPOLIA).transact(
        mailbox.functions.setValidators(SEPOLIA, VALIDATORS[:1], 1), "changing the validators"
    )
    before = testnet.nonces()

    result = testnet.deploy(networks_file(testnet.workdir / "env.toml"), deployed)
    assert result.code == 0, result.err
    assert set(contract_rows(result.out).values()) == {"kept"}
    assert "deployed 0, configured 0, repaired 2" in result.out
    assert testnet.nonces() == [n + 1 for n in before]
    market = manifest.chain(ARBITRUM_SEPOLIA).contracts["OptionsMarket"]
    assert vault.functions.trustedRemote(ARBITRUM_SEPOLIA).call() == market
    assert sorted(mailbox.functions.validators(SEPOLIA).call()) == VALIDATORS


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        ({"TEST_KEYSTORE_PASSWORD": "wrong"}, ["TEST_KEYSTORE_PASSWORD", "does not open"]),
        ({"TEST_KEYSTORE_PASSWORD": None}, ["no password", "TEST_KEYSTORE_PASSWORD"]),
        ({"TEST_SEPOLIA_RPC_URL": None}, ["TEST_SEPOLIA_RPC_URL", "not set"]),
    ],
)
def test_a_keystore_or_environment_problem_is_one_clear_line(
    testnet: AnvilTestnet, tmp_path: Path, change: dict[str, str | None], fragments: list[str]
) -> None:
    keystore = write_keystore(tmp_path / "deployer.json", testnet.deployer)
    networks = networks_file(tmp_path / "n.toml", deployer=keystore_deployer(keystore))
    heads = testnet.heads()
    result = testnet.deploy(networks, tmp_path / "deployments", **change)
    assert result.code == 2
    assert_one_line(result, *fragments)
    assert PASSWORD not in result.err
    assert testnet.heads() == heads


def test_the_key_variable_unset_or_not_a_key_is_one_clear_line(
    testnet: AnvilTestnet, tmp_path: Path
) -> None:
    networks = networks_file(tmp_path / "n.toml")
    unset = testnet.deploy(networks, tmp_path, TEST_DEPLOYER_KEY=None)
    assert_one_line(unset, "TEST_DEPLOYER_KEY", "not set")
    garbage = testnet.deploy(networks, tmp_path, TEST_DEPLOYER_KEY="0x1234deadbeef")
    assert_one_line(garbage, "TEST_DEPLOYER_KEY does not hold a private key")
    assert "1234deadbeef" not in garbage.err


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        (("chain_id = 421614", 'chain_id = "x"'), ["network testnet", "chains.1.chain_id"]),
        (('role = "collateral"', 'role = "market"'), ["exactly one chain with role 'market'"]),
        (("threshold = 2", "threshold = 4"), ["validators", "threshold 4 is more than the 3"]),
        (("0x1111", "0xzz11"), ["validators.addresses.0", "is not an address"]),
        (("[networks.testnet]", "[networks.testnet]\nkey = 1"), ["key: Extra inputs"]),
    ],
)
def test_a_malformed_networks_file_names_the_file_network_and_field(
    testnet: AnvilTestnet, tmp_path: Path, edit: tuple[str, str], fragments: list[str]
) -> None:
    path = networks_file(tmp_path / "n.toml")
    path.write_text(path.read_text().replace(*edit, 1))
    result = testnet.deploy(path, tmp_path)
    assert result.code == 2
    assert_one_line(result, f"invalid networks file {path}", *fragments)


def test_threshold_and_unknown_networks_are_refused(testnet: AnvilTestnet, tmp_path: Path) -> None:
    networks = networks_file(tmp_path / "n.toml")
    threshold = testnet.deploy(networks, tmp_path, "--threshold", "1")
    assert_one_line(threshold, "--threshold is for the local devnet")
    unknown = testnet.deploy(tmp_path / "missing.toml", tmp_path)
    assert_one_line(unknown, "missing.toml", "does not exist")


def test_the_shipped_networks_file_describes_sepolia_and_base_sepolia() -> None:
    sepolia = load_network(REPO_NETWORKS, "sepolia")
    assert {(c.role, c.chain_id) for c in sepolia.chains} == {
        ("collateral", SEPOLIA),
        ("market", ARBITRUM_SEPOLIA),
    }
    assert sepolia.deployer.key_env == "CROSSFLOW_DEPLOYER_KEY"
    base = load_network(REPO_NETWORKS, "base-sepolia")
    assert {(c.role, c.chain_id) for c in base.chains} == {
        ("collateral", SEPOLIA),
        ("market", 84532),
    }
    assert base.deployer.keystore is not None
    assert base.deployer.password_env == "CROSSFLOW_KEYSTORE_PASSWORD"  # noqa: S105


def assert_one_line(result: Result, *fragments: str) -> None:
    assert result.code != 0
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("crossflow: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
