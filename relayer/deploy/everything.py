"""The whole deployment `crossflow deploy` makes, in order: the mailboxes, the price
feeds, the options market, the collateral vaults with their test tokens, the wiring
between vaults and market, and the market's listing of each vault's tokens. Each
step is idempotent, so running it again sends only what changed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from eth_account import Account
from pydantic import SecretStr

from relayer.chains import devkeys
from relayer.chains.compiler import Contracts, load_contracts
from relayer.chains.manifest import Manifest
from relayer.deploy.collateral import deploy_collateral, wire_collateral
from relayer.deploy.deployer import ChainTarget, deploy_market, deploy_messaging, deploy_oracle
from relayer.deploy.market_collateral import list_collateral_on_market
from relayer.settings import Settings


def deploy_everything(
    targets: Sequence[ChainTarget],
    *,
    network: str,
    manifest_dir: Path,
    settings: Settings,
    threshold: int = 2,
    contracts: Contracts | None = None,
) -> Manifest:
    """Deploys with the dev keys (deployer, validators, oracle signers)."""
    compiled = contracts or load_contracts()
    key = devkeys.DEPLOYER_KEY
    deploy_messaging(
        targets,
        network=network,
        manifest_dir=manifest_dir,
        deployer_key=key,
        validators=[address_of(k) for k in devkeys.VALIDATOR_KEYS],
        threshold=threshold,
        contracts=compiled,
    )
    deploy_oracle(
        targets,
        network=network,
        manifest_dir=manifest_dir,
        deployer_key=key,
        signers=[address_of(k) for k in devkeys.ORACLE_SIGNER_KEYS],
        threshold=devkeys.ORACLE_THRESHOLD,
        contracts=compiled,
    )
    max_age = int(settings.feed.max_age)
    deploy_market(
        targets,
        network=network,
        manifest_dir=manifest_dir,
        deployer_key=key,
        risk=settings.risk,
        feed_max_age=max_age,
        market=settings.market,
        contracts=compiled,
    )
    manifest = deploy_collateral(
        targets,
        network=network,
        manifest_dir=manifest_dir,
        deployer_key=key,
        settings=settings.collateral,
        feed_max_age=max_age,
        contracts=compiled,
    )
    wire_collateral(manifest, deployer_key=devkeys.DEPLOYER_KEY, contracts=compiled)
    list_collateral_on_market(
        manifest,
        deployer_key=devkeys.DEPLOYER_KEY,
        collateral=settings.collateral,
        latency=settings.market.collateral_latency,
        contracts=compiled,
    )
    return manifest


def address_of(key: SecretStr) -> str:
    return str(Account.from_key(key.get_secret_value()).address)
