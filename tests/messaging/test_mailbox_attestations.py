"""The mailbox on a real chain rejects every attestation that is not a quorum of
its validators signing this message for this mailbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from relayer.chains import devkeys
from relayer.chains.tx import Sender
from relayer.errors import TransactionReverted
from relayer.messaging.attestation import MailboxDomain, recover_signer, sign_attestation
from relayer.messaging.message import Message
from relayer.testbed.net import VALIDATORS, MessagingNet, deploy_net
from tests.conftest import COLLATERAL_CHAIN_ID as COLLATERAL
from tests.conftest import MARKET_CHAIN_ID as MARKET
from tests.conftest import Chains

pytestmark = pytest.mark.e2e

RELAYER = Account.from_key(devkeys.RELAYER_KEY.get_secret_value())
STRANGERS = [Account.create() for _ in range(2)]


@pytest.fixture
def net(chains: Chains, tmp_path: Path) -> MessagingNet:
    return deploy_net(list(chains), tmp_path, threshold=2)


def message_for(net: MessagingNet, destination: int = MARKET) -> Message:
    """A message dispatched on the collateral chain, as the relayer would carry it."""
    return net.dispatch(COLLATERAL, destination, b"payload")


def domain(net: MessagingNet, chain_id: int = MARKET) -> MailboxDomain:
    return MailboxDomain(chain_id, net.mailboxes[chain_id].address)


def sorted_signatures(
    signers: list[LocalAccount], dom: MailboxDomain, message_id: str
) -> list[bytes]:
    ordered = sorted(signers, key=lambda a: int(a.address, 16))
    return [sign_attestation(s, dom, message_id) for s in ordered]


def submit(net: MessagingNet, message: Message, signatures: list[bytes]) -> None:
    sender = Sender(net.chain(MARKET).web3, RELAYER, MARKET)
    sender.transact(net.mailboxes[MARKET].functions.process(message.encoded, signatures), "process")


def rejected_with(net: MessagingNet, message: Message, signatures: list[bytes]) -> str:
    with pytest.raises(TransactionReverted) as caught:
        submit(net, message, signatures)
    return caught.value.reason


def test_a_quorum_of_members_is_delivered(net: MessagingNet) -> None:
    message = message_for(net)
    submit(net, message, sorted_signatures(VALIDATORS[:2], domain(net), message.id))
    assert net.mailboxes[MARKET].functions.delivered(message.id).call()
    assert net.received(MARKET, COLLATERAL) == [b"payload"]


def test_python_and_solidity_agree_on_ids_and_digests(net: MessagingNet) -> None:
    message = message_for(net)
    mailbox = net.mailboxes[MARKET].functions
    digest = mailbox.attestationDigest(bytes.fromhex(message.id[2:])).call()
    assert bytes(digest) == domain(net).digest(message.id)
    signature = sign_attestation(VALIDATORS[0], domain(net), message.id)
    assert recover_signer(domain(net), message.id, signature) == VALIDATORS[0].address


Forgery = Callable[[MessagingNet, Message], tuple[Message, list[bytes]]]


def forged_by_strangers(net: MessagingNet, message: Message) -> tuple[Message, list[bytes]]:
    return message, sorted_signatures(STRANGERS, domain(net), message.id)


def tampered_body(net: MessagingNet, message: Message) -> tuple[Message, list[bytes]]:
    signatures = sorted_signatures(VALIDATORS[:2], domain(net), message.id)
    return replace(message, body=b"payload, but more"), signatures


def signed_for_another_chain(net: MessagingNet, message: Message) -> tuple[Message, list[bytes]]:
    elsewhere = MailboxDomain(MARKET + 1, net.mailboxes[MARKET].address)
    return message, sorted_signatures(VALIDATORS[:2], elsewhere, message.id)


def signed_for_another_mailbox(net: MessagingNet, message: Message) -> tuple[Message, list[bytes]]:
    # Not the collateral chain's mailbox: deployed from the same account at the same
    # nonce, it has the same address as the market's.
    other = MailboxDomain(MARKET, STRANGERS[0].address)
    return message, sorted_signatures(VALIDATORS[:2], other, message.id)


def unsorted(net: MessagingNet, message: Message) -> tuple[Message, list[bytes]]:
    return message, list(reversed(sorted_signatures(VALIDATORS[:2], domain(net), message.id)))


def duplicate_signer(net: MessagingNet, message: Message) -> tuple[Message, list[bytes]]:
    signature = sign_attestation(VALIDATORS[0], domain(net), message.id)
    return message, [signature, signature]


def one_non_member(net: MessagingNet, message: Message) -> tuple[Message, list[bytes]]:
    return message, sorted_signatures([VALIDATORS[0], STRANGERS[0]], domain(net), message.id)


def too_few(net: MessagingNet, message: Message) -> tuple[Message, list[bytes]]:
    return message, sorted_signatures(VALIDATORS[:1], domain(net), message.id)


def malformed(net: MessagingNet, message: Message) -> tuple[Message, list[bytes]]:
    good = sorted_signatures(VALIDATORS[:2], domain(net), message.id)
    return message, [good[0], good[1][:64]]


@pytest.mark.parametrize(
    ("forgery", "errors"),
    [
        (forged_by_strangers, {"QuorumSignerNotMember", "QuorumSignersNotSorted"}),
        (tampered_body, {"QuorumSignerNotMember", "QuorumSignersNotSorted"}),
        (signed_for_another_chain, {"QuorumSignerNotMember", "QuorumSignersNotSorted"}),
        (signed_for_another_mailbox, {"QuorumSignerNotMember", "QuorumSignersNotSorted"}),
        (unsorted, {"QuorumSignersNotSorted"}),
        (duplicate_signer, {"QuorumSignersNotSorted"}),
        (one_non_member, {"QuorumSignerNotMember"}),
        (too_few, {"QuorumNotMet"}),
        (malformed, {"QuorumInvalidSignature"}),
    ],
)
def test_rejects_bad_attestations(net: MessagingNet, forgery: Forgery, errors: set[str]) -> None:
    message, signatures = forgery(net, message_for(net))
    assert rejected_with(net, message, signatures) in errors
    assert net.received(MARKET, COLLATERAL) == []


def test_rejects_a_replay(net: MessagingNet) -> None:
    message = message_for(net)
    signatures = sorted_signatures(VALIDATORS[:2], domain(net), message.id)
    submit(net, message, signatures)
    assert rejected_with(net, message, signatures) == "MailboxAlreadyDelivered"
    assert net.received(MARKET, COLLATERAL) == [b"payload"]


def test_rejects_a_message_for_another_destination(net: MessagingNet) -> None:
    message = replace(message_for(net), destination=MARKET + 7)
    signatures = sorted_signatures(VALIDATORS[:2], domain(net), message.id)
    assert rejected_with(net, message, signatures) == "MailboxWrongDestination"


def test_rejects_out_of_order_delivery(net: MessagingNet) -> None:
    message_for(net)
    second = message_for(net)
    signatures = sorted_signatures(VALIDATORS[:2], domain(net), second.id)
    assert rejected_with(net, second, signatures) == "MailboxNonceOutOfOrder"
