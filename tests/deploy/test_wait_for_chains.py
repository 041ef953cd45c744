"""`crossflow deploy --wait`: chains that start beside the deploy (as in docker
compose) are waited for; one that never answers still fails, after the wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from relayer.chains.anvil import RunningNode, free_ports, plan_chains, start_nodes, stop_nodes
from relayer.deploy.deployer import ChainTarget
from relayer.deploy.preflight import check_chains
from relayer.errors import NodeUnreachable

CHAIN_ID = 31337
LATE_S = 2.0


@pytest.fixture
def late_chain(anvil_binary: Path, tmp_path: Path) -> Iterator[ChainTarget]:
    """A chain whose node starts LATE_S seconds from now."""
    (spec,) = plan_chains([CHAIN_ID], free_ports(1))
    started: list[RunningNode] = []

    def start() -> None:
        time.sleep(LATE_S)
        started.extend(start_nodes(anvil_binary, [spec], host="127.0.0.1", log_dir=tmp_path))

    starter = threading.Thread(target=start)
    starter.start()
    try:
        yield ChainTarget(spec.name, spec.role, CHAIN_ID, f"http://127.0.0.1:{spec.port}")
    finally:
        starter.join()
        stop_nodes(started)


def test_a_chain_that_starts_late_is_waited_for(late_chain: ChainTarget) -> None:
    began = time.monotonic()
    (live,) = check_chains([late_chain], "the test", wait=30)
    assert live.web3.eth.chain_id == CHAIN_ID
    assert time.monotonic() - began >= LATE_S


def test_without_a_wait_a_chain_not_up_yet_fails_at_once(late_chain: ChainTarget) -> None:
    began = time.monotonic()
    with pytest.raises(NodeUnreachable):
        check_chains([late_chain], "the test")
    assert time.monotonic() - began < LATE_S
