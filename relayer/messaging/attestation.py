"""Validator attestations: EIP-712 signatures over a message id, bound to the
destination mailbox (its chain id and address), as Mailbox.sol verifies them."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property

from eth_abi.abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys.exceptions import BadSignature
from eth_typing import Hash32
from eth_utils.crypto import keccak

DOMAIN_NAME = "crossflow Mailbox"
DOMAIN_VERSION = "1"
_DOMAIN_TYPEHASH = keccak(
    b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_ATTESTATION_TYPEHASH = keccak(b"Attestation(bytes32 messageId)")
SIGNATURE_BYTES = 65
_SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


@dataclass(frozen=True)
class MailboxDomain:
    """Where an attestation is valid: one mailbox on one chain."""

    chain_id: int
    mailbox: str

    @cached_property
    def separator(self) -> bytes:
        return keccak(
            encode(
                ["bytes32", "bytes32", "bytes32", "uint256", "address"],
                [
                    _DOMAIN_TYPEHASH,
                    keccak(DOMAIN_NAME.encode()),
                    keccak(DOMAIN_VERSION.encode()),
                    self.chain_id,
                    self.mailbox,
                ],
            )
        )

    def digest(self, message_id: str) -> bytes:
        # abi.encode of two bytes32 words is their concatenation.
        struct_hash = keccak(_ATTESTATION_TYPEHASH + bytes.fromhex(message_id[2:]))
        return keccak(b"\x19\x01" + self.separator + struct_hash)


def sign_attestation(signer: LocalAccount, domain: MailboxDomain, message_id: str) -> bytes:
    """65-byte r‖s‖v signature of `message_id` for `domain`."""
    return bytes(signer.unsafe_sign_hash(Hash32(domain.digest(message_id))).signature)


def recover_signer(domain: MailboxDomain, message_id: str, signature: bytes) -> str:
    return str(Account._recover_hash(domain.digest(message_id), signature=signature))


def accepted_signer(domain: MailboxDomain, message_id: str, signature: bytes) -> str | None:
    """Who made `signature`, by the rules the mailbox applies (OpenZeppelin ECDSA: 65
    bytes, v 27 or 28, s in the lower half); None for anything the mailbox would reject."""
    if len(signature) != SIGNATURE_BYTES or signature[64] not in (27, 28):
        return None
    if int.from_bytes(signature[32:64], "big") > _SECP256K1_HALF_N:
        return None
    try:
        return recover_signer(domain, message_id, signature)
    except (ValueError, BadSignature):
        return None


@dataclass(frozen=True)
class Quorum:
    """What the published signatures of one message amount to for its destination."""

    signatures: list[bytes] | None  # `threshold` valid ones, ascending by signer; else None
    invalid: list[str]  # members whose published signature the mailbox would reject
    possible: bool  # False when even the members yet to publish cannot make up a quorum


def quorum(
    domain: MailboxDomain,
    message_id: str,
    published: Mapping[str, bytes],
    members: AbstractSet[str],
    threshold: int,
) -> Quorum:
    """Check every member's published signature and take the first `threshold` valid
    ones in ascending signer order, as the mailbox requires. A faulty validator (a
    malformed signature, one for another chain or message) is passed over, so the
    honest members still make a quorum. Addresses on both sides are checksummed."""
    valid, invalid = [], []
    for signer in sorted((s for s in published if s in members), key=lambda a: int(a, 16)):
        if accepted_signer(domain, message_id, published[signer]) == signer:
            valid.append(signer)
        else:
            invalid.append(signer)
    unpublished = len(members) - len(valid) - len(invalid)
    signatures = [published[s] for s in valid[:threshold]] if len(valid) >= threshold else None
    return Quorum(signatures, invalid, len(valid) + unpublished >= threshold)
