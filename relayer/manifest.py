"""The deployment manifest, `deployments/<network>.json`: the one place that
knows its format. Deploy writes it; every other command reads it."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from relayer.errors import InvalidManifest, ManifestNotFound
from relayer.files import write_json_atomic
from relayer.settings import first_problem

MANIFEST_FORMAT = 1


class ChainDeployment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    role: str
    chain_id: int = Field(ge=1)
    domain: int = Field(ge=0, lt=2**32)
    rpc_url: str
    contracts: dict[str, str] = Field(default_factory=dict, description="name -> address")
    deployed_at_block: int = Field(0, ge=0, description="agents index Dispatch logs from here")


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
    try:
        return Manifest.model_validate(data)
    except ValidationError as err:
        raise InvalidManifest(str(path), first_problem(err)) from err


def save_manifest(manifest_dir: Path, manifest: Manifest) -> Path:
    path = manifest_path(manifest_dir, manifest.network)
    write_json_atomic(path, manifest.model_dump(mode="json"), indent=2)
    return path
