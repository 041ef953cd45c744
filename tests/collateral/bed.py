"""The collateral side on the live test chains, through the real deploy path:
mailboxes, feeds, test tokens and a vault on the collateral chain, wired to a
`FakeMarket` (contracts/test/vault) standing in for the market until it speaks
the message layer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from relayer.chains import devkeys
from relayer.chains.binding import code_hash
from relayer.chains.compiler import TEST_HELPERS, Contracts, load_contracts
from relayer.chains.manifest import Manifest
from relayer.chains.tx import Sender
from relayer.collateral.client import VaultClient
from relayer.collateral.tokens import VAULT_KEY, CollateralToken
from relayer.deploy.collateral import MARKET_KEY, deploy_collateral, wire_collateral
from relayer.deploy.deployer import deploy_messaging
from relayer.settings import CollateralSettings
from relayer.testbed.net import Chain, deploy_feeds, targets
from tests.conftest import Chains

NETWORK = "test"
FEED_MAX_AGE = 180
OWNER = Account.from_key(devkeys.DEPLOYER_KEY.get_secret_value())
VALIDATORS = [Account.from_key(k.get_secret_value()).address for k in devkeys.VALIDATOR_KEYS]


def compiled() -> Contracts:
    """The project's contracts plus the test helpers and the vault tests' FakeMarket."""
    return load_contracts(extra_dirs=(TEST_HELPERS, "contracts/test/vault"))


@dataclass
class CollateralBed:
    chains: Chains
    manifest: Manifest  # as deploy saved it: no market yet
    manifest_dir: Path
    contracts: Contracts
    fake_market: Contract

    @property
    def collateral(self) -> Chain:
        return self.chains.collateral

    @property
    def domain(self) -> int:
        return int(self.collateral.node.spec.chain_id)

    def address(self, key: str) -> ChecksumAddress:
        chain = self.manifest.chain(self.domain)
        return Web3.to_checksum_address(self.manifest.address(chain, key))

    def token(self, spec: CollateralToken) -> ChecksumAddress:
        return self.address(spec.manifest_key)

    def contract(self, key: str, abi_name: str) -> Contract:
        abi = self.contracts.get(abi_name).abi
        return self.collateral.web3.eth.contract(address=self.address(key), abi=abi)

    def client(self, account: LocalAccount | None = None) -> VaultClient:
        web3 = self.collateral.web3
        sender = Sender(web3, account, self.domain) if account is not None else None
        return VaultClient(
            self.contract(VAULT_KEY, "ICollateralVault"),
            self.contracts.get("IFaucetToken").abi,
            sender,
            chain=self.collateral.node.spec.name,
        )

    def with_market(self) -> Manifest:
        """The manifest with the FakeMarket recorded as the market, for wiring."""
        manifest = self.manifest.model_copy(deep=True)
        market = manifest.chain(int(self.chains.market.node.spec.chain_id))
        market.contracts[MARKET_KEY] = self.fake_market.address
        code = bytes(self.chains.market.web3.eth.get_code(self.fake_market.address))
        market.code_hashes[MARKET_KEY] = code_hash(code)
        return manifest


def deploy_bed(chains: Chains, manifest_dir: Path, *, wire: bool = True) -> CollateralBed:
    contracts = compiled()
    every = list(chains)
    deploy_messaging(
        targets(every),
        network=NETWORK,
        manifest_dir=manifest_dir,
        deployer_key=devkeys.DEPLOYER_KEY,
        validators=VALIDATORS,
        threshold=2,
        contracts=contracts,
    )
    deploy_feeds(every, manifest_dir, NETWORK)
    manifest = deploy_collateral_here(every, manifest_dir, contracts)
    market_chain = chains.market
    market_id = int(market_chain.node.spec.chain_id)
    mailbox = manifest.address(manifest.chain(market_id), "Mailbox")
    fake = Sender(market_chain.web3, OWNER, market_id).deploy(
        contracts.get("FakeMarket"), Web3.to_checksum_address(mailbox), OWNER.address
    )
    bed = CollateralBed(chains, manifest, manifest_dir, contracts, fake)
    if wire:
        wire_collateral(bed.with_market(), deployer_key=devkeys.DEPLOYER_KEY, contracts=contracts)
    return bed


def deploy_collateral_here(
    chains: list[Chain], manifest_dir: Path, contracts: Contracts, **settings: object
) -> Manifest:
    return deploy_collateral(
        targets(chains),
        network=NETWORK,
        manifest_dir=manifest_dir,
        deployer_key=devkeys.DEPLOYER_KEY,
        settings=CollateralSettings.model_validate(settings),
        feed_max_age=FEED_MAX_AGE,
        contracts=contracts,
    )


def dispatched(bed: CollateralBed, tx_hash: str) -> list[bytes]:
    """The bodies the collateral chain's mailbox sent in transaction `tx_hash`."""
    mailbox = bed.contract("Mailbox", "Mailbox")
    receipt = bed.collateral.web3.eth.get_transaction_receipt(HexBytes(tx_hash))
    logs = mailbox.events.Dispatch().process_receipt(receipt, errors=DISCARD)
    return [bytes(log["args"]["body"]) for log in logs]
