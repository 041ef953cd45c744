"""An operator's ways out of the two states the relayer cannot always leave by
itself: a dead letter, which blocks its channel until it is requeued, and a failed
handler, which the relayer reruns with the gas a delivery gives once a simulated
retry passes, and which anyone may rerun on the destination with more gas."""

from __future__ import annotations

from web3 import Web3

from relayer.chains.chain import connect
from relayer.chains.compiler import Contracts
from relayer.chains.manifest import Manifest
from relayer.chains.tx import Sender
from relayer.errors import NotDeadLettered, NotFailedOnChain, UnknownMessage
from relayer.messaging.service import relayer_account
from relayer.messaging.store import MessageRow, MessageState, Store
from relayer.settings import RelaySettings


def requeue(store: Store, message_ids: list[str], channel: tuple[int, int] | None) -> list[str]:
    """Put dead letters back in line, by id or every one of a channel; returns the ids.
    The relayer then delivers them in channel order with fresh attempts."""
    ids = list(message_ids)
    for message_id in ids:
        row = _row(store, message_id)
        if row.state is not MessageState.DEAD_LETTERED:
            raise NotDeadLettered(row.id, row.state.value)
    if channel is not None:
        ids += store.dead_letters(*channel)
    store.requeue(ids, "requeued by an operator")
    return ids


def rerun_handler(
    settings: RelaySettings,
    manifest: Manifest,
    contracts: Contracts,
    store: Store,
    message_id: str,
    *,
    gas: int | None,
) -> str:
    """`Mailbox.retry` of a failed message from the relayer's account, with `gas` as the
    transaction's gas limit (estimated when None); returns the transaction hash. A
    handler that fails again reverts the transaction and the message stays failed,
    on the relayer's rerun queue. One that someone already reran is recorded so."""
    row = _row(store, message_id)
    chain = manifest.chain(row.destination)
    web3 = connect(chain.rpc_url, chain.chain_id)
    mailbox = web3.eth.contract(
        address=Web3.to_checksum_address(manifest.address(chain, "Mailbox")),
        abi=contracts.get("Mailbox").abi,
    )
    if not mailbox.functions.failed(row.id).call():
        if mailbox.functions.delivered(row.id).call():
            store.mark_rerun(row.id, "handler rerun, found on chain")
        raise NotFailedOnChain(row.id, chain.chain_id)
    account = relayer_account(settings, manifest.network)
    sender = Sender(web3, account, chain.chain_id, settings.gas_headroom)
    receipt = sender.transact(mailbox.functions.retry(row.raw), "retry", gas=gas)
    tx_hash = receipt["transactionHash"].to_0x_hex()
    store.mark_rerun(row.id, f"handler rerun by an operator in tx {tx_hash}")
    return tx_hash


def _row(store: Store, message_id: str) -> MessageRow:
    row = store.message(message_id)
    if row is None:
        raise UnknownMessage(message_id)
    return row
