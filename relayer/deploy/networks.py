"""The networks file (`networks.toml`): the named networks `crossflow deploy --network
NAME` deploys to. Each names its chains (role, chain id, and the environment variable
holding the RPC URL, so no URL with an API key sits in a committed file: the manifest
records the variable too), where the deployer's key comes from, the validators and
oracle signers the contracts trust, the series the market lists, and whether the
collateral chains get test tokens.

`local` is not in the file: it is the devnet, with the dev keys.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from web3 import Web3

from relayer.chains.keys import LOCAL_NETWORK
from relayer.chains.manifest import MARKET_ROLE, SignerQuorum
from relayer.deploy.deployer import ChainTarget
from relayer.deploy.series import SeriesTerms
from relayer.errors import ConfigError
from relayer.settings import first_problem

FORMAT_EXAMPLE = "networks.toml in the crossflow repository shows the format"
EnvVar = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


def _checksummed(value: str) -> str:
    if not Web3.is_address(value):
        raise ValueError(f"{value!r} is not an address (0x and 40 hex digits, checksum intact)")
    return str(Web3.to_checksum_address(value))


Address = Annotated[str, AfterValidator(_checksummed)]


class InvalidNetworksFile(ConfigError):
    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"invalid networks file {path}: {detail}", f"fix it; {FORMAT_EXAMPLE}")


class UnknownNetwork(ConfigError):
    def __init__(self, path: Path, network: str, known: Sequence[str]) -> None:
        have = ", ".join(known) or "none"
        super().__init__(
            f"network {network!r} is not in {path} (it has: {have})",
            f"add [networks.{network}] to it, pass --networks FILE, or deploy to the local "
            "devnet with --network local",
        )


class RpcUrlNotSet(ConfigError):
    def __init__(self, network: str, variables: Sequence[str]) -> None:
        names = " and ".join(variables)
        verb = "is" if len(variables) == 1 else "are"
        super().__init__(
            f"network {network} reads its RPC URLs from {names}, which {verb} not set",
            f"set each to its chain's RPC endpoint, e.g. export {variables[0]}=https://...",
        )


class ChainEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    role: Literal["market", "collateral"]
    chain_id: int = Field(ge=1)
    rpc_url_env: EnvVar


class DeployerEntry(BaseModel):
    """Where the deployer's private key comes from: an environment variable holding it
    in hex, or a Web3 Secret Storage keystore (as `cast wallet` and geth write) with its
    password in an environment variable, or asked for on a terminal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key_env: EnvVar | None = None
    keystore: Path | None = None
    password_env: EnvVar = "CROSSFLOW_KEYSTORE_PASSWORD"  # noqa: S105 - a name, no secret

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.key_env is None) == (self.keystore is None):
            raise ValueError("give exactly one of key_env and keystore")
        return self


class QuorumEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    addresses: list[Address] = Field(min_length=1)
    threshold: int = Field(ge=1)

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if len(set(self.addresses)) != len(self.addresses):
            raise ValueError("an address appears twice")
        if self.threshold > len(self.addresses):
            raise ValueError(f"threshold {self.threshold} is more than the {len(self.addresses)}")
        return self

    def quorum(self) -> SignerQuorum:
        return SignerQuorum(addresses=list(self.addresses), threshold=self.threshold)


class SeriesEntry(BaseModel):
    """One series: its terms in quote units, its expiry a TOML date-time with offset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["call", "put"]
    strike: Decimal = Field(gt=0)
    expiry: AwareDatetime
    tick_size: Decimal = Field(gt=0)
    lot_size: Decimal = Field(gt=0)
    max_price: Decimal = Field(gt=0)

    def terms(self) -> SeriesTerms:
        return SeriesTerms(
            strike=self.strike,
            expiry=int(self.expiry.timestamp()),
            is_call=self.kind == "call",
            tick_size=self.tick_size,
            lot_size=self.lot_size,
            max_price=self.max_price,
        )


class NetworkConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    chains: list[ChainEntry] = Field(min_length=2)
    deployer: DeployerEntry
    validators: QuorumEntry
    oracle_signers: QuorumEntry
    test_tokens: bool = True
    series: list[SeriesEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_market_and_distinct_chains(self) -> Self:
        markets = [c.name for c in self.chains if c.role == MARKET_ROLE]
        if len(markets) != 1:
            raise ValueError(f"it needs exactly one chain with role 'market', not {len(markets)}")
        for what, values in (
            ("name", [c.name for c in self.chains]),
            ("chain_id", [c.chain_id for c in self.chains]),
        ):
            twice = [str(v) for v, n in Counter(values).items() if n > 1]
            if twice:
                raise ValueError(f"two chains have the {what} {twice[0]}")
        return self


def load_network(path: Path, network: str) -> NetworkConfig:
    """Network `network` of the networks file at `path`, its keystore path made
    relative to the file. Only that network is checked, so a half-written example
    beside it does not block it."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as err:
        raise InvalidNetworksFile(path, "the file does not exist") from err
    except OSError as err:
        raise InvalidNetworksFile(path, f"cannot read it ({err.strerror})") from err
    except tomllib.TOMLDecodeError as err:
        raise InvalidNetworksFile(path, f"not valid TOML: {err}") from err
    networks = data.get("networks")
    if set(data) - {"networks"} or not isinstance(networks, dict):
        raise InvalidNetworksFile(path, "it must hold only [networks.NAME] tables")
    if LOCAL_NETWORK in networks:
        raise InvalidNetworksFile(path, f"network {LOCAL_NETWORK!r} is the devnet; rename it")
    if network not in networks:
        raise UnknownNetwork(path, network, sorted(networks))
    try:
        config = NetworkConfig.model_validate(networks[network])
    except ValidationError as err:
        raise InvalidNetworksFile(path, f"network {network}: {first_problem(err)}") from err
    keystore = config.deployer.keystore
    if keystore is None:
        return config
    deployer = config.deployer.model_copy(
        update={"keystore": path.parent / keystore.expanduser()}  # absolute stays absolute
    )
    return config.model_copy(update={"deployer": deployer})


def network_chains(
    network: str, config: NetworkConfig, environ: Mapping[str, str]
) -> list[ChainTarget]:
    """Each chain with the RPC URL its environment variable holds. Raises RpcUrlNotSet
    naming every variable that is unset or empty."""
    unset = [c.rpc_url_env for c in config.chains if not environ.get(c.rpc_url_env, "").strip()]
    if unset:
        raise RpcUrlNotSet(network, unset)
    return [
        ChainTarget(
            c.name, c.role, c.chain_id, environ[c.rpc_url_env].strip(), rpc_url_env=c.rpc_url_env
        )
        for c in config.chains
    ]
