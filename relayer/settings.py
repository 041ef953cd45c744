"""Typed settings, loaded once at the edge and passed down.

Sources, strongest first: environment variables (`CROSSFLOW_` prefix, `__`
between nested keys, e.g. `CROSSFLOW_DEVNET__BASE_PORT=18545`), then the TOML
config file, then the defaults below.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from relayer.errors import InvalidConfig

DEFAULT_CONFIG_FILE = Path("crossflow.toml")
Model = TypeVar("Model", bound=BaseModel)


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


class FaultSettings(BaseModel):
    """Seeded transport faults for experiments; all off by default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = 0
    delay: dict[str, float] = Field(
        default_factory=dict, description="extra seconds per route, e.g. {'31337->31338': 2.0}"
    )
    drop_rate: float = Field(0.0, ge=0, le=1, description="share of submissions silently lost")
    duplicate_rate: float = Field(0.0, ge=0, le=1, description="share submitted twice")
    reorder: bool = Field(False, description="shuffle each round's submissions across channels")


class RelaySettings(BaseModel):
    """The validators and the relayer run by `crossflow relay`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    store: Path = Field(Path(".devnet/relay.sqlite"), description="SQLite state file")
    confirmations: int = Field(0, ge=0, description="blocks a validator waits before signing")
    chain_confirmations: dict[int, int] = Field(
        default_factory=dict, description="per chain id, overrides `confirmations`"
    )
    use_finalized_tag: bool = Field(False, description="sign only at or below `finalized`")
    poll_interval: float = Field(0.05, gt=0, description="seconds between loop iterations")
    max_block_range: int = Field(2000, ge=1, description="blocks per eth_getLogs call")
    batch_size: int = Field(100, ge=1, le=500, description="messages per processBatch")
    max_tx_bytes: int = Field(
        120_000, ge=1024, description="calldata bytes per processBatch; public nodes take ~128 KB"
    )
    block_gas_share: float = Field(
        0.75, gt=0, le=1, description="share of the block gas limit one batch may ask for"
    )
    gas_headroom: float = Field(1.25, ge=1, description="multiplier on estimated gas")
    max_attempts: int = Field(8, ge=1, description="submissions before dead-lettering")
    backoff_base: float = Field(0.5, gt=0)
    backoff_max: float = Field(30.0, gt=0)
    handler_retry_base: float = Field(
        1.0, gt=0, description="seconds between a failed handler's first reruns; doubles"
    )
    handler_retry_max: float = Field(
        60.0, gt=0, description="most seconds between reruns of a failed handler (never ends)"
    )
    handler_retries_per_round: int = Field(
        20, ge=0, description="failed handlers simulated per destination and round; 0: none"
    )
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(9464, ge=0, le=65535, description="unset disables /metrics")
    validator_keys: list[SecretStr] = Field(
        default_factory=list, description="keys this process signs with; local: dev keys"
    )
    relayer_key: SecretStr | None = Field(None, description="pays for delivery; local: dev key")
    faults: FaultSettings = FaultSettings()

    def confirmations_for(self, chain_id: int) -> int:
        return self.chain_confirmations.get(chain_id, self.confirmations)


class FeedSettings(BaseModel):
    """`crossflow feed`: where prices come from, when they become signed reports,
    who signs and who posts them, and the per-chain experiment controls."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Literal["gbm", "csv", "constant"] = "gbm"
    price: float = Field(3000.0, gt=0, description="gbm start price, or the constant price")
    vol: float = Field(0.6, gt=0, description="gbm sigma; the implied vol gbm/constant post")
    drift: float = Field(0.0, description="gbm annualised drift")
    jump_rate: float = Field(0.0, ge=0, description="gbm expected jumps per year")
    jump_size: float = Field(0.0, ge=0, description="gbm standard deviation of a log jump")
    seed: int = 0
    csv: Path | None = Field(None, description="`timestamp,price[,vol]` file for source csv")
    tick_seconds: int = Field(1, ge=1, description="source time between gbm/constant ticks")
    speed: float = Field(1.0, gt=0, description="source seconds replayed per wall second")
    heartbeat: float = Field(60.0, gt=0, description="post at least this often (seconds)")
    deviation_bps: float = Field(50.0, gt=0, description="post when a value moves this much")
    poll_interval: float = Field(0.5, gt=0, description="seconds between loop iterations")
    resend_after: float = Field(30.0, gt=0, description="resubmit a report not mined by then")
    max_age: float = Field(180.0, gt=0, description="`crossflow prices` calls older STALE")
    signer_keys: list[SecretStr] = Field(
        default_factory=list, description="oracle keys that sign reports; local: dev keys"
    )
    poster_key: SecretStr | None = Field(None, description="pays for submit; local: dev key")
    skew_bps: dict[int, float] = Field(
        default_factory=dict, description="per chain id: that chain's copy moved by this much"
    )
    lag: dict[int, float] = Field(
        default_factory=dict, description="per chain id: seconds its copy is held back"
    )

    @model_validator(mode="after")
    def _csv_needs_a_file(self) -> Self:
        if self.source == "csv" and self.csv is None:
            raise ValueError("source 'csv' needs feed.csv, the file to replay")
        return self


