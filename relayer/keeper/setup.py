"""A keeper for the market a deployment manifest records: the market chain (role
`market`, the `OptionsMarket` key), its spot and implied-vol feeds, and the
keeper's key (locally the third dev user)."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from web3 import Web3

from relayer.chains import devkeys
from relayer.chains.chain import connect
from relayer.chains.compiler import Contracts
from relayer.chains.keys import load_accounts
from relayer.chains.manifest import Manifest
from relayer.chains.tx import Sender
from relayer.keeper.keeper import Feeds, Keeper
from relayer.keeper.metrics import KeeperMetrics
from relayer.keeper.store import KeeperStore
from relayer.market.ledger import LedgerClient
from relayer.oracle.feeds import ETH_IV, ETH_USD
from relayer.settings import KeeperSettings

MARKET_KEY = "OptionsMarket"
KEEPER_DEV_KEY = devkeys.USER_KEYS[2]  # Anvil account 4: no other agent's default


def keeper_account(settings: KeeperSettings, network: str) -> LocalAccount:
    (account,) = load_accounts(
        [settings.key] if settings.key else [],
        network,
        [KEEPER_DEV_KEY],
        what="keeper key",
        variable="CROSSFLOW_KEEPER__KEY",
    )
    return account


def keeper_from_manifest(
    settings: KeeperSettings,
    manifest: Manifest,
    contracts: Contracts,
    store: KeeperStore,
    metrics: KeeperMetrics,
) -> Keeper:
    chain = manifest.market_chain()
    web3 = connect(chain.rpc_url, chain.chain_id)
    sender = Sender(web3, keeper_account(settings, manifest.network), chain.chain_id)
    market = web3.eth.contract(
        address=Web3.to_checksum_address(manifest.address(chain, MARKET_KEY)),
        abi=contracts.get("IOptionsMarket").abi,
    )
    spot, vol = (
        web3.eth.contract(
            address=Web3.to_checksum_address(manifest.address(chain, spec.manifest_key)),
            abi=contracts.get("PriceFeed").abi,
        )
        for spec in (ETH_USD, ETH_IV)
    )
    return Keeper(
        settings,
        LedgerClient(market, sender),
        Feeds(spot, vol),
        store,
        metrics=metrics,
        start_block=chain.deployed_at_block,
    )
