"""Real Anvil chains for the tests: started once per session on free ports,
isolated per test with evm_snapshot / evm_revert, always stopped."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from web3.types import RPCEndpoint

from relayer.chains.toolchain import foundry_tool
from relayer.settings import ToolchainSettings
from relayer.testbed.net import Chain, running_chains

COLLATERAL_CHAIN_ID = 31337
MARKET_CHAIN_ID = 31338


@dataclass(frozen=True)
class Chains:
    collateral: Chain
    market: Chain

    def __iter__(self) -> Iterator[Chain]:
        return iter((self.collateral, self.market))


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own CROSSFLOW_* settings must not leak into the tests."""
    for name in [n for n in os.environ if n.startswith("CROSSFLOW_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def anvil_binary() -> Path:
    return foundry_tool("anvil", ToolchainSettings())


@pytest.fixture(scope="session")
def session_chains(
    anvil_binary: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Chains]:
    log_dir = tmp_path_factory.mktemp("anvil")
    with running_chains(anvil_binary, [COLLATERAL_CHAIN_ID, MARKET_CHAIN_ID], log_dir) as chains:
        collateral, market = chains
        yield Chains(collateral=collateral, market=market)


def rpc(chain: Chain, method: str, *params: object) -> object:
    return chain.web3.provider.make_request(RPCEndpoint(method), list(params))["result"]


@contextmanager
def snapshot(chains: Chains) -> Iterator[None]:
    """Undo on every chain whatever the body did, also when it fails."""
    ids = [rpc(chain, "evm_snapshot") for chain in chains]
    try:
        yield
    finally:
        for chain, snapshot_id in zip(chains, ids, strict=True):
            assert rpc(chain, "evm_revert", snapshot_id) is True
            # A revert also winds the clock back to the snapshot; without this the
            # chains would fall further behind the wall clock with every test, and
            # price reports stamped with the wall clock would be "from the future".
            rpc(chain, "evm_setTime", int(time.time()))


@pytest.fixture
def chains(session_chains: Chains) -> Iterator[Chains]:
    """The two session chains, reverted to their prior state after the test."""
    with snapshot(session_chains):
        yield session_chains
