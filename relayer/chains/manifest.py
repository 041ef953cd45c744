"""The deployment manifest, `deployments/<network>.json`: the one place that
knows its format. Deploy writes it; every other command reads it.

A manifest is bound to the chains it was written for: each chain's genesis
block hash, and each contract's code hash, say which chain and which code the
addresses belong to. Anvil restarts a chain with the same id and the same
deployer, so the same addresses come back holding other contracts, or none.

A public RPC URL usually carries an API key, and a testnet manifest is meant to be
committed and shared. So a chain whose URL came from an environment variable is
written with the variable's name (`rpc_url_env`) and no `rpc_url`; loading reads
the URL from that variable again. A devnet chain keeps its plain local `rpc_url`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from relayer.errors import ConfigError, InvalidConfig, InvalidManifest, ManifestNotFound
from relayer.files import write_json_atomic
from relayer.settings import first_problem

# 2: chains carry `genesis_hash`, contracts their `code_hashes`. A chain may name
# `rpc_url_env` instead of `rpc_url`; no format-2 manifest written before that can be
# misread, as it names no variable, so the format stays.
MANIFEST_FORMAT = 2
MARKET_ROLE = "market"  # the one chain that holds the options market
_HASH = r"^0x[0-9a-f]{64}$"


class ChainDeployment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    role: str
    chain_id: int = Field(ge=1)
    domain: int = Field(ge=0, lt=2**32)
    rpc_url: str = Field(description="filled from rpc_url_env when that is set")
    rpc_url_env: str | None = Field(
        None, min_length=1, description="the environment variable holding rpc_url"
    )
    genesis_hash: str = Field(pattern=_HASH, description="block 0's hash: which chain this is")
    contracts: dict[str, str] = Field(default_factory=dict, description="key -> address")
    code_hashes: dict[str, str] = Field(
        default_factory=dict, description="key -> keccak256 of the runtime code deployed"
    )
    deployed_at_block: int = Field(0, ge=0, description="agents index Dispatch logs from here")

    @model_validator(mode="after")
    def _every_contract_has_a_code_hash(self) -> Self:
        if set(self.contracts) != set(self.code_hashes):
            raise ValueError(f"{self.name}: contracts and code_hashes name different contracts")
        return self

    @property
    def rpc_shown(self) -> str:
        """The RPC URL as messages may show it: by its variable, if it came from one."""
        return f"the RPC URL in {self.rpc_url_env}" if self.rpc_url_env else self.rpc_url


class ManifestRpcUrlNotSet(ConfigError):
    def __init__(self, path: Path, chains: Sequence[ChainDeployment]) -> None:
        names = " and ".join(str(c.rpc_url_env) for c in chains)
        verb = "is" if len(chains) == 1 else "are"
        each = " and ".join(
            f"{c.rpc_url_env} to the RPC URL of chain {c.name} ({c.chain_id})" for c in chains
        )
        super().__init__(
            f"{path} reads its RPC URLs from the environment, and {names} {verb} not set",
            f"set {each}, as when you deployed",
        )


class SignerQuorum(BaseModel):
    """M of N signers: the mailboxes' validators, or the price feeds' oracle signers."""

    model_config = ConfigDict(extra="forbid")

    addresses: list[str]
    threshold: int = Field(ge=1)


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: int = MANIFEST_FORMAT
    network: str
    chains: list[ChainDeployment]
    validators: SignerQuorum | None = Field(None, description="set when the mailboxes are")
    oracle: SignerQuorum | None = Field(None, description="set when the price feeds are")

    def market_chain(self) -> ChainDeployment:
        """The one chain whose role is `market`."""
        markets = [c for c in self.chains if c.role == MARKET_ROLE]
        if len(markets) != 1:
            raise InvalidManifest(
                f"network {self.network}", f"it needs exactly one market chain, not {len(markets)}"
            )
        return markets[0]

    def chain(self, domain: int) -> ChainDeployment:
        for chain in self.chains:
            if chain.domain == domain:
                return chain
        raise InvalidManifest(f"network {self.network}", f"no chain with domain {domain}")

    def address(self, chain: ChainDeployment, contract: str) -> str:
        try:
            return chain.contracts[contract]
        except KeyError as err:
            raise InvalidManifest(
                f"network {self.network}", f"{contract} is not deployed on {chain.name}"
            ) from err


def contract_name(key: str) -> str:
    """The compiled contract a manifest key names: `Mailbox`, or `PriceFeed` for
    `PriceFeed:ETH/USD` (one contract deployed once per feed)."""
    return key.partition(":")[0]


def manifest_path(manifest_dir: Path, network: str) -> Path:
    return manifest_dir / f"{network}.json"


def load_manifest(
    manifest_dir: Path, network: str, environ: Mapping[str, str] | None = None
) -> Manifest:
    """The manifest of `network`, each chain that names `rpc_url_env` with its URL from
    `environ`: by default the process environment, where deploy found it too. Raises
    ManifestRpcUrlNotSet naming every such variable that is unset or empty."""
    path = manifest_path(manifest_dir, network)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as err:
        raise ManifestNotFound(path, network) from err
    except (OSError, ValueError) as err:
        raise InvalidManifest(str(path), f"not readable JSON ({err})") from err
    found = data.get("format") if isinstance(data, dict) else None
    if isinstance(found, int) and found != MANIFEST_FORMAT:
        age = "an older" if found < MANIFEST_FORMAT else "a newer"
        raise InvalidManifest(
            str(path), f"format {found} is from {age} crossflow; this one reads {MANIFEST_FORMAT}"
        )
    _fill_rpc_urls(data, os.environ if environ is None else environ, path)
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as err:
        raise InvalidManifest(str(path), first_problem(err)) from err
    unset = [c for c in manifest.chains if c.rpc_url_env and not c.rpc_url]
    if unset:
        raise ManifestRpcUrlNotSet(path, unset)
    return manifest


def save_manifest(manifest_dir: Path, manifest: Manifest) -> Path:
    """Writes `manifest`, a chain's URL replaced by its variable's name if it has one."""
    path = manifest_path(manifest_dir, manifest.network)
    left_out = {
        index: {"rpc_url"} if chain.rpc_url_env else {"rpc_url_env"}
        for index, chain in enumerate(manifest.chains)
    }
    data = manifest.model_dump(mode="json", exclude={"chains": left_out})
    try:
        write_json_atomic(path, data, indent=2)
    except OSError as err:
        raise InvalidConfig("manifest_dir", f"cannot write {path} ({err.strerror})") from err
    return path


def _fill_rpc_urls(data: object, environ: Mapping[str, str], path: Path) -> None:
    """Gives each chain of the file's JSON that names `rpc_url_env` the URL that variable
    holds ("" when unset, for load_manifest to report once the rest is known valid)."""
    chains = data.get("chains") if isinstance(data, dict) else None
    for index, chain in enumerate(chains if isinstance(chains, list) else []):
        variable = chain.get("rpc_url_env") if isinstance(chain, dict) else None
        if not isinstance(variable, str):
            continue  # a chain with its own rpc_url; validation reports anything malformed
        if "rpc_url" in chain:
            raise InvalidManifest(
                str(path), f"chains.{index} holds rpc_url beside rpc_url_env; delete rpc_url"
            )
        chain["rpc_url"] = environ.get(variable, "").strip()
