"""What one deploy run did, or a simulated one would do: each contract kept or
deployed, and each transaction sent, as a deployment, the configuration of a contract
this run deployed, or the repair of one it kept (a wire or setting that was missing
or wrong)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from web3 import Web3

from relayer.chains.manifest import Manifest
from relayer.deploy.journal import Journal, SentTransaction


class Kind(StrEnum):
    DEPLOY = "deploy"
    CONFIGURE = "configure"
    REPAIR = "repair"


@dataclass(frozen=True)
class ContractRow:
    chain: str
    chain_id: int
    key: str  # the manifest's
    address: str
    deployed: bool  # False: kept from the manifest


@dataclass(frozen=True)
class TransactionRow:
    chain: str
    chain_id: int
    contract: str  # the manifest key it created or called
    what: str
    kind: Kind
    gas: int
    fee: int  # wei paid; zero in a plan, which prices gas itself


@dataclass(frozen=True)
class Report:
    contracts: list[ContractRow]
    transactions: list[TransactionRow]

    def gas(self, chain_id: int) -> int:
        return sum(t.gas for t in self.transactions if t.chain_id == chain_id)

    def count(self, kind: Kind) -> int:
        return sum(1 for t in self.transactions if t.kind == kind)

    @property
    def kept(self) -> int:
        return sum(1 for c in self.contracts if not c.deployed)


def report(before: Manifest | None, after: Manifest, journal: Journal) -> Report:
    """`after` and `journal` of a run that started from `before`."""
    recorded = (
        {(c.genesis_hash, k, a.lower()) for c in before.chains for k, a in c.contracts.items()}
        if before
        else set()
    )
    contracts = [
        ContractRow(
            chain.name,
            chain.chain_id,
            key,
            address,
            deployed=(chain.genesis_hash, key, address.lower()) not in recorded,
        )
        for chain in after.chains
        for key, address in chain.contracts.items()
    ]
    fresh = {(c.chain_id, c.address.lower()) for c in contracts if c.deployed}
    names = {
        (chain.chain_id, address.lower()): key
        for chain in after.chains
        for key, address in chain.contracts.items()
    }
    chain_names = {chain.chain_id: chain.name for chain in after.chains}
    transactions = [_row(tx, chain_names[tx.chain_id], names, fresh) for tx in journal.sent]
    return Report(contracts, transactions)


def _row(
    tx: SentTransaction,
    chain: str,
    names: dict[tuple[int, str], str],
    fresh: set[tuple[int, str]],
) -> TransactionRow:
    address = (tx.created or tx.to or "").lower()
    if tx.created:
        kind = Kind.DEPLOY
    elif (tx.chain_id, address) in fresh:
        kind = Kind.CONFIGURE
    else:
        kind = Kind.REPAIR
    # A contract this run deployed and then replaced (none today) has no manifest key.
    contract = names.get((tx.chain_id, address), Web3.to_checksum_address(address))
    return TransactionRow(chain, tx.chain_id, contract, tx.what, kind, tx.gas_used, tx.fee)
