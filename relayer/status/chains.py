"""Which of a manifest's chains answer, how far each head lags the wall clock, and
whether each contract still runs the code the manifest records."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from relayer.chains.binding import contract_problem
from relayer.chains.chain import NODE_ERRORS, connect, runtime_code
from relayer.chains.compiler import Contracts
from relayer.chains.manifest import ChainDeployment, Manifest
from relayer.errors import CrossflowError
from relayer.status.model import ChainStatus, ContractStatus


@dataclass(frozen=True)
class LiveChain:
    """A chain that answered, as it was when it did."""

    deployment: ChainDeployment
    web3: Web3
    head_time: int


Live = dict[int, LiveChain]  # by domain: only the chains that answered


def probe_chains(manifest: Manifest, now: float) -> tuple[list[ChainStatus], Live]:
    """Every chain's head and lag at wall-clock time `now`, or why it is down."""
    statuses: list[ChainStatus] = []
    live: Live = {}
    for chain in manifest.chains:
        where = {
            "name": chain.name,
            "chain_id": chain.chain_id,
            "domain": chain.domain,
            "role": chain.role,
            "rpc_url": chain.rpc_shown,
        }
        try:
            web3 = connect(chain.rpc_url, chain.chain_id)
            block = web3.eth.get_block("latest")
        except NODE_ERRORS as err:
            statuses.append(ChainStatus(**where, up=False, error=reason(err)))
            continue
        head, head_time = int(block["number"]), int(block["timestamp"])
        live[chain.domain] = LiveChain(chain, web3, head_time)
        statuses.append(
            ChainStatus(
                **where, up=True, head=head, head_time=head_time, lag=round(now - head_time, 1)
            )
        )
    return statuses, live


def read_contracts(manifest: Manifest, live: Live, contracts: Contracts) -> list[ContractStatus]:
    """Each recorded contract against the code at its address (unknown on a chain
    that is down)."""
    found = []
    for chain in manifest.chains:
        reached = live.get(chain.domain)
        for key, address in chain.contracts.items():
            if reached is None:
                found.append(
                    ContractStatus(chain=chain.name, key=key, address=address, code_matches=None)
                )
                continue
            code = runtime_code(reached.web3, chain.rpc_url, address)
            problem = contract_problem(key, address, chain.code_hashes[key], code, contracts)
            found.append(
                ContractStatus(
                    chain=chain.name,
                    key=key,
                    address=address,
                    code_matches=problem is None,
                    problem=problem,
                )
            )
    return found


def reason(err: Exception) -> str:
    """One line saying why a read failed: our errors' own message, else the first line."""
    if isinstance(err, CrossflowError):
        return err.message
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__
