"""Whether a manifest describes the chains that answer at its RPC URLs now.

Deploy records what binds a manifest to its chains (each chain's genesis hash,
each contract's code hash); every command that acts on deployed contracts
checks them first. A manifest from an earlier devnet is then refused in one
line, instead of failing deep inside a contract call or, worse, reading
another contract that happens to sit at the same address.
"""

from __future__ import annotations

from pathlib import Path

from eth_utils.crypto import keccak
from web3 import Web3

from relayer.chains.chain import connect, genesis_hash, runtime_code
from relayer.chains.compiler import Contracts
from relayer.chains.manifest import (
    ChainDeployment,
    Manifest,
    contract_name,
    load_manifest,
    manifest_path,
)
from relayer.errors import ChainIdMismatch, NodeUnreachable, StaleManifest


def code_hash(code: bytes) -> str:
    return "0x" + keccak(code).hex()


def contract_problem(
    key: str, address: str, recorded_hash: str, code: bytes, contracts: Contracts
) -> str | None:
    """What is wrong with the contract recorded under `key`, given the code at its
    address now; None when it is the one deployed and what contracts/src compiles to."""
    if not code:
        return f"has no code at {key}'s address {address}"
    if code_hash(code) != recorded_hash:
        return f"holds other code at {key}'s address {address}"
    if not contracts.get(contract_name(key)).is_runtime_of(code):
        return f"runs a {key} that differs from what contracts/src compiles to now"
    return None


def chain_problem(chain: ChainDeployment, web3: Web3, contracts: Contracts) -> str | None:
    """What is wrong with the manifest's record of `chain`, or None."""
    if genesis_hash(web3, chain.rpc_url) != chain.genesis_hash:
        return "has another genesis block: it is a new chain since the deploy"
    for key, address in chain.contracts.items():
        code = runtime_code(web3, chain.rpc_url, address)
        problem = contract_problem(key, address, chain.code_hashes[key], code, contracts)
        if problem is not None:
            return problem
    return None


def check_live(manifest: Manifest, path: Path, contracts: Contracts) -> None:
    """Raise StaleManifest unless every chain that answers is the one the manifest
    was written for, with the contracts it records. A chain that does not answer
    is left to the command: the agents wait for it and `prices` shows it down."""
    for chain in manifest.chains:
        try:
            web3 = connect(chain.rpc_url, chain.chain_id)
        except ChainIdMismatch as err:
            raise StaleManifest(
                path, manifest.network, chain.name, chain.chain_id, f"is not at {chain.rpc_shown}"
            ) from err
        except NodeUnreachable:
            continue
        problem = chain_problem(chain, web3, contracts)
        if problem is not None:
            raise StaleManifest(path, manifest.network, chain.name, chain.chain_id, problem)


def load_live_manifest(manifest_dir: Path, network: str, contracts: Contracts) -> Manifest:
    """The manifest of `network`, checked against the chains it names."""
    manifest = load_manifest(manifest_dir, network)
    check_live(manifest, manifest_path(manifest_dir, network), contracts)
    return manifest