class RiskSettings(BaseModel):
    """The margin parameters of docs/architecture.md §6 (fractions, not percent)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    u_base_mm: float = Field(0.10, gt=0, lt=1, description="MM spot shock before latency")
    u_base_im: float = Field(0.15, gt=0, lt=1, description="IM spot shock before latency")
    vol_shock: float = Field(0.10, ge=0, lt=1, description="v: vol points down and up")
    z: float = Field(2.33, ge=0, description="quantile a liquidation in flight must survive")
    short_floor: float = Field(0.005, ge=0, lt=1, description="per short contract, x spot")
    rate: float = Field(0.0, ge=0, lt=1, description="risk-free rate, continuous, yearly")

    @model_validator(mode="after")
    def _initial_covers_maintenance(self) -> Self:
        if self.u_base_im < self.u_base_mm:
            raise ValueError("u_base_im must be at least u_base_mm, or IM would be below MM")
        return self


class MarketSettings(BaseModel):
    """`crossflow market`: who trades, and how far one order may sweep."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trader_key: SecretStr | None = Field(None, description="places and cancels; local: dev key")
    owner_key: SecretStr | None = Field(None, description="lists series; local: the deployer")
    max_fills: int = Field(10, ge=1, le=64, description="makers one order may match")
    margin_call_window: int = Field(
        600, ge=60, le=86_400, description="seconds a margin call gives the vaults to top up"
    )
    liquidation_grace: int = Field(
        300, ge=0, le=86_400, description="seconds liquidations wait after a feed recovers"
    )
    liquidation_discount: Decimal = Field(
        Decimal("0.2"), ge=0, le=Decimal("0.5"), description="liquidator's bonus, share of MM"
    )
    collateral_latency: int = Field(
        120, ge=0, le=86_400, description="τ of a collateral route: relay, finality and grace, s"
    )


class CollateralTokenSettings(BaseModel):
    """One test token on every collateral chain: how the vault values and limits it,
    and what its faucet gives (token units, not WADs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    haircut: Decimal = Field(Decimal(0), ge=0, lt=1, description="value not counted in a top-up")
    outflow_capacity: Decimal = Field(gt=0, description="most that may leave the vault at once")
    outflow_refill: Decimal = Field(ge=0, description="outflow allowance regained per second")
    drip: Decimal = Field(gt=0, description="what one faucet drip gives")


class CollateralSettings(BaseModel):
    """The vaults and test tokens `crossflow deploy` puts on the collateral chains, and
    who deposits with `crossflow deposit`, `reserve` and `faucet`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weth: CollateralTokenSettings = CollateralTokenSettings(
        haircut=Decimal("0.1"),
        outflow_capacity=Decimal(1_000),
        outflow_refill=Decimal(1),
        drip=Decimal(10),
    )
    usd: CollateralTokenSettings = CollateralTokenSettings(
        outflow_capacity=Decimal(1_000_000), outflow_refill=Decimal(100), drip=Decimal(10_000)
    )
    drip_cooldown: int = Field(3600, ge=0, le=365 * 86_400, description="seconds between drips")
    handler_gas: int = Field(
        500_000, ge=200_000, le=10_000_000, description="gas the collateral mailboxes give handlers"
    )
    user_key: SecretStr | None = Field(None, description="deposits and reserves; local: dev key")


class KeeperSettings(BaseModel):
    """`crossflow keep`: the keeper of the options market (docs DESIGN §8). Locally its
    key defaults to the third dev user (Anvil account 4), which neither the deployer,
    the relayer, the feeder nor the first user (the CLI's trader and depositor) uses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: SecretStr | None = Field(None, description="liquidates and pays gas; local: dev key")
    poll_interval: float = Field(2.0, gt=0, description="seconds between polls")
    gas_budget: int = Field(6_000_000, ge=1, description="liquidation gas per poll, estimated")
    liquidation_fraction: Decimal = Field(
        Decimal(1), gt=0, le=1, description="share of an unhealthy account taken over at once"
    )
    state_file: Path = Field(Path(".devnet/keeper.sqlite"), description="SQLite state file")
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(None, ge=0, le=65535, description="unset: no /metrics")
    confirmations: int = Field(0, ge=0, description="blocks the event follower lags the head")
    max_block_range: int = Field(2000, ge=1, description="blocks per eth_getLogs call")
    settle_batch: int = Field(50, ge=1, le=500, description="accounts per settlePositions")


class DeploySettings(BaseModel):
    """`crossflow deploy --network NAME`: where the named networks are described, and how
    much more than the simulated plan costs the deployer must hold before anything is sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    networks_file: Path = Field(Path("networks.toml"), description="the named networks (TOML)")
    funds_headroom: float = Field(
        1.5,
        ge=1,
        description="balance needed per chain, times the plan's cost at today's gas price: gas "
        "limits carry 25% over the estimate, and the price moves before the last transaction",
    )
    fork_startup_timeout: float = Field(
        60.0, gt=0, description="seconds a local fork of a chain may take to answer (plans)"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CROSSFLOW_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    network: str = Field("local", description="the agents read deployments/<network>.json")
    manifest_dir: Path = Path("deployments")
    devnet: DevnetSettings = DevnetSettings()
    toolchain: ToolchainSettings = ToolchainSettings()
    relay: RelaySettings = RelaySettings()
    feed: FeedSettings = FeedSettings()
    risk: RiskSettings = RiskSettings()
    market: MarketSettings = MarketSettings()
    collateral: CollateralSettings = CollateralSettings()
    keeper: KeeperSettings = KeeperSettings()
    deploy: DeploySettings = DeploySettings()

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


def with_overrides(model: Model, prefix: str, **values: object) -> Model:
    """`model` with the command-line `values` that were given (not None), checked
    like the config file: a bad one raises InvalidConfig naming `prefix.key`."""
    given = {key: value for key, value in values.items() if value is not None}
    try:
        return type(model).model_validate({**model.model_dump(), **given})
    except ValidationError as err:
        raise InvalidConfig("command-line options", f"{prefix}.{first_problem(err)}") from err


def first_problem(err: ValidationError) -> str:
    """`dotted.key: what is wrong`, the part of a pydantic error a user needs."""
    problem = err.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {problem['msg']}"
