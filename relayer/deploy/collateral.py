"""The collateral side: a test WETH, a test USD and a `CollateralVault` on every
collateral chain, recorded in the manifest, and the wiring between the vaults and
the market.

Idempotent as the rest of deploy (see `deployer`): what the manifest records is
kept while it is the code deployed there, and every setting (listings, faucets,
guardian, the mailbox's handler gas, trusted remotes) is read first and written
only when it differs. A vault is bound to its mailbox and to the market's domain
for life (immutables), so one whose mailbox was deployed again is deployed again
too; a kept vault delists the test tokens it listed before they were replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_account import Account
from pydantic import SecretStr
from web3 import Web3
from web3.contract import Contract

from relayer.chains.chain import connect
from relayer.chains.compiler import Contracts, load_contracts
from relayer.chains.manifest import MARKET_ROLE, ChainDeployment, Manifest
from relayer.chains.tx import Sender
from relayer.collateral.tokens import (
    TEST_TOKEN_DECIMALS,
    USD,
    VAULT_KEY,
    WETH,
    CollateralToken,
)
from relayer.deploy.deployer import (
    MAILBOX,
    ChainTarget,
    _Deployment,  # the one deploy-run helper, shared by the deploy modules
)
from relayer.deploy.journal import Journal, deploy_sender
from relayer.errors import ConfigError
from relayer.market.units import to_wad
from relayer.oracle.feeds import ETH_USD
from relayer.settings import CollateralSettings, CollateralTokenSettings

MARKET_KEY = "OptionsMarket"
_ZERO = "0x" + "00" * 20


@dataclass(frozen=True)
class Wiring:
    """One app's trusted remote as `wire_collateral` left it."""

    chain: str
    app: str  # manifest key
    domain: int  # the remote's domain
    remote: str
    changed: bool  # False: it was wired so already


def deploy_collateral(
    targets: Sequence[ChainTarget],
    *,
    network: str,
    manifest_dir: Path,
    deployer_key: SecretStr,
    settings: CollateralSettings,
    feed_max_age: int,
    guardian: str | None = None,
    test_tokens: bool = True,
    contracts: Contracts | None = None,
    journal: Journal | None = None,
) -> Manifest:
    """A vault on every chain whose role is not the market's, crediting the market's
    domain, and with `test_tokens` a test WETH (priced by the chain's ETH/USD feed) and
    a test USD (at par) with faucets, listed on it. The deployer owns them all;
    `guardian` (default: the deployer) may pause."""
    compiled = contracts or load_contracts()
    run = _Deployment(targets, network, manifest_dir, deployer_key, compiled, journal=journal)
    market_domain = _market_target(targets, network).chain_id
    owner = run.deployer.address
    replaced: dict[int, list[str]] = {}
    for target in targets:
        if target.role == MARKET_ROLE:
            continue
        chain = run.chains[target.chain_id]
        mailbox, _ = _needed(chain, network)
        before = {spec: chain.contracts.get(spec.manifest_key) for spec in (WETH, USD)}
        for spec in (WETH, USD) if test_tokens else ():
            args = _token_args(spec, _token_settings(settings, spec), settings, owner)
            address = run.ensure(target, spec.manifest_key, args)
            if before[spec] not in (None, address):
                replaced.setdefault(target.chain_id, []).append(str(before[spec]))
        if run.keeps(target, VAULT_KEY) and not _bound_to(
            run.contract(chain, VAULT_KEY), mailbox, market_domain
        ):
            del chain.contracts[VAULT_KEY], chain.code_hashes[VAULT_KEY]
        run.ensure(target, VAULT_KEY, (mailbox, market_domain, owner, guardian or owner))
    manifest = run.save()
    for chain in manifest.chains:
        if chain.role != MARKET_ROLE:
            sender = run.senders[chain.chain_id]
            _configure(
                run,
                sender,
                chain,
                settings=settings,
                feed_max_age=feed_max_age,
                guardian=guardian or owner,
                test_tokens=test_tokens,
            )
            _delist(sender, run.contract(chain, VAULT_KEY), replaced.get(chain.chain_id, []))
    return manifest


def wire_collateral(
    manifest: Manifest,
    *,
    deployer_key: SecretStr,
    contracts: Contracts | None = None,
    journal: Journal | None = None,
) -> list[Wiring]:
    """Each vault trusts the market on the market's domain, and the market trusts each
    vault on its domain (both `IMessageApp.setTrustedRemote`, owner only). Raises
    InvalidManifest when the manifest lacks the market or a collateral chain's vault."""
    abi = (contracts or load_contracts()).get("IMessageApp").abi
    deployer = Account.from_key(deployer_key.get_secret_value())
    market_chain = manifest.market_chain()
    market_address = manifest.address(market_chain, MARKET_KEY)
    market_sender = deploy_sender(
        connect(market_chain.rpc_url, market_chain.chain_id),
        deployer,
        market_chain.chain_id,
        journal,
    )
    market = _app(market_sender, market_address, abi)
    # Every address first, so a manifest missing one vault changes nothing anywhere.
    vaults = [
        (chain, manifest.address(chain, VAULT_KEY))
        for chain in manifest.chains
        if chain.role != MARKET_ROLE
    ]
    done = []
    for chain, vault_address in vaults:
        web3 = connect(chain.rpc_url, chain.chain_id)
        vault_sender = deploy_sender(web3, deployer, chain.chain_id, journal)
        vault = _app(vault_sender, vault_address, abi)
        done.append(
            _ensure_remote(
                vault_sender,
                vault,
                chain.name,
                VAULT_KEY,
                domain=market_chain.domain,
                remote=market_address,
            )
        )
        done.append(
            _ensure_remote(
                market_sender,
                market,
                market_chain.name,
                MARKET_KEY,
                domain=chain.domain,
                remote=vault_address,
            )
        )
    return done


