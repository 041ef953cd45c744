"""The local devnet: N Anvil chains started as background processes.

`up` records what it started in `<state_dir>/state.json`; `down` stops exactly
those processes, and `status` reports them with their head blocks. When some
of a devnet's chains died, `up` starts those again on their own ports. Anvil
keeps no state across a restart, so they come back as new, empty chains.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from relayer.chains.anvil import (
    ChainSpec,
    RunningNode,
    node_is_running,
    plan_chains,
    start_nodes,
    stop_nodes,
)
from relayer.chains.chain import connect, head_block
from relayer.errors import CrossflowError, DevnetAlreadyRunning, InvalidConfig
from relayer.files import write_json_atomic
from relayer.settings import DevnetSettings

STATE_FORMAT = 1
MAX_PORT = 65535
STATE_FILE = "state.json"


@dataclass(frozen=True)
class ChainStatus:
    node: RunningNode
    up: bool
    head: int | None


@dataclass(frozen=True)
class Started:
    nodes: list[RunningNode]  # every chain of the devnet, all running now
    restarted: list[RunningNode]  # chains of a half-dead devnet started again; new chains


@dataclass(frozen=True)
class Stopped:
    node: RunningNode
    was_running: bool


def planned_chains(settings: DevnetSettings) -> list[ChainSpec]:
    """Chain i: id base_chain_id + i on port base_port + i·port_step."""
    indexes = range(settings.chains)
    ports = [settings.base_port + i * settings.port_step for i in indexes]
    if ports[-1] > MAX_PORT:
        raise InvalidConfig(
            "devnet", f"{settings.chains} chains need port {ports[-1]} > {MAX_PORT}"
        )
    return plan_chains([settings.base_chain_id + i for i in indexes], ports)


def up(settings: DevnetSettings, anvil: Path) -> Started:
    """Start the planned chains (all or none) and record them; or, when part of the
    recorded devnet still runs, start its dead chains again (see the module notes)."""
    state_file = _state_file(settings)
    recorded = read_state(state_file)
    dead = [n for n in recorded if not node_is_running(n)]
    if recorded and not dead:
        raise DevnetAlreadyRunning(state_file)
    if recorded and len(dead) < len(recorded):
        return _restart(settings, anvil, recorded, dead)
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
    _write_state(state_file, nodes, settings.block_time, settings.accounts)
    return Started(nodes, [])


def down(settings: DevnetSettings) -> list[Stopped]:
    """Stop every recorded node and forget the devnet; says which were still running."""
    state_file = _state_file(settings)
    nodes = read_state(state_file)
    stopped = [Stopped(n, node_is_running(n)) for n in nodes]
    stop_nodes(nodes)
    state_file.unlink(missing_ok=True)
    return stopped


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


def _restart(
    settings: DevnetSettings, anvil: Path, recorded: list[RunningNode], dead: list[RunningNode]
) -> Started:
    block_time, accounts = _recorded_options(_state_file(settings), settings)
    started = start_nodes(
        anvil,
        [n.spec for n in dead],
        host=dead[0].host,
        log_dir=settings.state_dir,
        block_time=block_time,
        accounts=accounts,
        startup_timeout=settings.startup_timeout,
    )
    restarted = {n.spec.chain_id: n for n in started}
    nodes = [restarted.get(n.spec.chain_id, n) for n in recorded]
    _forget_relay_state(settings.state_dir)
    _write_state(_state_file(settings), nodes, block_time, accounts)
    return Started(nodes, started)


def _recorded_options(state_file: Path, settings: DevnetSettings) -> tuple[float | None, int]:
    """The block time and account count the devnet was started with, so a restarted
    chain runs as its siblings do (state files from before they were recorded: the
    settings)."""
    state = json.loads(state_file.read_text())
    return state.get("block_time", settings.block_time), state.get("accounts", settings.accounts)


def _write_state(
    state_file: Path, nodes: list[RunningNode], block_time: float | None, accounts: int
) -> None:
    state = {
        "format": STATE_FORMAT,
        "block_time": block_time,
        "accounts": accounts,
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


def _forget_relay_state(state_dir: Path) -> None:
    """A restarted chain is a new chain: the relay store's checkpoints and messages for
    it describe one that no longer exists. Node logs stay (one may say why it died)."""
    for leftover in state_dir.iterdir():
        if leftover.is_file() and leftover.name != STATE_FILE and leftover.suffix != ".log":
            leftover.unlink()


def _state_file(settings: DevnetSettings) -> Path:
    return settings.state_dir / STATE_FILE
