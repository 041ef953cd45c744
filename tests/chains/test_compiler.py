from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from relayer.chains import compiler
from relayer.chains.compiler import load_contracts
from relayer.chains.toolchain import PROJECT_ROOT, resolve_solc
from relayer.errors import CompilationFailed, ToolchainError

HEADER = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\n"


def make_project(root: Path, external_constant: int = 7) -> Path:
    """A tiny project whose contract imports a file outside contracts/src."""
    (root / "contracts" / "src").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "lib" / "External.sol").write_text(
        HEADER + f"library External {{ uint256 internal constant K = {external_constant}; }}\n"
    )
    (root / "contracts" / "src" / "Main.sol").write_text(
        HEADER
        + 'import {External} from "../../lib/External.sol";\n'
        + "contract Main { function k() external pure returns (uint256) { return External.K; } }\n"
    )
    return root


def canonical(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True)


@pytest.fixture
def compile_counter(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts real compiler runs, so a test can tell a cache hit from a compile."""
    calls: list[int] = []
    real = compiler._compile

    def counting(*args: Any) -> dict[str, Any]:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(compiler, "_compile", counting)
    return calls


def test_forge_and_the_python_path_build_identical_runtime_bytecode(tmp_path: Path) -> None:
    ours = load_contracts().get("FaucetToken")
    env = {**os.environ, "FOUNDRY_SOLC": str(resolve_solc().path)}
    subprocess.run(
        [
            PROJECT_ROOT / "scripts" / "forge",
            "build",
            "--out",
            tmp_path / "out",
            "--cache-path",
            tmp_path / "cache",
            "contracts/src",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    built = json.loads((tmp_path / "out" / "FaucetToken.sol" / "FaucetToken.json").read_text())
    assert len(ours.deployed_bytecode) > 1000
    # Exact equality includes the CBOR metadata hash, so sources, remappings and
    # settings all match, not just the code.
    assert ours.deployed_bytecode == built["deployedBytecode"]["object"]
    assert ours.bytecode == built["bytecode"]["object"]
    # forge reorders ABI entries; the set of entries is what must agree.
    assert sorted(map(canonical, ours.abi)) == sorted(map(canonical, built["abi"]))


def test_second_load_comes_from_the_cache(tmp_path: Path, compile_counter: list[int]) -> None:
    root = make_project(tmp_path / "project")
    first = load_contracts(root, cache_dir=tmp_path / "cache").get("Main")
    second = load_contracts(root, cache_dir=tmp_path / "cache").get("Main")
    assert first == second
    assert len(compile_counter) == 1


def test_changing_an_imported_file_outside_src_recompiles(
    tmp_path: Path, compile_counter: list[int]
) -> None:
    root = make_project(tmp_path / "project")
    before = load_contracts(root, cache_dir=tmp_path / "cache").get("Main")
    (root / "lib" / "External.sol").write_text(
        HEADER + "library External { uint256 internal constant K = 8; }\n"
    )
    after = load_contracts(root, cache_dir=tmp_path / "cache").get("Main")
    assert len(compile_counter) == 2
    assert before.deployed_bytecode != after.deployed_bytecode


def test_force_ignores_the_cache(tmp_path: Path, compile_counter: list[int]) -> None:
    root = make_project(tmp_path / "project")
    load_contracts(root, cache_dir=tmp_path / "cache")
    load_contracts(root, cache_dir=tmp_path / "cache", force=True)
    assert len(compile_counter) == 2


def test_a_corrupt_cache_entry_is_rebuilt(tmp_path: Path, compile_counter: list[int]) -> None:
    root = make_project(tmp_path / "project")
    load_contracts(root, cache_dir=tmp_path / "cache")
    for entry in (tmp_path / "cache").glob("*.json"):
        entry.write_text("{not json")
    assert load_contracts(root, cache_dir=tmp_path / "cache").get("Main").abi
    assert len(compile_counter) == 2


def test_a_compile_error_names_the_file_and_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    (root / "contracts" / "src" / "Broken.sol").write_text(HEADER + "contract Broken { uint x }\n")
    with pytest.raises(CompilationFailed, match=r"contracts/src/Broken\.sol:3"):
        load_contracts(root, cache_dir=tmp_path / "cache")


def test_lookup_by_unknown_or_ambiguous_name_explains_itself(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    contracts = load_contracts(root, cache_dir=tmp_path / "cache")
    with pytest.raises(ToolchainError, match="no contract named 'Nope'"):
        contracts.get("Nope")
    assert contracts.get("contracts/src/Main.sol:Main").name == "Main"
