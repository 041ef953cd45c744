"""Deploy crossflow's contracts to a set of chains and record them in the manifest.

Idempotent: a contract the manifest names that still has code is kept, so a
deploy interrupted half-way resumes where it stopped, and deploying the price
feeds leaves the mailboxes alone (and the other way round).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import SecretStr
from web3 import Web3
from web3.contract import Contract

from relayer.chain import connect
from relayer.compiler import Contracts, load_contracts
from relayer.errors import ManifestNotFound
from relayer.feeds import FEEDS, FeedSpec
from relayer.manifest import ChainDeployment, Manifest, SignerQuorum, load_manifest, save_manifest
from relayer.tx import Sender


@dataclass(frozen=True)
class ChainTarget:
    name: str
    role: str
    chain_id: int
    rpc_url: str


def deploy_messaging(
    targets: Sequence[ChainTarget],
    *,
    network: str,
    manifest_dir: Path,
    deployer_key: SecretStr,
    validators: Sequence[str],
    threshold: int,
    contracts: Contracts | None = None,
) -> Manifest:
    """A Mailbox on every chain, each trusting `validators` (M = `threshold`) for
    messages from every other chain."""
    run = _Deployment(targets, network, manifest_dir, deployer_key, contracts)
    for target in targets:
        owner = run.deployer.address
        # Agents index Dispatch logs from the block a (new) mailbox appeared in.
        run.ensure(target, "Mailbox", "Mailbox", (target.chain_id, owner, owner), index=True)
    manifest = run.save(validators=SignerQuorum(addresses=list(validators), threshold=threshold))
    for chain in manifest.chains:
        mailbox = run.contract(chain, "Mailbox", "Mailbox")
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
) -> Manifest:
    """Every feed in `feeds` on every chain, accepting reports that `threshold` of
    `signers` signed."""
    run = _Deployment(targets, network, manifest_dir, deployer_key, contracts)
    for target in targets:
        for spec in feeds:
            args = spec.constructor_args(list(signers), threshold, run.deployer.address)
            run.ensure(target, spec.manifest_key, "PriceFeed", args)
    manifest = run.save(oracle=SignerQuorum(addresses=list(signers), threshold=threshold))
    for chain in manifest.chains:
        for spec in feeds:
            feed = run.contract(chain, spec.manifest_key, "PriceFeed")
            _ensure_signers(run.senders[chain.chain_id], feed, signers, threshold)
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
    ) -> None:
        self.network = network
        self.manifest_dir = manifest_dir
        self.compiled = contracts or load_contracts()
        self.deployer: LocalAccount = Account.from_key(deployer_key.get_secret_value())
        self.previous = _previous(manifest_dir, network)
        self.senders: dict[int, Sender] = {}
        self.chains: dict[int, ChainDeployment] = {}
        for target in targets:
            web3 = connect(target.rpc_url, target.chain_id)
            self.senders[target.chain_id] = Sender(web3, self.deployer, target.chain_id)
            known = _known_chain(self.previous, target)
            self.chains[target.chain_id] = ChainDeployment(
                name=target.name,
                role=target.role,
                chain_id=target.chain_id,
                domain=target.chain_id,
                rpc_url=target.rpc_url,
                contracts=dict(known.contracts) if known else {},
                deployed_at_block=known.deployed_at_block if known else web3.eth.block_number,
            )

    def ensure(
        self,
        target: ChainTarget,
        key: str,
        contract: str,
        args: tuple[object, ...],
        *,
        index: bool = False,
    ) -> str:
        """The address recorded under `key`, deploying `contract(*args)` unless it has
        code; with `index`, a fresh deployment moves `deployed_at_block` to it."""
        chain = self.chains[target.chain_id]
        sender = self.senders[target.chain_id]
        address = chain.contracts.get(key)
        if address and sender.web3.eth.get_code(Web3.to_checksum_address(address)):
            return address
        start = sender.web3.eth.block_number
        artifact = self.compiled.get(contract)
        factory = sender.web3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = sender.transact(factory.constructor(*args), f"deploying {key}")
        address = str(receipt["contractAddress"])
        chain.contracts[key] = address
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

    def contract(self, chain: ChainDeployment, key: str, contract: str) -> Contract:
        return self.senders[chain.chain_id].web3.eth.contract(
            address=Web3.to_checksum_address(chain.contracts[key]),
            abi=self.compiled.get(contract).abi,
        )


def _previous(manifest_dir: Path, network: str) -> Manifest | None:
    try:
        return load_manifest(manifest_dir, network)
    except ManifestNotFound:
        return None


def _known_chain(manifest: Manifest | None, target: ChainTarget) -> ChainDeployment | None:
    if manifest is None:
        return None
    return next((c for c in manifest.chains if c.chain_id == target.chain_id), None)


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


def _ensure_signers(sender: Sender, feed: Contract, signers: Sequence[str], threshold: int) -> None:
    current = feed.functions.signers().call()
    if sorted(current) == sorted(signers) and feed.functions.threshold().call() == threshold:
        return
    call = feed.functions.setSigners(list(signers), threshold)
    sender.transact(call, "setting the oracle signers")
