"""Signed price reports, as PriceFeed.sol verifies them.

The EIP-712 domain carries only a name and a version, no chain id and no
contract address, so one set of signatures is valid on every chain: the
feeder signs once and anyone posts the same report everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_account.signers.local import LocalAccount
from eth_typing import Hash32
from eth_utils.crypto import keccak

DOMAIN_SEPARATOR = keccak(
    encode(
        ["bytes32", "bytes32", "bytes32"],
        [
            keccak(b"EIP712Domain(string name,string version)"),
            keccak(b"crossflow Oracle"),
            keccak(b"1"),
        ],
    )
)
_REPORT_TYPEHASH = keccak(
    b"PriceReport(bytes32 feedId,int256 answer,uint256 updatedAt,uint80 roundId)"
)


def feed_id(name: str) -> bytes:
    """The id a feed's reports carry, e.g. feed_id("ETH/USD")."""
    return keccak(name.encode())


@dataclass(frozen=True)
class PriceReport:
    feed_id: bytes
    answer: int  # in the feed's decimals (8 for ETH/USD)
    updated_at: int  # unix seconds
    round_id: int

    def digest(self) -> bytes:
        struct_hash = keccak(
            encode(
                ["bytes32", "bytes32", "int256", "uint256", "uint80"],
                [_REPORT_TYPEHASH, self.feed_id, self.answer, self.updated_at, self.round_id],
            )
        )
        return keccak(b"\x19\x01" + DOMAIN_SEPARATOR + struct_hash)

    def as_tuple(self) -> tuple[bytes, int, int, int]:
        """The `PriceReport` struct as web3 encodes it for `submit`."""
        return (self.feed_id, self.answer, self.updated_at, self.round_id)


def sign_report(report: PriceReport, signers: Sequence[LocalAccount]) -> list[bytes]:
    """One signature per signer, in ascending signer order as PriceFeed requires."""
    ordered = sorted(signers, key=lambda signer: int(signer.address, 16))
    digest = Hash32(report.digest())
    return [bytes(signer.unsafe_sign_hash(digest).signature) for signer in ordered]
