"""A handler's revert data in words, for the state file and the log: the custom
error's name and arguments when a compiled contract declares it, `Error(string)`
and `Panic(uint256)` as Solidity writes them, and always the raw bytes, so that
nothing a recipient said is lost when its ABI is not known."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError
from eth_typing import ABIError
from eth_utils.abi import function_abi_to_4byte_selector, get_abi_input_types

_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")
_SELECTOR_BYTES = 4


class RevertReasons:
    """Every custom error of a set of ABIs, by selector; the first declaration of a
    selector wins (the same error declared by several contracts is one error)."""

    def __init__(self, abis: Iterable[Sequence[dict[str, Any]]] = ()) -> None:
        self._errors: dict[bytes, tuple[str, list[str], list[str]]] = {}
        self._errors[_ERROR_STRING] = ("Error", [""], ["string"])
        self._errors[_PANIC] = ("Panic", [""], ["uint256"])
        for abi in abis:
            for entry in abi:
                if entry.get("type") != "error":
                    continue
                error = cast(ABIError, entry)
                selector = function_abi_to_4byte_selector(error)
                names = [str(arg.get("name", "")) for arg in error.get("inputs", [])]
                self._errors.setdefault(
                    selector, (error["name"], names, list(get_abi_input_types(error)))
                )

    def name(self, data: bytes) -> str | None:
        """The declared error `data` starts with, if any."""
        declared = self._errors.get(bytes(data[:_SELECTOR_BYTES]))
        return declared[0] if declared else None

    def describe(self, data: bytes) -> str:
        """`Name(arg=value, …)` for a declared error, `Error('text')`, `Panic(17)`,
        each followed by the raw bytes; the raw bytes alone otherwise."""
        raw = "0x" + bytes(data).hex()
        declared = self._errors.get(bytes(data[:_SELECTOR_BYTES]))
        if declared is None:
            return raw
        name, names, types = declared
        try:
            values = decode(types, bytes(data[_SELECTOR_BYTES:]))
        except (DecodingError, OverflowError, ValueError):
            return f"{name} {raw}"
        shown = ", ".join(
            f"{arg}={_shown(kind, value)}" if arg else _shown(kind, value)
            for arg, kind, value in zip(names, types, values, strict=True)
        )
        return f"{name}({shown}) {raw}"


def _shown(kind: str, value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value) if kind == "string" else str(value)
