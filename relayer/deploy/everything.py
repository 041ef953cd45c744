"""The whole deployment `crossflow deploy` makes, in order: the mailboxes, the price
feeds, the options market, the collateral vaults with their test tokens, the wiring
between vaults and market, the market's listing of each vault's tokens, and the
series the network lists. Each step reads the chain first, so running it again sends
only what is missing or differs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from pydantic import SecretStr

from relayer.chains import devkeys
from relayer.chains.compiler import Contracts, load_contracts
from relayer.chains.manifest import Manifest, SignerQuorum
from relayer.deploy.collateral import deploy_collateral, wire_collateral
from relayer.deploy.deployer import ChainTarget, deploy_market, deploy_messaging, deploy_oracle
from relayer.deploy.journal import Journal
from relayer.deploy.market_collateral import list_collateral_on_market
from relayer.deploy.series import SeriesTerms, list_series
from relayer.settings import Settings


@dataclass(frozen=True)
class DeployRoles:
    """Who deploys and owns every contract, and whose signatures they accept."""

    deployer_key: SecretStr
    validators: SignerQuorum
    oracle_signers: SignerQuorum

    @property
    def deployer(self) -> str:
        return address_of(self.deployer_key)


@dataclass(frozen=True)
class NetworkSpec:
    """What one network gets: its chains, its roles, and what the market lists."""

    network: str
    targets: Sequence[ChainTarget]
    roles: DeployRoles
    test_tokens: bool = True  # a test WETH and USD with faucets on each collateral chain
    series: Sequence[SeriesTerms] = field(default_factory=tuple)


@dataclass(frozen=True)
class Deployed:
    manifest: Manifest
    notes: list[str]  # what was left out, and why


def dev_roles(threshold: int = 2) -> DeployRoles:
    """The local devnet's: the dev keys, public knowledge, never for a real network."""
    return DeployRoles(
        deployer_key=devkeys.DEPLOYER_KEY,
        validators=SignerQuorum(
            addresses=[address_of(k) for k in devkeys.VALIDATOR_KEYS], threshold=threshold
        ),
        oracle_signers=SignerQuorum(
            addresses=[address_of(k) for k in devkeys.ORACLE_SIGNER_KEYS],
            threshold=devkeys.ORACLE_THRESHOLD,
        ),
    )


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
    spec = NetworkSpec(network, targets, dev_roles(threshold))
    return deploy_network(
        spec, manifest_dir=manifest_dir, settings=settings, contracts=contracts
    ).manifest


def deploy_network(
    spec: NetworkSpec,
    *,
    manifest_dir: Path,
    settings: Settings,
    contracts: Contracts | None = None,
    journal: Journal | None = None,
) -> Deployed:
    """Everything on `spec`'s chains, recorded in `manifest_dir`; every transaction
    sent goes into `journal`."""
    compiled = contracts or load_contracts()
    targets, network, roles = spec.targets, spec.network, spec.roles
    key = roles.deployer_key
    deploy_messaging(
        targets,
        network=network,
        manifest_dir=manifest_dir,
        deployer_key=key,
        validators=roles.validators.addresses,
        threshold=roles.validators.threshold,
        contracts=compiled,
        journal=journal,
    )
    deploy_oracle(
        targets,
        network=network,
        manifest_dir=manifest_dir,
        deployer_key=key,
        signers=roles.oracle_signers.addresses,
        threshold=roles.oracle_signers.threshold,
        contracts=compiled,
        journal=journal,
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
        journal=journal,
    )
    manifest = deploy_collateral(
        targets,
        network=network,
        manifest_dir=manifest_dir,
        deployer_key=key,
        settings=settings.collateral,
        feed_max_age=max_age,
        test_tokens=spec.test_tokens,
        contracts=compiled,
        journal=journal,
    )
    wire_collateral(manifest, deployer_key=key, contracts=compiled, journal=journal)
    list_collateral_on_market(
        manifest,
        deployer_key=key,
        collateral=settings.collateral,
        latency=settings.market.collateral_latency,
        test_tokens=spec.test_tokens,
        contracts=compiled,
        journal=journal,
    )
    notes = []
    if not spec.test_tokens:
        notes.append(
            "no test tokens: the vaults and the market list no collateral until their owner "
            "lists the network's own tokens"
        )
    notes += list_series(
        manifest, deployer_key=key, series=spec.series, contracts=compiled, journal=journal
    )
    return Deployed(manifest, notes)


def address_of(key: SecretStr) -> str:
    return str(Account.from_key(key.get_secret_value()).address)
