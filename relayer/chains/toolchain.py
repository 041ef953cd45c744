"""Where the pinned EVM tools live, and which solc compiles.

Tools come from the project's own npm install (`npm ci`), never from a
download at run time. solc is a native binary of the pinned version when
py-solc-x has one installed (a machine with internet), otherwise the npm
WebAssembly compiler behind `scripts/solc`, a shim that answers like native
solc.
"""

from __future__ import annotations

import platform
import shutil
import socket
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import solcx
from solcx.exceptions import SolcInstallationError
from solcx.install import get_executable
from solcx.wrapper import get_solc_version

from relayer.errors import ToolchainError, ToolNotFound
from relayer.settings import ToolchainSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = PROJECT_ROOT / "node_modules"
SOLC_SHIM = PROJECT_ROOT / "scripts" / "solc"
FOUNDRY_TOML = PROJECT_ROOT / "foundry.toml"

FoundryTool = Literal["anvil", "forge", "cast"]

_NPM_PLATFORMS = {
    ("linux", "x86_64"): "linux-amd64",
    ("linux", "aarch64"): "linux-arm64",
    ("darwin", "x86_64"): "darwin-amd64",
    ("darwin", "arm64"): "darwin-arm64",
}


@dataclass(frozen=True)
class Solc:
    """The compiler every compile path uses: `native` is False for the wasm shim."""

    path: Path
    version: str
    native: bool


@cache
def foundry_profile() -> dict[str, object]:
    """The `[profile.default]` table of foundry.toml: the one home of compiler settings."""
    with FOUNDRY_TOML.open("rb") as handle:
        profile: dict[str, object] = tomllib.load(handle)["profile"]["default"]
    return profile


def pinned_solc_version() -> str:
    return str(foundry_profile()["solc_version"])


def foundry_tool(name: FoundryTool, settings: ToolchainSettings) -> Path:
    """Path of anvil, forge or cast: explicit setting, then the npm package, then PATH.

    The platform binary is used directly rather than npm's node wrapper so that
    signals reach the real process and a stopped node leaves nothing behind.
    """
    explicit: Path | None = getattr(settings, name)
    candidates = [explicit] if explicit is not None else [_npm_binary(name)]
    for candidate in candidates:
        if candidate is not None and candidate.is_file():
            return candidate
    if explicit is None and (on_path := shutil.which(name)):
        return Path(on_path)
    raise ToolNotFound(name, [c for c in candidates if c is not None])


def _npm_binary(name: str) -> Path | None:
    suffix = _NPM_PLATFORMS.get((sys.platform, platform.machine()))
    if suffix is None:
        return None
    return NODE_MODULES / "@foundry-rs" / f"{name}-{suffix}" / "bin" / name


@cache
def resolve_solc(explicit: Path | None = None) -> Solc:
    """The pinned solc: an explicit path, else a native install, else the wasm shim."""
    version = pinned_solc_version()
    if explicit is not None:
        return _checked(explicit, version, native=True)
    if version in {str(v) for v in solcx.get_installed_solc_versions()}:
        return _checked(Path(get_executable(version)), version, native=True)
    if not (NODE_MODULES / "solc" / "package.json").is_file():
        raise ToolNotFound("solc", [NODE_MODULES / "solc", solcx.get_solcx_install_folder()])
    return _checked(SOLC_SHIM, version, native=False)


def _checked(path: Path, version: str, *, native: bool) -> Solc:
    try:
        found = str(get_solc_version(path))
    except (OSError, solcx.exceptions.SolcError) as err:
        raise ToolchainError(
            f"solc at {path} does not run: {err}",
            "run `make setup` or fix CROSSFLOW_TOOLCHAIN__SOLC",
        ) from err
    if found != version:
        raise ToolchainError(
            f"solc at {path} is {found}, but foundry.toml pins {version}",
            "install the pinned version or change solc_version in foundry.toml",
        )
    return Solc(path=path, version=version, native=native)


def install_native_solc(timeout: float = 20.0) -> bool:
    """Try py-solc-x's normal install of the pinned solc; False when offline."""
    if pinned_solc_version() in {str(v) for v in solcx.get_installed_solc_versions()}:
        return True
    # py-solc-x sets no timeout of its own; a black-holed network must not hang set-up.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        solcx.install_solc(pinned_solc_version())
    except (SolcInstallationError, OSError):
        return False
    finally:
        socket.setdefaulttimeout(previous)
    return True
