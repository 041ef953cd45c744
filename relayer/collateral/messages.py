"""The app messages between the market and the collateral vaults, encoded and
strictly decoded exactly as `contracts/src/libraries/AppMessage.sol` does.

A body is `kind (1 byte) ‖ version (1) ‖ fixed-size fields`, so every type has
one exact length: CREDIT 106 bytes, RELEASE and SEIZE 126, MARGIN_CALL 94.
Amounts are token WADs and deficits quote WADs (ints, as on chain); a body of
the wrong length, type or version raises the error `AppMessage.sol` reverts with,
under the same name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from eth_utils.address import to_checksum_address

from relayer.errors import (
    AppMessageTooShort,
    AppMessageUnknownType,
    AppMessageWrongLength,
    AppMessageWrongType,
    AppMessageWrongVersion,
)

VERSION = 1
HEADER_LENGTH = 2
_ADDRESS = 20
_WORD = 32
_UINT256_LIMIT = 2**256
_UINT64_LIMIT = 2**64


class Kind(IntEnum):
    CREDIT = 1
    RELEASE = 2
    SEIZE = 3
    MARGIN_CALL = 4


LENGTHS = {Kind.CREDIT: 106, Kind.RELEASE: 126, Kind.SEIZE: 126, Kind.MARGIN_CALL: 94}


@dataclass(frozen=True)
class Credit:
    """Vault → market: `amount` (token WAD) of `token` committed for `account`."""

    KIND: ClassVar[Kind] = Kind.CREDIT

    account: str
    token: str
    amount: int
    deposit_id: bytes

    def __post_init__(self) -> None:
        _normalize(self, "account", "token")
        _check_uint("amount", self.amount, _UINT256_LIMIT)
        _check_id("deposit_id", self.deposit_id)


@dataclass(frozen=True)
class Payout:
    """Market → vault: pay `amount` (token WAD) of `token` held for `account` to
    `recipient`; `id` is the withdrawal (RELEASE) or liquidation (SEIZE) id."""

    KIND: ClassVar[Kind]

    account: str
    token: str
    amount: int
    recipient: str
    id: bytes

    def __post_init__(self) -> None:
        _normalize(self, "account", "token", "recipient")
        _check_uint("amount", self.amount, _UINT256_LIMIT)
        _check_id("id", self.id)


@dataclass(frozen=True)
class Release(Payout):
    KIND: ClassVar[Kind] = Kind.RELEASE


@dataclass(frozen=True)
class Seize(Payout):
    KIND: ClassVar[Kind] = Kind.SEIZE


@dataclass(frozen=True)
class MarginCall:
    """Market → vault: `account` lacks `deficit` (quote WAD) until `deadline` (unix s)."""

    KIND: ClassVar[Kind] = Kind.MARGIN_CALL

    account: str
    deficit: int
    deadline: int
    call_id: bytes

    def __post_init__(self) -> None:
        _normalize(self, "account")
        _check_uint("deficit", self.deficit, _UINT256_LIMIT)
        _check_uint("deadline", self.deadline, _UINT64_LIMIT)
        _check_id("call_id", self.call_id)


AppMessage = Credit | Release | Seize | MarginCall


def encode(message: AppMessage) -> bytes:
    """The body `AppMessage.sol` encodes for `message`."""
    header = bytes([message.KIND, VERSION])
    if isinstance(message, Credit):
        fields = [
            _address(message.account),
            _address(message.token),
            _uint(message.amount, _WORD),
            message.deposit_id,
        ]
    elif isinstance(message, MarginCall):
        fields = [
            _address(message.account),
            _uint(message.deficit, _WORD),
            _uint(message.deadline, 8),
            message.call_id,
        ]
    else:
        fields = [
            _address(message.account),
            _address(message.token),
            _uint(message.amount, _WORD),
            _address(message.recipient),
            message.id,
        ]
    return header + b"".join(fields)


def kind_of(body: bytes) -> Kind:
    """The type of `body` after checking its header, as `AppMessage.kind`."""
    if len(body) < HEADER_LENGTH:
        raise AppMessageTooShort(len(body))
    if body[0] not in LENGTHS:
        raise AppMessageUnknownType(body[0])
    if body[1] != VERSION:
        raise AppMessageWrongVersion(body[0], body[1])
    return Kind(body[0])


def decode(body: bytes) -> AppMessage:
    """Whichever message `body` is, strictly."""
    return _DECODERS[kind_of(body)](body)


def decode_credit(body: bytes) -> Credit:
    _check(body, Kind.CREDIT)
    return Credit(
        _read_address(body, 2), _read_address(body, 22), _read_uint(body, 42, 74), body[74:106]
    )


def decode_release(body: bytes) -> Release:
    _check(body, Kind.RELEASE)
    return Release(*_payout_fields(body))


def decode_seize(body: bytes) -> Seize:
    _check(body, Kind.SEIZE)
    return Seize(*_payout_fields(body))


def decode_margin_call(body: bytes) -> MarginCall:
    _check(body, Kind.MARGIN_CALL)
    return MarginCall(
        _read_address(body, 2), _read_uint(body, 22, 54), _read_uint(body, 54, 62), body[62:94]
    )


_DECODERS: dict[Kind, Callable[[bytes], AppMessage]] = {
    Kind.CREDIT: decode_credit,
    Kind.RELEASE: decode_release,
    Kind.SEIZE: decode_seize,
    Kind.MARGIN_CALL: decode_margin_call,
}


def _payout_fields(body: bytes) -> tuple[str, str, int, str, bytes]:
    return (
        _read_address(body, 2),
        _read_address(body, 22),
        _read_uint(body, 42, 74),
        _read_address(body, 74),
        body[94:126],
    )


def _check(body: bytes, expected: Kind) -> None:
    kind = kind_of(body)
    if kind != expected:
        raise AppMessageWrongType(kind, expected)
    if len(body) != LENGTHS[kind]:
        raise AppMessageWrongLength(kind, len(body), LENGTHS[kind])


def _address(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def _uint(value: int, size: int) -> bytes:
    return value.to_bytes(size, "big")


def _read_address(body: bytes, start: int) -> str:
    return to_checksum_address(body[start : start + _ADDRESS])


def _read_uint(body: bytes, start: int, end: int) -> int:
    return int.from_bytes(body[start:end], "big")


def _normalize(message: object, *fields: str) -> None:
    """Addresses as checksummed strings, so a message equals its decoded body."""
    for name in fields:
        # Frozen dataclass: its own __post_init__ is the one place that may set a field.
        object.__setattr__(message, name, to_checksum_address(getattr(message, name)))


def _check_uint(name: str, value: int, limit: int) -> None:
    if not 0 <= value < limit:
        raise ValueError(f"{name} {value} does not fit the message's unsigned field")


def _check_id(name: str, value: bytes) -> None:
    if len(value) != _WORD:
        raise ValueError(f"{name} must be 32 bytes, not {len(value)}")
