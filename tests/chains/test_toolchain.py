from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from relayer.chains.toolchain import SOLC_SHIM, foundry_tool, pinned_solc_version, resolve_solc
from relayer.errors import ToolchainError, ToolNotFound
from relayer.settings import ToolchainSettings

# What py-solc-x and forge read from `solc --version`.
NATIVE_VERSION_LINE = re.compile(r"^Version: (\d+\.\d+\.\d+)\+commit\.[0-9a-f]{8}", re.MULTILINE)


def run_shim(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SOLC_SHIM), *args], input=stdin, capture_output=True, text=True, check=False
    )


def test_shim_answers_version_like_native_solc() -> None:
    result = run_shim("--version")
    assert result.returncode == 0
    match = NATIVE_VERSION_LINE.search(result.stdout)
    assert match is not None, result.stdout
    assert match.group(1) == pinned_solc_version()


def test_shim_resolves_imports_through_base_and_include_paths(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "lib" / "dep").mkdir(parents=True)
    (tmp_path / "lib" / "dep" / "Dep.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\nlibrary Dep { }\n"
    )
    source = 'pragma solidity 0.8.30; import "dep/Dep.sol"; contract Main { }'
    source = "// SPDX-License-Identifier: MIT\n" + source
    request = json.dumps(
        {
            "language": "Solidity",
            "sources": {"Main.sol": {"content": source}},
            "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
        }
    )
    result = run_shim(
        "--standard-json",
        "--base-path",
        str(tmp_path / "base"),
        "--include-path",
        str(tmp_path / "lib"),
        stdin=request,
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output.get("errors", []) == []
    assert set(output["sources"]) == {"Main.sol", "dep/Dep.sol"}
    assert "Main" in output["contracts"]["Main.sol"]


def test_shim_rejects_unknown_options_the_way_py_solc_x_expects() -> None:
    result = run_shim("--bin", "x.sol")
    assert result.returncode != 0
    assert result.stderr.startswith("unrecognised option '--bin'")


def test_resolves_the_pinned_solc() -> None:
    solc = resolve_solc()
    assert solc.version == pinned_solc_version() == "0.8.30"
    assert solc.path.is_file()


def test_refuses_a_solc_of_another_version(tmp_path: Path) -> None:
    impostor = tmp_path / "solc"
    impostor.write_text("#!/bin/sh\necho 'Version: 0.8.19+commit.7dd6d404.Linux.g++'\n")
    impostor.chmod(0o755)
    with pytest.raises(ToolchainError, match=r"is 0\.8\.19, but foundry\.toml pins 0\.8\.30"):
        resolve_solc(impostor)


@pytest.mark.parametrize("tool", ["anvil", "forge", "cast"])
def test_foundry_tools_come_from_the_pinned_npm_install(tool: str) -> None:
    path = foundry_tool(tool, ToolchainSettings())  # type: ignore[arg-type]
    assert "node_modules" in path.parts
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True)
    assert "Version: 1.7.1" in version.stdout


def test_a_missing_tool_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(ToolNotFound, match=r"anvil not found.*make setup"):
        foundry_tool("anvil", ToolchainSettings(anvil=tmp_path / "nope"))
