"""`deploy_collateral` and `wire_collateral` on live chains: the test tokens and a
vault on the collateral chain only, listed and limited as the settings say, the
mailbox giving handlers 500k gas; deploying again sends nothing, changed settings
reconfigure the same vault, a new mailbox brings a new vault; wiring is read first
and refuses a manifest without the market before touching anything."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from web3 import Web3
from web3.types import RPCEndpoint

from relayer.chains import devkeys
from relayer.chains.tx import Sender
from relayer.collateral.tokens import USD, VAULT_KEY, WETH
from relayer.deploy.collateral import MARKET_KEY, deploy_collateral, wire_collateral
from relayer.deploy.deployer import deploy_messaging
from relayer.errors import ConfigError, InvalidManifest
from relayer.settings import CollateralSettings
from relayer.testbed.net import deploy_feeds, running_chains, targets
from tests.collateral.bed import (
    FEED_MAX_AGE,
    NETWORK,
    OWNER,
    VALIDATORS,
    CollateralBed,
    compiled,
    deploy_bed,
    deploy_collateral_here,
)
from tests.conftest import Chains

pytestmark = pytest.mark.e2e

WAD = 10**18


@pytest.fixture
def bed(chains: Chains, tmp_path: Path) -> CollateralBed:
    return deploy_bed(chains, tmp_path, wire=False)


def nonces(chains: Chains) -> list[int]:
    return [c.web3.eth.get_transaction_count(OWNER.address) for c in chains]


def test_the_collateral_chain_gets_tokens_and_a_vault_the_market_chain_none(
    bed: CollateralBed,
) -> None:
    market = bed.manifest.chain(int(bed.chains.market.node.spec.chain_id))
    assert not {VAULT_KEY, WETH.manifest_key, USD.manifest_key} & set(market.contracts)
    vault = bed.contract(VAULT_KEY, "ICollateralVault")
    assert vault.functions.marketDomain().call() == market.domain
    assert vault.functions.mailbox().call() == bed.address("Mailbox")
    assert vault.functions.guardian().call() == OWNER.address
    assert vault.functions.listedTokens().call() == [bed.token(WETH), bed.token(USD)]
    listed, decimals, weth = vault.functions.tokenConfig(bed.token(WETH)).call()
    assert (listed, decimals) == (True, 18)
    assert tuple(weth) == (
        WAD // 10,
        bed.address("PriceFeed:ETH/USD"),
        FEED_MAX_AGE,
        1000 * WAD,
        WAD,
    )
    _, _, usd = vault.functions.tokenConfig(bed.token(USD)).call()
    assert tuple(usd) == (0, "0x" + "00" * 20, 0, 1_000_000 * WAD, 100 * WAD)
    token = bed.contract(WETH.manifest_key, "FaucetToken")
    assert (token.functions.symbol().call(), token.functions.decimals().call()) == ("WETH", 18)
    assert token.functions.dripAmount().call() == 10 * WAD
    assert bed.contract("Mailbox", "Mailbox").functions.handlerGas().call() == 500_000
    market_mailbox = bed.chains.market.web3.eth.contract(
        address=Web3.to_checksum_address(market.contracts["Mailbox"]),
        abi=bed.contracts.get("Mailbox").abi,
    )
    assert market_mailbox.functions.handlerGas().call() == 200_000


def test_deploying_again_sends_nothing_and_keeps_every_address(bed: CollateralBed) -> None:
    before = nonces(bed.chains)
    again = deploy_collateral_here(list(bed.chains), bed.manifest_dir, bed.contracts)
    assert nonces(bed.chains) == before
    assert again.chains == bed.manifest.chains


def test_changed_settings_reconfigure_the_same_vault(bed: CollateralBed) -> None:
    settings = {
        "weth": {"haircut": "0.2", "outflow_capacity": "50", "outflow_refill": "0.5", "drip": "3"},
        "handler_gas": 600_000,
        "drip_cooldown": 60,
    }
    again = deploy_collateral_here(list(bed.chains), bed.manifest_dir, bed.contracts, **settings)
    assert again.chains == bed.manifest.chains
    listing = bed.client().listing(bed.token(WETH))
    assert (listing.haircut, listing.bucket.capacity) == (Decimal("0.2"), Decimal(50))
    assert listing.bucket.refill_per_second == Decimal("0.5")
    token = bed.contract(WETH.manifest_key, "FaucetToken")
    assert (token.functions.dripAmount().call(), token.functions.dripCooldown().call()) == (
        3 * WAD,
        60,
    )
    assert bed.contract("Mailbox", "Mailbox").functions.handlerGas().call() == 600_000


def test_a_new_mailbox_brings_a_new_vault(bed: CollateralBed) -> None:
    """A vault's mailbox is immutable: kept, it would send through a mailbox no relayer
    watches any more."""
    provider = bed.collateral.web3.provider
    provider.make_request(RPCEndpoint("anvil_setCode"), [bed.address("Mailbox"), "0x"])
    fresh = deploy_bed(bed.chains, bed.manifest_dir, wire=False)
    assert fresh.address("Mailbox") != bed.address("Mailbox")
    assert fresh.address(VAULT_KEY) != bed.address(VAULT_KEY)
    assert fresh.token(WETH) == bed.token(WETH)
    vault = fresh.contract(VAULT_KEY, "ICollateralVault")
    assert vault.functions.mailbox().call() == fresh.address("Mailbox")


def test_wiring_is_read_first_and_set_once_on_both_sides(bed: CollateralBed) -> None:
    manifest = bed.with_market()
    market_domain = int(bed.chains.market.node.spec.chain_id)
    first = wire_collateral(manifest, deployer_key=devkeys.DEPLOYER_KEY, contracts=bed.contracts)
    assert [(w.chain, w.app, w.domain, w.changed) for w in first] == [
        ("collateral-1", VAULT_KEY, market_domain, True),
        ("market", MARKET_KEY, bed.domain, True),
    ]
    vault = bed.contract(VAULT_KEY, "ICollateralVault")
    assert vault.functions.trustedRemote(market_domain).call() == bed.fake_market.address
    assert bed.fake_market.functions.trustedRemote(bed.domain).call() == bed.address(VAULT_KEY)
    before = nonces(bed.chains)
    again = wire_collateral(manifest, deployer_key=devkeys.DEPLOYER_KEY, contracts=bed.contracts)
    assert [w.changed for w in again] == [False, False]
    assert nonces(bed.chains) == before


def test_wiring_without_the_market_refuses_and_changes_nothing(bed: CollateralBed) -> None:
    before = nonces(bed.chains)
    with pytest.raises(InvalidManifest, match=f"{MARKET_KEY} is not deployed on market"):
        wire_collateral(bed.manifest, deployer_key=devkeys.DEPLOYER_KEY, contracts=bed.contracts)
    without_vault = bed.with_market()
    without_vault.chains[0].contracts.pop(VAULT_KEY)
    with pytest.raises(InvalidManifest, match=f"{VAULT_KEY} is not deployed on collateral-1"):
        wire_collateral(without_vault, deployer_key=devkeys.DEPLOYER_KEY, contracts=bed.contracts)
    assert nonces(bed.chains) == before


def test_collateral_needs_the_mailboxes_and_feeds_first(chains: Chains, tmp_path: Path) -> None:
    deploy_feeds(list(chains), tmp_path, NETWORK)
    with pytest.raises(ConfigError, match="no mailbox"):
        deploy_collateral(
            targets(list(chains)),
            network=NETWORK,
            manifest_dir=tmp_path,
            deployer_key=devkeys.DEPLOYER_KEY,
            settings=CollateralSettings(),
            feed_max_age=FEED_MAX_AGE,
            contracts=compiled(),
        )


def test_three_chains_get_a_vault_on_each_collateral_chain_all_wired_to_the_market(
    anvil_binary: Path, tmp_path: Path
) -> None:
    contracts = compiled()
    with running_chains(anvil_binary, [31337, 31338, 31339], tmp_path / "anvil") as chains:
        deploy_messaging(
            targets(chains),
            network=NETWORK,
            manifest_dir=tmp_path,
            deployer_key=devkeys.DEPLOYER_KEY,
            validators=VALIDATORS,
            threshold=2,
            contracts=contracts,
        )
        deploy_feeds(chains, tmp_path, NETWORK)
        manifest = deploy_collateral_here(chains, tmp_path, contracts)
        vaults = {c.domain: c.contracts.get(VAULT_KEY) for c in manifest.chains}
        assert vaults[31338] is None
        assert None not in (vaults[31337], vaults[31339])
        vault_abi = contracts.get("ICollateralVault").abi
        for chain in (chains[0], chains[2]):
            address = Web3.to_checksum_address(str(vaults[chain.node.spec.chain_id]))
            vault = chain.web3.eth.contract(address=address, abi=vault_abi)
            assert vault.functions.marketDomain().call() == 31338
            assert len(vault.functions.listedTokens().call()) == 2

        market = chains[1]
        mailbox = Web3.to_checksum_address(manifest.chain(31338).contracts["Mailbox"])
        fake = Sender(market.web3, OWNER, 31338).deploy(
            contracts.get("FakeMarket"), mailbox, OWNER.address
        )
        manifest.chain(31338).contracts[MARKET_KEY] = fake.address
        manifest.chain(31338).code_hashes[MARKET_KEY] = "0x" + "00" * 32
        wired = wire_collateral(manifest, deployer_key=devkeys.DEPLOYER_KEY, contracts=contracts)
        assert all(w.changed for w in wired)
        for domain in (31337, 31339):
            assert fake.functions.trustedRemote(domain).call() == vaults[domain]
