"""Validator attestations: EIP-712 signatures over a message id, bound to the
destination mailbox (its chain id and address), as Mailbox.sol verifies them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from eth_abi.abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import Hash32
from eth_utils.crypto import keccak

DOMAIN_NAME = "crossflow Mailbox"
DOMAIN_VERSION = "1"
_DOMAIN_TYPEHASH = keccak(
    b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_ATTESTATION_TYPEHASH = keccak(b"Attestation(bytes32 messageId)")


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


def quorum(
    signatures: Mapping[str, bytes], members: set[str], threshold: int
) -> list[bytes] | None:
    """The first `threshold` member signatures in ascending signer order, as the
    mailbox requires; None while fewer than `threshold` members have signed.
    Addresses on both sides are checksummed."""
    valid = sorted((s for s in signatures if s in members), key=lambda address: int(address, 16))
    if len(valid) < threshold:
        return None
    return [signatures[signer] for signer in valid[:threshold]]
