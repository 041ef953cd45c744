"""Deploy the message layer to a set of chains and record it in the manifest.

Idempotent: a contract the manifest names that still has code is kept, so a
deploy interrupted half-way resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from pydantic import SecretStr
from web3 import Web3
from web3.contract import Contract

from relayer.chain import connect
from relayer.compiler import Artifact, Contracts, load_contracts
from relayer.errors import ManifestNotFound
from relayer.manifest import ChainDeployment, Manifest, ValidatorSet, load_manifest, save_manifest
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
    contracts = contracts or load_contracts()
    deployer = Account.from_key(deployer_key.get_secret_value())
    manifest = _previous(manifest_dir, network)
    chains: list[ChainDeployment] = []
    senders: dict[int, Sender] = {}
    for target in targets:
        web3 = connect(target.rpc_url, target.chain_id)
        sender = senders[target.chain_id] = Sender(web3, deployer, target.chain_id)
        known = _known_chain(manifest, target)
        mailbox = known.contracts.get("Mailbox") if known else None
        if mailbox is None or not web3.eth.get_code(Web3.to_checksum_address(mailbox)):
            start = web3.eth.block_number
            mailbox = _deploy(
                sender,
                contracts.get("Mailbox"),
                target.chain_id,
                deployer.address,
                deployer.address,
            )
            known = None
        chains.append(
            ChainDeployment(
                name=target.name,
                role=target.role,
                chain_id=target.chain_id,
                domain=target.chain_id,
                rpc_url=target.rpc_url,
                contracts={"Mailbox": mailbox},
                deployed_at_block=known.deployed_at_block if known else start,
            )
        )
    manifest = Manifest(
        network=network,
        chains=chains,
        validators=ValidatorSet(addresses=list(validators), threshold=threshold),
    )
    save_manifest(manifest_dir, manifest)
    abi = contracts.get("Mailbox").abi
    for chain in chains:
        sender = senders[chain.chain_id]
        mailbox_contract = sender.web3.eth.contract(
            address=Web3.to_checksum_address(chain.contracts["Mailbox"]), abi=abi
        )
        for origin in chains:
            if origin is not chain:
                _ensure_validators(sender, mailbox_contract, origin.domain, validators, threshold)
    return manifest


def _previous(manifest_dir: Path, network: str) -> Manifest | None:
    try:
        return load_manifest(manifest_dir, network)
    except ManifestNotFound:
        return None


def _known_chain(manifest: Manifest | None, target: ChainTarget) -> ChainDeployment | None:
    if manifest is None:
        return None
    return next((c for c in manifest.chains if c.chain_id == target.chain_id), None)


def _deploy(sender: Sender, artifact: Artifact, *args: object) -> str:
    factory = sender.web3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = sender.transact(factory.constructor(*args), f"deploying {artifact.name}")
    return str(receipt["contractAddress"])


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
