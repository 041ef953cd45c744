"""The local devnet: N Anvil chains started as background processes.

`up` records what it started in `<state_dir>/state.json`; `down` stops exactly
those processes, and `status` reports them with their head blocks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from relayer.anvil import (
    ChainSpec,
    RunningNode,
    node_is_running,
    plan_chains,
    start_nodes,
    stop_nodes,
)
from relayer.chain import connect, head_block
from relayer.errors import CrossflowError, DevnetAlreadyRunning, InvalidConfig
from relayer.files import write_json_atomic
from relayer.settings import DevnetSettings

STATE_FORMAT = 1
MAX_PORT = 65535


@dataclass(frozen=True)
class ChainStatus:
    node: RunningNode
    up: bool
    head: int | None


def planned_chains(settings: DevnetSettings) -> list[ChainSpec]:
    """Chain i: id base_chain_id + i on port base_port + i·port_step."""
    indexes = range(settings.chains)
    ports = [settings.base_port + i * settings.port_step for i in indexes]
    if ports[-1] > MAX_PORT:
        raise InvalidConfig(
            "devnet", f"{settings.chains} chains need port {ports[-1]} > {MAX_PORT}"
        )
    return plan_chains([settings.base_chain_id + i for i in indexes], ports)


def up(settings: DevnetSettings, anvil: Path) -> list[RunningNode]:
    """Start the planned chains (all or none) and record them."""
    state_file = _state_file(settings)
    if any(node_is_running(n) for n in read_state(state_file)):
        raise DevnetAlreadyRunning(state_file)
    _forget_previous(settings.state_dir)
    nodes = start_nodes(
        anvil,
        planned_chains(settings),
        host=settings.host,
        log_dir=settings.state_dir,
        block_time=settings.block_time,
        accounts=settings.accounts,
        startup_timeout=settings.startup_timeout,
    )
    _write_state(state_file, nodes)
    return nodes


def down(settings: DevnetSettings) -> list[RunningNode]:
    """Stop every recorded node and forget the devnet; returns what was recorded."""
    state_file = _state_file(settings)
    nodes = read_state(state_file)
    stop_nodes(nodes)
    state_file.unlink(missing_ok=True)
    return nodes


def status(settings: DevnetSettings) -> list[ChainStatus]:
    result = []
    for node in read_state(_state_file(settings)):
        head: int | None = None
        if node_is_running(node):
            try:
                head = head_block(
                    connect(node.rpc_url, node.spec.chain_id, timeout=2), node.rpc_url
                )
            except CrossflowError:
                head = None
        result.append(ChainStatus(node=node, up=head is not None, head=head))
    return result


def read_state(state_file: Path) -> list[RunningNode]:
    """The nodes a previous `up` recorded; none when there is no state file."""
    try:
        state = json.loads(state_file.read_text())
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as err:
        raise InvalidConfig(str(state_file), f"unreadable devnet state ({err})") from err
    try:
        return [
            RunningNode(
                spec=ChainSpec(c["name"], c["role"], int(c["chain_id"]), int(c["port"])),
                host=c["host"],
                pid=int(c["pid"]),
                log_path=Path(c["log"]),
            )
            for c in state["chains"]
        ]
    except (KeyError, TypeError, ValueError) as err:
        raise InvalidConfig(
            str(state_file), f"malformed devnet state ({err}); delete it after stopping anvil"
        ) from err


def _write_state(state_file: Path, nodes: list[RunningNode]) -> None:
    state = {
        "format": STATE_FORMAT,
        "chains": [
            {
                "name": n.spec.name,
                "role": n.spec.role,
                "chain_id": n.spec.chain_id,
                "port": n.spec.port,
                "host": n.host,
                "rpc_url": n.rpc_url,
                "pid": n.pid,
                "log": str(n.log_path),
            }
            for n in nodes
        ],
    }
    write_json_atomic(state_file, state, indent=2)


def _forget_previous(state_dir: Path) -> None:
    """New chains start at block 0: whatever an earlier devnet left in its state
    directory (logs, the relay store with its checkpoints and message ids) would
    describe chains that no longer exist."""
    if state_dir.is_dir():
        for leftover in state_dir.iterdir():
            if leftover.is_file():
                leftover.unlink()


def _state_file(settings: DevnetSettings) -> Path:
    return settings.state_dir / "state.json"
