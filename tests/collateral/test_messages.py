"""The Python app-message codec is AppMessage.sol's twin: the same bytes for the
same message, the same message from the same bytes, and the same refusal, by
name, of every malformed body. Checked offline, and against the Solidity library
itself (AppMessageHarness on Anvil) for a few hundred random messages."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError

from relayer.chains.tx import Sender, explain_revert
from relayer.collateral.messages import (
    LENGTHS,
    AppMessage,
    Credit,
    Kind,
    MarginCall,
    Release,
    Seize,
    decode,
    decode_credit,
    decode_margin_call,
    decode_release,
    decode_seize,
    encode,
)
from relayer.errors import (
    AppMessageError,
    AppMessageTooShort,
    AppMessageUnknownType,
    AppMessageWrongLength,
    AppMessageWrongType,
    AppMessageWrongVersion,
)
from tests.collateral.bed import OWNER, compiled
from tests.conftest import Chains

DECODERS: dict[Kind, Callable[[bytes], AppMessage]] = {
    Kind.CREDIT: decode_credit,
    Kind.RELEASE: decode_release,
    Kind.SEIZE: decode_seize,
    Kind.MARGIN_CALL: decode_margin_call,
}
SOLIDITY_NAMES = {
    Kind.CREDIT: "Credit",
    Kind.RELEASE: "Release",
    Kind.SEIZE: "Seize",
    Kind.MARGIN_CALL: "MarginCall",
}


def random_address(rng: random.Random) -> str:
    return "0x" + rng.randbytes(20).hex()


def random_uint(rng: random.Random, bits: int) -> int:
    # Edges as often as the middle: zero, one, the maximum, and any width.
    edges = [0, 1, (1 << bits) - 1, rng.getrandbits(rng.randint(1, bits))]
    return edges[rng.randrange(len(edges))]


def random_message(rng: random.Random) -> AppMessage:
    kind = rng.choice(list(Kind))
    if kind is Kind.CREDIT:
        return Credit(
            random_address(rng), random_address(rng), random_uint(rng, 256), rng.randbytes(32)
        )
    if kind is Kind.MARGIN_CALL:
        return MarginCall(
            random_address(rng), random_uint(rng, 256), random_uint(rng, 64), rng.randbytes(32)
        )
    payout = Release if kind is Kind.RELEASE else Seize
    return payout(
        random_address(rng),
        random_address(rng),
        random_uint(rng, 256),
        random_address(rng),
        rng.randbytes(32),
    )


def malformed(rng: random.Random, body: bytes) -> bytes:
    """`body` broken one way: cut, grown, another kind or version byte."""
    way = rng.randrange(4)
    if way == 0:
        return body[: rng.randrange(len(body))]
    if way == 1:
        return body + rng.randbytes(rng.randint(1, 40))
    if way == 2:
        return bytes([rng.choice([0, 5, 255, *range(1, 5)])]) + body[1:]
    return body[:1] + bytes([rng.choice([0, 2, 255])]) + body[2:]


def test_every_message_has_its_exact_length_and_decodes_to_itself() -> None:
    rng = random.Random(14)  # noqa: S311 - seeded test data
    for _ in range(500):
        message = random_message(rng)
        body = encode(message)
        assert len(body) == LENGTHS[message.KIND]
        assert body[:2] == bytes([message.KIND, 1])
        assert decode(body) == message
        assert DECODERS[message.KIND](body) == message


def test_malformed_bodies_raise_the_error_solidity_reverts_with() -> None:
    credit = encode(Credit("0x" + "11" * 20, "0x" + "22" * 20, 5, b"\x01" * 32))
    cases: list[tuple[bytes, Callable[[bytes], AppMessage], type[AppMessageError]]] = [
        (b"", decode, AppMessageTooShort),
        (b"\x01", decode_credit, AppMessageTooShort),
        (b"\x05\x01" + credit[2:], decode, AppMessageUnknownType),
        (b"\x00\x01", decode, AppMessageUnknownType),
        (b"\x01\x02" + credit[2:], decode_credit, AppMessageWrongVersion),
        (credit, decode_release, AppMessageWrongType),
        (credit[:-1], decode_credit, AppMessageWrongLength),
        (credit + b"\x00", decode, AppMessageWrongLength),
    ]
    for body, decoder, error in cases:
        with pytest.raises(error):
            decoder(body)
    with pytest.raises(AppMessageWrongLength) as caught:
        decode_credit(credit[:-1])
    assert (caught.value.kind, caught.value.length, caught.value.expected) == (1, 105, 106)


def test_fields_that_do_not_fit_are_refused_before_encoding() -> None:
    with pytest.raises(ValueError, match="amount"):
        Credit("0x" + "11" * 20, "0x" + "22" * 20, 2**256, b"\x00" * 32)
    with pytest.raises(ValueError, match="deadline"):
        MarginCall("0x" + "11" * 20, 1, 2**64, b"\x00" * 32)
    with pytest.raises(ValueError, match="32 bytes"):
        Release("0x" + "11" * 20, "0x" + "22" * 20, 1, "0x" + "33" * 20, b"\x00" * 31)


@pytest.mark.e2e
def test_python_and_solidity_agree_both_ways(chains: Chains) -> None:
    web3, chain_id = chains.collateral.web3, chains.collateral.node.spec.chain_id
    harness = Sender(web3, OWNER, chain_id).deploy(compiled().get("AppMessageHarness"))
    rng = random.Random(1414)  # noqa: S311 - seeded test data
    for _ in range(300):
        message = random_message(rng)
        name = SOLIDITY_NAMES[message.KIND]
        fields = solidity_fields(message)
        body = bytes(getattr(harness.functions, f"encode{name}")(fields).call())
        assert body == encode(message)
        assert decode(body) == message
        assert tuple(getattr(harness.functions, f"decode{name}")(encode(message)).call()) == fields
        broken = malformed(rng, body)
        assert solidity_error(harness, f"decode{name}", broken) == python_error(
            DECODERS[message.KIND], broken
        )


def solidity_fields(message: AppMessage) -> tuple[Any, ...]:
    """The struct as web3 returns it: checksummed addresses, ints, bytes."""
    if isinstance(message, Credit):
        return (message.account, message.token, message.amount, message.deposit_id)
    if isinstance(message, MarginCall):
        return (message.account, message.deficit, message.deadline, message.call_id)
    return (message.account, message.token, message.amount, message.recipient, message.id)


def solidity_error(harness: Contract, function: str, body: bytes) -> str | None:
    try:
        getattr(harness.functions, function)(body).call()
    except (ContractCustomError, ContractLogicError) as err:
        return explain_revert(err, harness.abi)
    return None


def python_error(decoder: Callable[[bytes], AppMessage], body: bytes) -> str | None:
    try:
        decoder(body)
    except AppMessageError as err:
        return type(err).__name__
    return None
