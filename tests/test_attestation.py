"""Attestation signing and quorum assembly, against eth-account's own recovery."""

from __future__ import annotations

from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from relayer.attestation import MailboxDomain, quorum, recover_signer, sign_attestation
from relayer.message import Message

SIGNERS = [Account.create() for _ in range(5)]
DOMAIN = MailboxDomain(31338, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
MESSAGE = Message(0, 31337, SIGNERS[0].address, 31338, SIGNERS[1].address, b"body")


def test_signature_recovers_to_the_signer_and_is_bound_to_the_domain() -> None:
    signature = sign_attestation(SIGNERS[0], DOMAIN, MESSAGE.id)
    assert recover_signer(DOMAIN, MESSAGE.id, signature) == SIGNERS[0].address
    elsewhere = MailboxDomain(1, DOMAIN.mailbox)
    assert recover_signer(elsewhere, MESSAGE.id, signature) != SIGNERS[0].address


@settings(max_examples=50)
@given(
    signed=st.sets(st.integers(0, 4), max_size=5),
    members=st.sets(st.integers(0, 4), min_size=1, max_size=5),
    threshold=st.integers(1, 5),
)
def test_quorum_is_sorted_members_only_and_exactly_threshold(
    signed: set[int], members: set[int], threshold: int
) -> None:
    signatures = {
        SIGNERS[i].address: sign_attestation(SIGNERS[i], DOMAIN, MESSAGE.id) for i in signed
    }
    member_addresses = {SIGNERS[i].address for i in members}
    chosen = quorum(signatures, member_addresses, threshold)
    eligible = len(signed & members)
    if eligible < threshold:
        assert chosen is None
        return
    assert chosen is not None
    assert len(chosen) == threshold
    recovered = [recover_signer(DOMAIN, MESSAGE.id, s) for s in chosen]
    assert all(r in member_addresses for r in recovered)
    assert [int(r, 16) for r in recovered] == sorted(int(r, 16) for r in recovered)
