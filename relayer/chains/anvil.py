"""Anvil nodes as local processes: start them all or none, stop exactly them."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from relayer.errors import NodeDidNotStart, PortInUse

Role = Literal["collateral", "market"]

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class ChainSpec:
    """One chain to run: its name, role in the system, chain id and port; with
    `fork_url`, a local fork of the live chain there (which has that chain id)."""

    name: str
    role: Role
    chain_id: int
    port: int
    fork_url: str | None = None


@dataclass(frozen=True)
class RunningNode:
    spec: ChainSpec
    host: str
    pid: int
    log_path: Path

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.spec.port}"


def plan_chains(chain_ids: Sequence[int], ports: Sequence[int]) -> list[ChainSpec]:
    """Roles by position: the first chain holds collateral, the second is the market,
    and every further chain is another collateral chain."""
    specs = []
    for index, (chain_id, port) in enumerate(zip(chain_ids, ports, strict=True)):
        if index == 1:
            specs.append(ChainSpec("market", "market", chain_id, port))
        else:
            number = 1 if index == 0 else index
            specs.append(ChainSpec(f"collateral-{number}", "collateral", chain_id, port))
    return specs


def start_nodes(
    anvil: Path,
    specs: Sequence[ChainSpec],
    *,
    host: str,
    log_dir: Path,
    block_time: float | None = None,
    accounts: int = 10,
    startup_timeout: float = 30.0,
    die_with_parent: bool = False,
    persist: bool = False,
) -> list[RunningNode]:
    """Start one Anvil per spec and wait until each answers with its chain id.

    All or none: if any node fails, the ones already started are stopped.
    `die_with_parent` ties the nodes to this process (test fixtures), so a
    killed test run cannot leave them behind. `persist` keeps each chain's state
    in `log_dir` across a stop and a start (anvil dumps it on SIGTERM).
    """
    for spec in specs:
        if not port_is_free(host, spec.port):
            raise PortInUse(host, spec.port)
    log_dir.mkdir(parents=True, exist_ok=True)
    started: list[RunningNode] = []
    try:
        for spec in specs:
            started.append(
                _start_one(
                    anvil,
                    spec,
                    host=host,
                    log_dir=log_dir,
                    block_time=block_time,
                    accounts=accounts,
                    startup_timeout=startup_timeout,
                    die_with_parent=die_with_parent,
                    persist=persist,
                )
            )
    except BaseException:
        stop_nodes(started)
        raise
    return started


def stop_nodes(nodes: Sequence[RunningNode], timeout: float = 5.0) -> None:
    """SIGTERM each node that is still ours, then SIGKILL what outlives `timeout`."""
    live = [n.pid for n in nodes if _is_our_anvil(n.pid)]
    for pid in live:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while (live := [pid for pid in live if _is_alive(pid)]) and time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
    for pid in live:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_dead(pid)


def node_is_running(node: RunningNode) -> bool:
    return _is_our_anvil(node.pid)


def port_is_free(host: str, port: int) -> bool:
    """True if a server could listen on the port now, as anvil (with SO_REUSEADDR) would:
    connections lingering in TIME_WAIT from a stopped node do not count as busy."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ports the kernel says are free now; held open together so they are distinct."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _start_one(
    anvil: Path,
    spec: ChainSpec,
    *,
    host: str,
    log_dir: Path,
    block_time: float | None,
    accounts: int,
    startup_timeout: float,
    die_with_parent: bool,
    persist: bool,
) -> RunningNode:
    command = [
        str(anvil),
        "--host",
        host,
        "--port",
        str(spec.port),
        "--chain-id",
        str(spec.chain_id),
        "--accounts",
        str(accounts),
    ]
    if spec.fork_url is not None:
        # Anvil caches forked state on disk by chain id and block; a local chain that
        # borrows a public chain's id must never fill that cache with its own state.
        command += ["--fork-url", spec.fork_url, "--no-storage-caching"]
    if block_time is not None:
        command += ["--block-time", f"{block_time:g}"]
    if persist:
        command += ["--state", str(log_dir / f"anvil-{spec.chain_id}.state.json")]
    log_path = log_dir / f"anvil-{spec.chain_id}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if die_with_parent else None,  # noqa: PLW1509
        )
    node = RunningNode(spec=spec, host=host, pid=process.pid, log_path=log_path)
    _wait_until_ready(node, process, startup_timeout)
    return node


def _wait_until_ready(node: RunningNode, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            reason = f"it exited with code {process.returncode}: {_last_line(node.log_path)}"
            raise NodeDidNotStart(node.spec.chain_id, node.spec.port, reason, node.log_path)
        if _answers_chain_id(node.rpc_url) == node.spec.chain_id:
            return
        time.sleep(_POLL_SECONDS)
    process.kill()
    process.wait()
    reason = f"no answer within {timeout:g}s"
    raise NodeDidNotStart(node.spec.chain_id, node.spec.port, reason, node.log_path)


def _answers_chain_id(rpc_url: str) -> int | None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(  # noqa: S310 - the URL is our own loopback node
        rpc_url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:  # noqa: S310
            return int(json.load(response)["result"], 16)
    except (OSError, ValueError, KeyError):
        return None


def _last_line(path: Path) -> str:
    lines = path.read_text(errors="replace").strip().splitlines()
    return lines[-1] if lines else "no output"


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _is_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie; reaps it if it is our child."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    return _process_state(pid) not in (None, "Z")


def _is_our_anvil(pid: int) -> bool:
    # A recorded pid may since have been reused by an unrelated process.
    return _process_name(pid) == "anvil" and _is_alive(pid)


def _process_state(pid: int) -> str | None:
    """The one-letter state from `ps` (R, S, Z, ...), or None when there is no such process."""
    return ps_field(pid, "stat")[:1] or None


def _process_name(pid: int) -> str:
    return Path(ps_field(pid, "comm")).name


def ps_field(pid: int, field: str) -> str:
    """One `ps -o` field of `pid` (`stat`, `comm`, `args`, ...); empty when no such process."""
    # ps rather than /proc so the devnet also runs on macOS.
    result = subprocess.run(
        ["ps", "-o", f"{field}=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return result.stdout.strip()


def _wait_dead(pid: int) -> None:
    deadline = time.monotonic() + 5.0
    while _is_alive(pid) and time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
