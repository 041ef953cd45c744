"""The wire format of a cross-chain message, identical to contracts/src/libraries/Message.sol.

message = abi.encode(uint8 version, uint64 nonce, uint32 origin, address sender,
                     uint32 destination, address recipient, bytes body)
id      = keccak256(message)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from eth_abi.abi import decode, encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

VERSION = 1
MESSAGE_TYPES = ["uint8", "uint64", "uint32", "address", "uint32", "address", "bytes"]


@dataclass(frozen=True)
class Message:
    nonce: int
    origin: int
    sender: str
    destination: int
    recipient: str
    body: bytes
    version: int = VERSION

    @cached_property
    def encoded(self) -> bytes:
        return encode(
            MESSAGE_TYPES,
            [
                self.version,
                self.nonce,
                self.origin,
                self.sender,
                self.destination,
                self.recipient,
                self.body,
            ],
        )

    @cached_property
    def id(self) -> str:
        return "0x" + keccak(self.encoded).hex()

    @property
    def route(self) -> str:
        """`origin->destination`, the label metrics and the CLI group messages by."""
        return f"{self.origin}->{self.destination}"

    @classmethod
    def decode(cls, data: bytes) -> Message:
        version, nonce, origin, sender, destination, recipient, body = decode(MESSAGE_TYPES, data)
        return cls(
            nonce=nonce,
            origin=origin,
            sender=to_checksum_address(sender),
            destination=destination,
            recipient=to_checksum_address(recipient),
            body=bytes(body),
            version=version,
        )
