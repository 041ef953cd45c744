"""A deploy in two steps. `plan` checks every chain, then runs the whole deploy on a
local fork of each (from a scratch copy of the manifest) and prices the gas its
transactions used at each chain's gas price now: exact for transactions that depend on
addresses deployed earlier in the run, as `forge script` does. `execute` refuses a
deployer who cannot pay for the plan, then runs the same deploy on the chains.

A dry run is `plan` alone: it sends nothing to the chains and writes no manifest."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from web3 import Web3
from web3.types import RPCEndpoint

from relayer.chains.compiler import Contracts
from relayer.chains.manifest import Manifest, manifest_path
from relayer.chains.toolchain import foundry_tool
from relayer.deploy.deployer import recorded_manifest
from relayer.deploy.everything import NetworkSpec, deploy_network
from relayer.deploy.forks import forks
from relayer.deploy.journal import Journal
from relayer.deploy.preflight import Funds, check_chains, funds_for, require_funded
from relayer.deploy.report import Report, report
from relayer.settings import Settings

# The forks give the deployer this much, so a plan is whole whatever it holds; its
# real balance is checked against the plan afterwards.
_FORK_BALANCE = 10**30
METHOD = (
    "gas: what each transaction used in this deploy run on a local fork of each chain "
    "(anvil --fork-url) from block {blocks}; cost: that gas at each chain's gas price now. "
    "Rollups (Arbitrum, Base) add an L1 data fee on top; funds_headroom covers some of it."
)


@dataclass(frozen=True)
class Plan:
    report: Report  # what the run would keep, deploy and send
    notes: list[str]
    funds: list[Funds]  # the deployer's, per chain, against the plan's cost
    fork_blocks: dict[int, int]  # chain id -> the block the fork started from

    @property
    def method(self) -> str:
        blocks = ", ".join(f"{block} of chain {chain}" for chain, block in self.fork_blocks.items())
        return METHOD.format(blocks=blocks)


@dataclass(frozen=True)
class Executed:
    manifest: Manifest
    report: Report
    notes: list[str]


def plan(
    spec: NetworkSpec,
    *,
    configured_in: str,
    manifest_dir: Path,
    settings: Settings,
    contracts: Contracts,
    wait_for_chains: float = 0.0,
) -> Plan:
    """Checks each chain's id (against `configured_in`, for the message; waiting up to
    `wait_for_chains` seconds for one that does not answer yet), simulates the deploy
    and prices it. Sends nothing."""
    live = check_chains(spec.targets, configured_in, wait_for_chains)
    before = recorded_manifest(manifest_dir, spec.network)
    journal = Journal()
    anvil = foundry_tool("anvil", settings.toolchain)
    with tempfile.TemporaryDirectory(prefix="crossflow-plan-") as scratch:
        scratch_dir = Path(scratch)
        recorded = manifest_path(manifest_dir, spec.network)
        if recorded.exists():
            shutil.copy(recorded, manifest_path(scratch_dir, spec.network))
        timeout = settings.deploy.fork_startup_timeout
        with forks(anvil, spec.targets, scratch_dir, timeout) as urls:
            blocks = _fund_deployer(urls, spec.roles.deployer)
            forked = replace(
                spec, targets=[replace(t, rpc_url=urls[t.chain_id]) for t in spec.targets]
            )
            deployed = deploy_network(
                forked,
                manifest_dir=scratch_dir,
                settings=settings,
                contracts=contracts,
                journal=journal,
            )
    simulated = report(before, deployed.manifest, journal)
    gas = {t.chain_id: simulated.gas(t.chain_id) for t in spec.targets}
    funds = funds_for(live, spec.roles.deployer, gas, settings.deploy.funds_headroom)
    return Plan(simulated, deployed.notes, funds, blocks)


def execute(
    spec: NetworkSpec,
    planned: Plan,
    *,
    manifest_dir: Path,
    settings: Settings,
    contracts: Contracts,
) -> Executed:
    """The deploy on the chains, once the deployer can pay for `planned`."""
    require_funded(spec.roles.deployer, planned.funds)
    before = recorded_manifest(manifest_dir, spec.network)
    journal = Journal()
    deployed = deploy_network(
        spec, manifest_dir=manifest_dir, settings=settings, contracts=contracts, journal=journal
    )
    return Executed(deployed.manifest, report(before, deployed.manifest, journal), deployed.notes)


def _fund_deployer(urls: dict[int, str], deployer: str) -> dict[int, int]:
    """Gives the deployer `_FORK_BALANCE` on every fork; returns each fork's block."""
    blocks = {}
    for chain_id, url in urls.items():
        web3 = Web3(Web3.HTTPProvider(url))
        web3.provider.make_request(RPCEndpoint("anvil_setBalance"), [deployer, hex(_FORK_BALANCE)])
        blocks[chain_id] = int(web3.eth.block_number)
    return blocks
