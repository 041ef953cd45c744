"""Local Anvil forks of live chains, to run a deploy on before (or instead of) the
real one, as `forge script` simulates before it broadcasts. A fork keeps the chain's
id and its block 0, so the manifest's binding to the chain holds on it too, and it
sends nothing to the chain it forks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from relayer.chains.anvil import ChainSpec, Role, free_ports, start_nodes, stop_nodes
from relayer.chains.manifest import MARKET_ROLE
from relayer.deploy.deployer import ChainTarget
from relayer.errors import ChainError, NodeDidNotStart


class ForkDidNotStart(ChainError):
    def __init__(self, chain: ChainTarget, reason: str) -> None:
        super().__init__(
            f"a local fork of {chain.name} ({chain.rpc_shown}) did not come up: {reason}",
            "check that the RPC serves historical state (an archive or full node), or raise "
            "deploy.fork_startup_timeout",
        )


@contextmanager
def forks(
    anvil: Path, chains: Sequence[ChainTarget], log_dir: Path, timeout: float
) -> Iterator[dict[int, str]]:
    """A fork of each chain at its head: chain id -> the fork's RPC URL. All are
    stopped on the way out, whatever happened, and die with crossflow if it is killed."""
    specs = [
        ChainSpec(chain.name, _role(chain), chain.chain_id, port, fork_url=chain.rpc_url)
        for chain, port in zip(chains, free_ports(len(chains)), strict=True)
    ]
    try:
        nodes = start_nodes(
            anvil,
            specs,
            host="127.0.0.1",
            log_dir=log_dir,
            startup_timeout=timeout,
            die_with_parent=True,
        )
    except NodeDidNotStart as err:
        chain = next(c for c in chains if c.chain_id == err.chain_id)
        raise ForkDidNotStart(chain, err.message) from err
    try:
        yield {node.spec.chain_id: node.rpc_url for node in nodes}
    finally:
        stop_nodes(nodes)


def _role(chain: ChainTarget) -> Role:
    return "market" if chain.role == MARKET_ROLE else "collateral"
