"""The fixtures other suites rely on: real nodes, per-test isolation, no leftovers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3
from web3.types import Wei

from tests.conftest import COLLATERAL_CHAIN_ID, MARKET_CHAIN_ID, Chains, snapshot

pytestmark = pytest.mark.e2e

STRANGER = Account.create().address


def send_one_ether(web3: Web3) -> None:
    tx = web3.eth.send_transaction(
        {"from": web3.eth.accounts[0], "to": STRANGER, "value": Wei(10**18)}
    )
    web3.eth.wait_for_transaction_receipt(tx)


def test_session_chains_are_collateral_and_market(chains: Chains) -> None:
    assert chains.collateral.web3.eth.chain_id == COLLATERAL_CHAIN_ID
    assert chains.market.web3.eth.chain_id == MARKET_CHAIN_ID
    assert chains.collateral.node.rpc_url != chains.market.node.rpc_url


def test_snapshot_undoes_state_and_blocks_on_every_chain(chains: Chains) -> None:
    heads = [chain.web3.eth.block_number for chain in chains]
    with snapshot(chains):
        for chain in chains:
            send_one_ether(chain.web3)
            assert chain.web3.eth.get_balance(STRANGER) == 10**18
    assert [chain.web3.eth.block_number for chain in chains] == heads
    assert all(chain.web3.eth.get_balance(STRANGER) == 0 for chain in chains)


def test_snapshot_undoes_state_even_when_the_body_fails(chains: Chains) -> None:
    def failing_body() -> None:
        with snapshot(chains):
            send_one_ether(chains.market.web3)
            raise RuntimeError("test failed midway")

    with pytest.raises(RuntimeError):
        failing_body()
    assert chains.market.web3.eth.get_balance(STRANGER) == 0


def test_nodes_die_with_a_killed_test_process(tmp_path: Path, anvil_binary: Path) -> None:
    """A test run killed with SIGKILL runs no finalizer; the nodes must still go."""
    pid_file = tmp_path / "pid"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from relayer.chains.anvil import free_ports, plan_chains, start_nodes
        nodes = start_nodes(
            Path({str(anvil_binary)!r}), plan_chains([4242], free_ports(1)), host="127.0.0.1",
            log_dir=Path({str(tmp_path)!r}), die_with_parent=True,
        )
        Path({str(pid_file)!r}).write_text(str(nodes[0].pid))
        import time; time.sleep(60)
    """)
    runner = subprocess.Popen([sys.executable, "-c", script])
    try:
        for _ in range(200):
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.05)
        node_pid = int(pid_file.read_text())
        assert alive(node_pid)
    finally:
        runner.kill()
        runner.wait()
    for _ in range(100):
        if not alive(node_pid):
            break
        time.sleep(0.05)
    assert not alive(node_pid)


def alive(pid: int) -> bool:
    state = subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
    ).stdout.strip()
    return bool(state) and not state.startswith("Z")
