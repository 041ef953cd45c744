"""The deployment manifest, `deployments/<network>.json`: the one place that
knows its format. Deploy writes it; every other command reads it.

A manifest is bound to the chains it was written for: each chain's genesis
block hash, and each contract's code hash, say which chain and which code the
addresses belong to. Anvil restarts a chain with the same id and the same
deployer, so the same addresses come back holding other contracts, or none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from relayer.errors import InvalidConfig, InvalidManifest, ManifestNotFound
from relayer.files import write_json_atomic
from relayer.settings import first_problem

# 2: chains carry `genesis_hash`, contracts their `code_hashes`.
MANIFEST_FORMAT = 2
_HASH = r"^0x[0-9a-f]{64}$"


class ChainDeployment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    role: str
    chain_id: int = Field(ge=1)
    domain: int = Field(ge=0, lt=2**32)
    rpc_url: str
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


def load_manifest(manifest_dir: Path, network: str) -> Manifest:
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
    try:
        return Manifest.model_validate(data)
    except ValidationError as err:
        raise InvalidManifest(str(path), first_problem(err)) from err


def save_manifest(manifest_dir: Path, manifest: Manifest) -> Path:
    path = manifest_path(manifest_dir, manifest.network)
    try:
        write_json_atomic(path, manifest.model_dump(mode="json"), indent=2)
    except OSError as err:
        raise InvalidConfig("manifest_dir", f"cannot write {path} ({err.strerror})") from err
    return path
