"""Deploy crossflow's contracts to a set of chains and record them in the manifest.

Idempotent: a contract the manifest records is kept while its chain is the one
the manifest was written for (same genesis block), the code at its address is
the code deployed there, and that code is what contracts/src compiles to now.
So a deploy interrupted half-way resumes where it stopped, deploying the price
feeds leaves the mailboxes alone (and the other way round), and a chain that
was restarted, or a contract whose source changed, gets a fresh deployment:
an address from an earlier chain is never reused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_abi.abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import SecretStr
from web3 import Web3
from web3.contract import Contract

from relayer.chains.binding import code_hash, contract_problem
from relayer.chains.chain import connect, genesis_hash, runtime_code
from relayer.chains.compiler import Contracts, load_contracts
from relayer.chains.manifest import (
    MARKET_ROLE,
    ChainDeployment,
    Manifest,
    ManifestRpcUrlNotSet,
    SignerQuorum,
    contract_name,
    load_manifest,
    save_manifest,
)
from relayer.chains.tx import Sender
from relayer.deploy.journal import Journal, deploy_sender
from relayer.errors import ConfigError
from relayer.market.units import to_wad
from relayer.oracle.feeds import ETH_IV, ETH_USD, FEEDS, FeedSpec
from relayer.settings import MarketSettings, RiskSettings

MAILBOX = "Mailbox"


MARKET_MAX_FILLS = 20  # makers one taker order may sweep


@dataclass(frozen=True)
class ChainTarget:
    name: str
    role: str
    chain_id: int
    rpc_url: str
    # The environment variable the URL came from: messages and the manifest name it
    # rather than show a URL that often carries an API key.
    rpc_url_env: str | None = None

    @property
    def rpc_shown(self) -> str:
        return f"the RPC URL in {self.rpc_url_env}" if self.rpc_url_env else self.rpc_url


def deploy_messaging(
    targets: Sequence[ChainTarget],
    *,
    network: str,
    manifest_dir: Path,
    deployer_key: SecretStr,
    validators: Sequence[str],
    threshold: int,
    contracts: Contracts | None = None,
    journal: Journal | None = None,
) -> Manifest:
    """A Mailbox on every chain, each trusting `validators` (M = `threshold`) for
    messages from every other chain."""
    run = _Deployment(targets, network, manifest_dir, deployer_key, contracts, journal=journal)
    # Mailboxes come as a set: a channel's nonces live at both of its ends, so a new
    # mailbox on one chain would find the others expecting nonces it never sent.
    if not all(run.keeps(target, MAILBOX) for target in targets):
        run.forget(MAILBOX)
    for target in targets:
        owner = run.deployer.address
        # Agents index Dispatch logs from the block a (new) mailbox appeared in.
        run.ensure(target, MAILBOX, (target.chain_id, owner, owner), index=True)
    manifest = run.save(validators=SignerQuorum(addresses=list(validators), threshold=threshold))
    for chain in manifest.chains:
        mailbox = run.contract(chain, MAILBOX)
        for origin in manifest.chains:
            if origin is not chain:
                _ensure_validators(
                    run.senders[chain.chain_id], mailbox, origin.domain, validators, threshold
                )
    return manifest


def deploy_oracle(
    targets: Sequence[ChainTarget],
    *,
    network: str,
    manifest_dir: Path,
    deployer_key: SecretStr,
    signers: Sequence[str],
    threshold: int,
    feeds: Sequence[FeedSpec] = FEEDS,
    contracts: Contracts | None = None,
    journal: Journal | None = None,
) -> Manifest:
    """Every feed in `feeds` on every chain, accepting reports that `threshold` of
    `signers` signed."""
    run = _Deployment(targets, network, manifest_dir, deployer_key, contracts, journal=journal)
    for target in targets:
        for spec in feeds:
            args = spec.constructor_args(list(signers), threshold, run.deployer.address)
            run.ensure(target, spec.manifest_key, args)
    manifest = run.save(oracle=SignerQuorum(addresses=list(signers), threshold=threshold))
    for chain in manifest.chains:
        for spec in feeds:
            feed = run.contract(chain, spec.manifest_key)
            _ensure_signers(
                run.senders[chain.chain_id], feed, spec.manifest_key, signers, threshold
            )
    return manifest


def deploy_market(
    targets: Sequence[ChainTarget],
    *,
    network: str,
    manifest_dir: Path,
    deployer_key: SecretStr,
    risk: RiskSettings,
    feed_max_age: int,
    market: MarketSettings | None = None,
    contracts: Contracts | None = None,
    journal: Journal | None = None,
) -> Manifest:
    """The risk engine and the options market (with its two modules) on the market
    chain, trading the feeds and using the mailbox the manifest records there, with
    the deployer as owner, fee account and insurance fund until the product issue
    gives them their own keys."""
    market = market or MarketSettings()
    run = _Deployment(targets, network, manifest_dir, deployer_key, contracts, journal=journal)
    target = next(t for t in targets if t.role == MARKET_ROLE)
    chain = run.chains[target.chain_id]
    feeds = [chain.contracts.get(spec.manifest_key) for spec in (ETH_USD, ETH_IV)]
    if None in feeds:
        raise ConfigError(
            f"the market chain {target.name} has no price feeds in the {network} manifest",
            "deploy the feeds first (deploy_oracle, as `crossflow deploy` does)",
        )
    mailbox = chain.contracts.get(MAILBOX)
    if mailbox is None:
        raise ConfigError(
            f"the market chain {target.name} has no mailbox in the {network} manifest",
            "deploy the message layer first (deploy_messaging, as `crossflow deploy` does)",
        )
    engine = run.ensure(target, "MarginEngine", ())
    owner = run.deployer.address
    params = (
        tuple(
            to_wad(str(value))
            for value in (
                risk.u_base_mm,
                risk.u_base_im,
                risk.vol_shock,
                risk.z,
                risk.short_floor,
                risk.rate,
            )
        ),
        feed_max_age,
        feed_max_age,
        MARKET_MAX_FILLS,
        0,
        0,
    )
    # owner, engine, feeds, fee account, insurance fund, mailbox
    setup = (owner, engine, *feeds, owner, owner, mailbox)
    liquidation = (
        market.margin_call_window,
        market.liquidation_grace,
        to_wad(str(market.liquidation_discount)),
    )
    # A part kept from an earlier run may have been built from another engine or
    # mailbox; the market only delegates to modules built from its own setup.
    setup_hash = Web3.keccak(
        encode(["(address,address,address,address,address,address,address)"], [setup])
    )
    parts = ("MarketAdmin", "MarketCollateral", "OptionsMarket")
    for key in parts:
        if run.keeps(target, key):
            built_from = run.contract(chain, key).functions.setupHash().call()
            if bytes(built_from) != bytes(setup_hash):
                run.forget(key)
    admin = run.ensure(target, "MarketAdmin", (setup,))
    collateral = run.ensure(target, "MarketCollateral", (setup,))
    if run.keeps(target, "OptionsMarket"):
        kept = run.contract(chain, "OptionsMarket").functions
        wired = (kept.admin().call().lower(), kept.collateral().call().lower())
        if wired != (admin.lower(), collateral.lower()):
            run.forget("OptionsMarket")
    address = run.ensure(target, "OptionsMarket", (setup, params, liquidation, admin, collateral))
    manifest = run.save()
    market_abi = run.compiled.get("IOptionsMarket").abi
    options_market = run.senders[target.chain_id].web3.eth.contract(
        address=Web3.to_checksum_address(address), abi=market_abi
    )
    _ensure_market_params(run.senders[target.chain_id], options_market, params, liquidation)
    return manifest


class _Deployment:
    """One deploy run: the previous manifest, what is (re)deployed, and the result."""

    def __init__(
        self,
        targets: Sequence[ChainTarget],
        network: str,
        manifest_dir: Path,
        deployer_key: SecretStr,
        contracts: Contracts | None,
        *,
        journal: Journal | None = None,
    ) -> None:
        self.network = network
        self.manifest_dir = manifest_dir
        self.compiled = contracts or load_contracts()
        self.deployer: LocalAccount = Account.from_key(deployer_key.get_secret_value())
        previous = recorded_manifest(manifest_dir, network)
        self.senders: dict[int, Sender] = {}
        self.chains: dict[int, ChainDeployment] = {}
        for target in targets:
            web3 = connect(target.rpc_url, target.chain_id)
            self.senders[target.chain_id] = deploy_sender(
                web3, self.deployer, target.chain_id, journal
            )
            genesis = genesis_hash(web3, target.rpc_url)
            known = _known_chain(previous, target, genesis)
            self.chains[target.chain_id] = ChainDeployment(
                name=target.name,
                role=target.role,
                chain_id=target.chain_id,
                domain=target.chain_id,
                rpc_url=target.rpc_url,
                rpc_url_env=target.rpc_url_env,
                genesis_hash=genesis,
                contracts=dict(known.contracts) if known else {},
                code_hashes=dict(known.code_hashes) if known else {},
                deployed_at_block=known.deployed_at_block if known else web3.eth.block_number,
            )
        # The signer sets describe contracts on these chains only if some were kept.
        kept = any(chain.contracts for chain in self.chains.values())
        self.previous = previous if kept else None

    def keeps(self, target: ChainTarget, key: str) -> bool:
        """True if the contract recorded under `key` can stay (see the module notes)."""
        chain = self.chains[target.chain_id]
        address = chain.contracts.get(key)
        if address is None:
            return False
        code = runtime_code(self.senders[target.chain_id].web3, target.rpc_url, address)
        return contract_problem(key, address, chain.code_hashes[key], code, self.compiled) is None

    def forget(self, key: str) -> None:
        for chain in self.chains.values():
            chain.contracts.pop(key, None)
            chain.code_hashes.pop(key, None)

    def ensure(
        self, target: ChainTarget, key: str, args: tuple[object, ...], *, index: bool = False
    ) -> str:
        """The address recorded under `key`, deploying `contract_name(key)(*args)` unless
        the recorded one `keeps`; with `index`, a fresh deployment moves
        `deployed_at_block` to it."""
        chain = self.chains[target.chain_id]
        if self.keeps(target, key):
            return chain.contracts[key]
        sender = self.senders[target.chain_id]
        start = sender.web3.eth.block_number
        artifact = self.compiled.get(contract_name(key))
        address = str(sender.deploy(artifact, *args, what=f"deploying {key}").address)
        chain.contracts[key] = address
        chain.code_hashes[key] = code_hash(runtime_code(sender.web3, target.rpc_url, address))
        if index:
            chain.deployed_at_block = start
        return address

    def save(
        self, *, validators: SignerQuorum | None = None, oracle: SignerQuorum | None = None
    ) -> Manifest:
        manifest = Manifest(
            network=self.network,
            chains=list(self.chains.values()),
            validators=validators or (self.previous.validators if self.previous else None),
            oracle=oracle or (self.previous.oracle if self.previous else None),
        )
        save_manifest(self.manifest_dir, manifest)
        return manifest

    def contract(self, chain: ChainDeployment, key: str) -> Contract:
        return self.senders[chain.chain_id].web3.eth.contract(
            address=Web3.to_checksum_address(chain.contracts[key]),
            abi=self.compiled.get(contract_name(key)).abi,
        )


def recorded_manifest(manifest_dir: Path, network: str) -> Manifest | None:
    """The manifest to resume from; none when it is missing, unreadable or in an
    older format (it cannot say which chains it was written for): deploy afresh.
    Raises ManifestRpcUrlNotSet when it is sound but a variable it names is unset:
    deploying afresh then would abandon every contract it records."""
    try:
        return load_manifest(manifest_dir, network)
    except ManifestRpcUrlNotSet:
        raise
    except ConfigError:
        return None


def _known_chain(
    manifest: Manifest | None, target: ChainTarget, genesis: str
) -> ChainDeployment | None:
    """The manifest's record of this very chain: same id and same genesis block."""
    if manifest is None:
        return None
    return next(
        (c for c in manifest.chains if c.chain_id == target.chain_id and c.genesis_hash == genesis),
        None,
    )


