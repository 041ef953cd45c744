"""The wire format of a cross-chain message, identical to contracts/src/libraries/Message.sol.

message = abi.encode(uint8 version, uint64 nonce, uint32 origin, address sender,
                     uint32 destination, address recipient, bytes body)
id      = keccak256(message)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from eth_abi.abi import encode
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
        return route_label(self.origin, self.destination)


def route_label(origin: int, destination: int) -> str:
    """`origin->destination`: how metrics, fault delays and the CLI name a route."""
    return f"{origin}->{destination}"
