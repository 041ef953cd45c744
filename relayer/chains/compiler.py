"""The one compile path: contracts/src through py-solc-x, cached by content.

Settings come from foundry.toml so that this path and `forge build` produce
identical bytecode, metadata hash included. Everything in Python that needs
an ABI or bytecode asks `load_contracts()`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError

from relayer.chains.toolchain import PROJECT_ROOT, Solc, foundry_profile, resolve_solc
from relayer.errors import CompilationFailed, ToolchainError
from relayer.files import write_json_atomic

CACHE_FORMAT = 1
DEFAULT_CACHE_DIR = PROJECT_ROOT / "cache" / "solcx"
# Test-only contracts (recipients, load generators) that e2e tests and the
# relay benchmark deploy next to the real ones.
TEST_HELPERS = "contracts/test/helpers"
_OUTPUTS = [
    "abi",
    "evm.bytecode.object",
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.immutableReferences",
    "metadata",
]


@dataclass(frozen=True)
class Artifact:
    """One compiled contract; bytecode as 0x-prefixed hex."""

    source: str
    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    # (offset, length) in the runtime code of each immutable the constructor fills in.
    immutable_ranges: tuple[tuple[int, int], ...] = ()

    def is_runtime_of(self, code: bytes) -> bool:
        """True if `code`, read from a chain, is this contract as compiled now: the same
        bytes once the immutables (set per deployment) are blanked as the compiler leaves them."""
        blanked = bytearray(code)
        for offset, length in self.immutable_ranges:
            blanked[offset : offset + length] = bytes(length)
        return bytes(blanked) == bytes.fromhex(self.deployed_bytecode[2:])


class Contracts:
    """Compiled contracts, looked up by name or by `source:Name`."""

    def __init__(self, artifacts: list[Artifact]) -> None:
        self._artifacts = artifacts

    def __iter__(self) -> Iterator[Artifact]:
        return iter(self._artifacts)

    def __len__(self) -> int:
        return len(self._artifacts)

    def get(self, name: str) -> Artifact:
        """A contract by plain name (preferring the project's own) or `source:Name`."""
        if ":" in name:
            matches = [a for a in self._artifacts if f"{a.source}:{a.name}" == name]
        else:
            named = [a for a in self._artifacts if a.name == name]
            own = [a for a in named if a.source.startswith("contracts/")]
            matches = own or named
        if len(matches) != 1:
            found = "no contract" if not matches else f"{len(matches)} contracts"
            raise ToolchainError(
                f"{found} named {name!r} in the compiled sources",
                "use `source:Name` or check the spelling with `crossflow compile`",
            )
        return matches[0]


def load_contracts(
    root: Path = PROJECT_ROOT,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    solc: Solc | None = None,
    force: bool = False,
    extra_dirs: tuple[str, ...] = (),
) -> Contracts:
    """Artifacts for every contract under `root`/contracts/src (and `extra_dirs`),
    compiling only when inputs changed.

    Source unit names are paths relative to `root`, as forge names them, because
    they are part of the metadata hash at the end of the bytecode.
    """
    solc = solc or resolve_solc()
    standard_input = _standard_input(root, extra_dirs)
    key = _hash_json({"format": CACHE_FORMAT, "solc": solc.version, "input": standard_input})
    cache_file = cache_dir / f"{key}.json"
    if not force and (cached := _read_cache(root, cache_file)) is not None:
        return cached
    output = _compile(root, standard_input, solc)
    _write_cache(root, cache_file, output)
    return _artifacts(output["contracts"])


def _standard_input(root: Path, extra_dirs: tuple[str, ...]) -> dict[str, Any]:
    profile = foundry_profile()
    src_dir = root / str(profile["src"])
    sources = {
        path.relative_to(root).as_posix(): {"content": path.read_text()}
        for directory in (src_dir, *(root / d for d in extra_dirs))
        for path in sorted(directory.rglob("*.sol"))
    }
    if not sources:
        raise ToolchainError(f"no Solidity sources under {src_dir}", "check the contracts path")
    return {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "remappings": list(profile["remappings"]),  # type: ignore[call-overload]
            "optimizer": {"enabled": profile["optimizer"], "runs": profile["optimizer_runs"]},
            "evmVersion": profile["evm_version"],
            "metadata": {
                "useLiteralContent": False,
                "bytecodeHash": profile["bytecode_hash"],
                "appendCBOR": True,
            },
            "libraries": {},
            "outputSelection": {"*": {"*": _OUTPUTS}},
        },
    }


def _compile(root: Path, standard_input: dict[str, Any], solc: Solc) -> dict[str, Any]:
    try:
        output: dict[str, Any] = solcx.compile_standard(
            standard_input,
            solc_binary=solc.path,
            base_path=root,
            allow_paths=[root],
        )
    except SolcError as err:
        problems = [e["formattedMessage"].strip() for e in (err.error_dict or [])]
        raise CompilationFailed(problems or [str(err)]) from err
    return output


def _artifacts(contracts: dict[str, dict[str, Any]]) -> Contracts:
    return Contracts(
        [
            Artifact(
                source=source,
                name=name,
                abi=compiled["abi"],
                bytecode="0x" + compiled["evm"]["bytecode"]["object"],
                deployed_bytecode="0x" + compiled["evm"]["deployedBytecode"]["object"],
                immutable_ranges=_immutable_ranges(compiled["evm"]["deployedBytecode"]),
            )
            for source, by_name in sorted(contracts.items())
            for name, compiled in sorted(by_name.items())
        ]
    )


def _immutable_ranges(deployed: dict[str, Any]) -> tuple[tuple[int, int], ...]:
    references = deployed.get("immutableReferences", {}).values()
    return tuple(sorted((r["start"], r["length"]) for refs in references for r in refs))


def _read_cache(root: Path, cache_file: Path) -> Contracts | None:
    """The cached output, if every imported file still has the content it was compiled from."""
    try:
        entry = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        return None
    for source, digest in entry["source_hashes"].items():
        path = root / source
        if not path.is_file() or _hash_file(path) != digest:
            return None
    return _artifacts(entry["contracts"])


def _write_cache(root: Path, cache_file: Path, output: dict[str, Any]) -> None:
    # Imported files (OpenZeppelin, ...) are not in the key, so record each one's hash.
    entry = {
        "source_hashes": {s: _hash_file(root / s) for s in output["sources"]},
        "contracts": output["contracts"],
    }
    write_json_atomic(cache_file, entry)


def _hash_json(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:32]


def _hash_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