def _ensure_validators(
    sender: Sender, mailbox: Contract, origin: int, validators: Sequence[str], threshold: int
) -> None:
    current = mailbox.functions.validators(origin).call()
    if (
        sorted(current) == sorted(validators)
        and mailbox.functions.threshold(origin).call() == threshold
    ):
        return
    call = mailbox.functions.setValidators(origin, list(validators), threshold)
    sender.transact(call, f"setting validators for origin {origin}")


def _ensure_signers(
    sender: Sender, feed: Contract, key: str, signers: Sequence[str], threshold: int
) -> None:
    current = feed.functions.signers().call()
    if sorted(current) == sorted(signers) and feed.functions.threshold().call() == threshold:
        return
    call = feed.functions.setSigners(list(signers), threshold)
    sender.transact(call, f"setting the oracle signers of {key}")


def _ensure_market_params(
    sender: Sender, market: Contract, risk: tuple[object, ...], liquidation: tuple[object, ...]
) -> None:
    """A kept market is held to the parameters the settings give now (a fresh one got
    them in its constructor)."""
    functions = market.functions
    if _plain(functions.riskParams().call()) != _plain(risk):
        sender.transact(functions.setRiskParams(risk), "setting the market's risk parameters")
    if _plain(functions.liquidationParams().call()) != _plain(liquidation):
        call = functions.setLiquidationParams(liquidation)
        sender.transact(call, "setting the market's liquidation parameters")


def _plain(value: object) -> object:
    """A struct as web3 returns it (lists or tuples, nested) as nested tuples."""
    if isinstance(value, list | tuple):
        return tuple(_plain(item) for item in value)
    return value