def _market_target(targets: Sequence[ChainTarget], network: str) -> ChainTarget:
    markets = [t for t in targets if t.role == MARKET_ROLE]
    if len(markets) != 1:
        raise ConfigError(
            f"network {network} has {len(markets)} market chains; the vaults credit exactly one",
            "give one chain the role 'market'",
        )
    return markets[0]


def _needed(chain: ChainDeployment, network: str) -> tuple[str, str]:
    """The mailbox and the ETH/USD feed the vault on `chain` needs."""
    mailbox = chain.contracts.get(MAILBOX)
    feed = chain.contracts.get(ETH_USD.manifest_key)
    if mailbox is None or feed is None:
        missing = "mailbox" if mailbox is None else "ETH/USD feed"
        raise ConfigError(
            f"the collateral chain {chain.name} has no {missing} in the {network} manifest",
            "deploy the mailboxes and the feeds first, as `crossflow deploy` does",
        )
    return mailbox, feed


def _token_settings(settings: CollateralSettings, spec: CollateralToken) -> CollateralTokenSettings:
    return settings.weth if spec is WETH else settings.usd


def _token_args(
    spec: CollateralToken,
    token: CollateralTokenSettings,
    settings: CollateralSettings,
    owner: str,
) -> tuple[object, ...]:
    drip = _scaled(token.drip, TEST_TOKEN_DECIMALS)
    return (spec.name, spec.symbol, TEST_TOKEN_DECIMALS, drip, settings.drip_cooldown, owner)


def _bound_to(vault: Contract, mailbox: str, market_domain: int) -> bool:
    """Whether a kept vault sends through `mailbox` and credits `market_domain`."""
    return bool(
        vault.functions.mailbox().call() == Web3.to_checksum_address(mailbox)
        and vault.functions.marketDomain().call() == market_domain
    )


def _configure(
    run: _Deployment,
    sender: Sender,
    chain: ChainDeployment,
    *,
    settings: CollateralSettings,
    feed_max_age: int,
    guardian: str,
    test_tokens: bool,
) -> None:
    """Listings, faucets, guardian and handler gas as the settings say."""
    vault = run.contract(chain, VAULT_KEY)
    _, feed = _needed(chain, run.network)
    for spec in (WETH, USD) if test_tokens else ():
        token_settings = _token_settings(settings, spec)
        token = run.contract(chain, spec.manifest_key)
        priced = spec is WETH
        config = (
            to_wad(token_settings.haircut),
            Web3.to_checksum_address(feed) if priced else _ZERO,
            feed_max_age if priced else 0,
            to_wad(token_settings.outflow_capacity),
            to_wad(token_settings.outflow_refill),
        )
        listed, _, current = vault.functions.tokenConfig(token.address).call()
        if not listed or tuple(current) != config:
            call = vault.functions.listToken(token.address, config)
            sender.transact(call, f"listing {spec.symbol}")
        _ensure_faucet(sender, token, spec.symbol, token_settings, settings)
    if vault.functions.guardian().call() != Web3.to_checksum_address(guardian):
        sender.transact(
            vault.functions.setGuardian(guardian), f"setting the guardian to {guardian}"
        )
    mailbox = run.contract(chain, MAILBOX)
    if mailbox.functions.handlerGas().call() != settings.handler_gas:
        call = mailbox.functions.setHandlerGas(settings.handler_gas)
        sender.transact(call, f"setting the handler gas to {settings.handler_gas}")


def _ensure_faucet(
    sender: Sender,
    token: Contract,
    symbol: str,
    token_settings: CollateralTokenSettings,
    settings: CollateralSettings,
) -> None:
    drip = _scaled(token_settings.drip, TEST_TOKEN_DECIMALS)
    if token.functions.dripAmount().call() != drip:
        call = token.functions.setDripAmount(drip)
        sender.transact(call, f"setting the {symbol} faucet's drip to {token_settings.drip}")
    if token.functions.dripCooldown().call() != settings.drip_cooldown:
        call = token.functions.setDripCooldown(settings.drip_cooldown)
        sender.transact(
            call, f"setting the {symbol} faucet's cooldown to {settings.drip_cooldown} s"
        )


def _delist(sender: Sender, vault: Contract, tokens: list[str]) -> None:
    """Stops deposits of test tokens this deploy replaced; reserves and outflows of
    them still work."""
    for token in tokens:
        address = Web3.to_checksum_address(token)
        if vault.functions.tokenConfig(address).call()[0]:
            call = vault.functions.delistToken(address)
            sender.transact(call, f"delisting the replaced token {address}")


def _app(sender: Sender, address: str, abi: list[dict[str, Any]]) -> Contract:
    return sender.web3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)


def _ensure_remote(
    sender: Sender, app: Contract, chain: str, key: str, *, domain: int, remote: str
) -> Wiring:
    remote = Web3.to_checksum_address(remote)
    changed = app.functions.trustedRemote(domain).call() != remote
    if changed:
        call = app.functions.setTrustedRemote(domain, remote)
        sender.transact(call, f"trusting {remote} on domain {domain}")
    return Wiring(chain, key, domain, remote, changed)


def _scaled(amount: Decimal, decimals: int) -> int:
    scaled = amount.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ConfigError(
            f"{amount} has more than {decimals} decimals", "give whole units of the token"
        )
    return int(scaled)
