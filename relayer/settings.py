"""Typed settings, loaded once at the edge and passed down.

Sources, strongest first: environment variables (`CROSSFLOW_` prefix, `__`
between nested keys, e.g. `CROSSFLOW_DEVNET__BASE_PORT=18545`), then the TOML
config file, then the defaults below.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from relayer.errors import InvalidConfig

DEFAULT_CONFIG_FILE = Path("crossflow.toml")


class DevnetSettings(BaseModel):
    """Local Anvil chains: chain i gets id base_chain_id + i and port base_port + i·port_step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chains: int = Field(2, ge=1, le=16, description="number of chains; 2 = collateral + market")
    block_time: float | None = Field(
        None, gt=0, description="seconds between blocks; unset mines each transaction at once"
    )
    base_chain_id: int = Field(31337, ge=1)
    base_port: int = Field(8545, ge=1024, le=65535)
    port_step: int = Field(1000, ge=1)
    host: str = "127.0.0.1"
    accounts: int = Field(10, ge=1, le=1000, description="funded dev accounts per chain")
    state_dir: Path = Field(Path(".devnet"), description="state file and node logs")
    startup_timeout: float = Field(30.0, gt=0, description="seconds to wait for a node to answer")


class ToolchainSettings(BaseModel):
    """Explicit tool paths; unset means the pinned npm install, then PATH."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    anvil: Path | None = None
    forge: Path | None = None
    cast: Path | None = None
    solc: Path | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CROSSFLOW_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    devnet: DevnetSettings = DevnetSettings()
    toolchain: ToolchainSettings = ToolchainSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The config file arrives as init values; env vars must still override it.
        return (env_settings, init_settings)


def load_settings(config_file: Path | None = None) -> Settings:
    """Read `config_file` (or ./crossflow.toml when present) plus the environment."""
    path = config_file if config_file is not None else DEFAULT_CONFIG_FILE
    data: dict[str, Any] = {}
    if config_file is not None or path.exists():
        data = _read_toml(path)
    try:
        return Settings(**data)
    except ValidationError as err:
        raise InvalidConfig(f"{path} or CROSSFLOW_* variables", first_problem(err)) from err


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as err:
        raise InvalidConfig(str(path), "the file does not exist") from err
    except OSError as err:
        raise InvalidConfig(str(path), f"cannot read it ({err.strerror})") from err
    except tomllib.TOMLDecodeError as err:
        raise InvalidConfig(str(path), f"not valid TOML: {err}") from err


def first_problem(err: ValidationError) -> str:
    """`dotted.key: what is wrong`, the part of a pydantic error a user needs."""
    problem = err.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {problem['msg']}"
