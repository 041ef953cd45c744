"""Every transaction one deploy run sends, as the chain mined it: what it was for,
which contract it went to or created, the gas it used and the fee it paid. A run on
local forks of the chains gives the plan; a run on the chains gives the report."""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxReceipt

from relayer.chains.tx import Call, Sender


@dataclass(frozen=True)
class SentTransaction:
    chain_id: int
    what: str
    to: str | None  # the contract called; None for a deployment
    created: str | None  # the contract deployed, if it was a deployment
    gas_used: int
    fee: int  # wei, at the price it paid


@dataclass
class Journal:
    sent: list[SentTransaction] = field(default_factory=list)

    def record(self, chain_id: int, what: str, receipt: TxReceipt) -> None:
        created = receipt.get("contractAddress")
        to = receipt.get("to")
        gas_used = int(receipt["gasUsed"])
        self.sent.append(
            SentTransaction(
                chain_id=chain_id,
                what=what,
                to=Web3.to_checksum_address(str(to)) if to and not created else None,
                created=Web3.to_checksum_address(str(created)) if created else None,
                gas_used=gas_used,
                fee=gas_used * int(receipt.get("effectiveGasPrice", 0)),
            )
        )

    def on(self, chain_id: int) -> list[SentTransaction]:
        return [tx for tx in self.sent if tx.chain_id == chain_id]


class RecordingSender(Sender):
    """A Sender that writes each mined transaction into a journal."""

    def __init__(self, web3: Web3, account: LocalAccount, chain_id: int, journal: Journal) -> None:
        super().__init__(web3, account, chain_id)
        self.journal = journal

    def transact(
        self, call: Call, what: str, timeout: float = 60, gas: int | None = None
    ) -> TxReceipt:
        receipt = super().transact(call, what, timeout, gas)
        self.journal.record(self.chain_id, what, receipt)
        return receipt


def deploy_sender(
    web3: Web3, account: LocalAccount, chain_id: int, journal: Journal | None
) -> Sender:
    """The deployer's sender on one chain, recording into `journal` when there is one."""
    if journal is None:
        return Sender(web3, account, chain_id)
    return RecordingSender(web3, account, chain_id, journal)
