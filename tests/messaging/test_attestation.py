"""Attestation signing and quorum assembly, against eth-account's own recovery."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from hypothesis import given, settings
from hypothesis import strategies as st

from relayer.messaging.attestation import (
    MailboxDomain,
    accepted_signer,
    quorum,
    recover_signer,
    sign_attestation,
)
from relayer.messaging.message import Message

SIGNERS = [Account.create() for _ in range(5)]
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
DOMAIN = MailboxDomain(31338, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
OTHER_MAILBOX = MailboxDomain(31338, "0x" + "ab" * 20)
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
    found = quorum(DOMAIN, MESSAGE.id, signatures, member_addresses, threshold)
    assert found.invalid == []
    assert found.possible is (len(members) >= threshold)
    chosen = found.signatures
    if len(signed & members) < threshold:
        assert chosen is None
        return
    assert chosen is not None
    assert len(chosen) == threshold
    recovered = [recover_signer(DOMAIN, MESSAGE.id, s) for s in chosen]
    assert all(r in member_addresses for r in recovered)
    assert [int(r, 16) for r in recovered] == sorted(int(r, 16) for r in recovered)


def _by_address() -> list[LocalAccount]:
    return sorted(SIGNERS[:3], key=lambda account: int(account.address, 16))


def _faulty_signatures(signer: LocalAccount) -> dict[str, bytes]:
    good = sign_attestation(signer, DOMAIN, MESSAGE.id)
    r, s, v = good[:32], int.from_bytes(good[32:64], "big"), good[64]
    high_s = (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # same signer, malleated
    return {
        "malformed": b"\x01" * 64 + b"\x1b",
        "truncated": good[:64],
        "wrong v": good[:64] + b"\x01",
        "high s": r + high_s,
        "other chain": sign_attestation(signer, MailboxDomain(1, DOMAIN.mailbox), MESSAGE.id),
        "other mailbox": sign_attestation(signer, OTHER_MAILBOX, MESSAGE.id),
        "other message": sign_attestation(signer, DOMAIN, "0x" + "00" * 32),
        "another member's": sign_attestation(_by_address()[2], DOMAIN, MESSAGE.id),
    }


@pytest.mark.parametrize("fault", list(_faulty_signatures(SIGNERS[0])))
def test_a_faulty_validator_is_passed_over_and_the_honest_two_make_the_quorum(fault: str) -> None:
    faulty, *honest = _by_address()  # the faulty one sorts first: it would be taken first
    published: dict[str, bytes] = {faulty.address: _faulty_signatures(faulty)[fault]}
    published |= {h.address: sign_attestation(h, DOMAIN, MESSAGE.id) for h in honest}
    found = quorum(DOMAIN, MESSAGE.id, published, {a.address for a in _by_address()}, 2)
    assert found.invalid == [faulty.address]
    assert found.signatures == [published[h.address] for h in honest]
    assert accepted_signer(DOMAIN, MESSAGE.id, _faulty_signatures(faulty)[fault]) != faulty.address


def test_no_quorum_is_possible_once_too_many_members_signed_wrongly() -> None:
    first, second, third = _by_address()
    members = {a.address for a in (first, second, third)}
    wrong = MailboxDomain(1, DOMAIN.mailbox)
    published: dict[str, bytes] = {
        first.address: sign_attestation(first, wrong, MESSAGE.id),
        second.address: sign_attestation(second, wrong, MESSAGE.id),
    }
    found = quorum(DOMAIN, MESSAGE.id, published, members, 2)
    assert (found.signatures, found.possible) == (None, False)
    assert found.invalid == [first.address, second.address]
    one_wrong = quorum(DOMAIN, MESSAGE.id, dict(list(published.items())[:1]), members, 2)
    assert (one_wrong.signatures, one_wrong.possible) == (None, True)  # two may still sign
