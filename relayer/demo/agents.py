"""The off-chain agents as the processes a user would run: `crossflow relay`,
`crossflow feed` and `crossflow keep`, each logging to its own file.

Agents left running for the user (`crossflow demo --keep-running`) are recorded
in `agents.json` beside the devnet's state, so `crossflow devnet down` stops them
with the chains; a recorded pid is only signalled while it still runs crossflow,
as a pid may since belong to another process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from relayer.chains.anvil import ps_field
from relayer.demo.errors import DemoAgentDied
from relayer.files import write_json_atomic

AGENTS_FILE = "agents.json"
STOP_TIMEOUT_S = 5.0
_POLL_S = 0.05


def crossflow_argv() -> list[str]:
    """How to start this crossflow: the console script beside this interpreter, or
    the module when the package runs without its script installed."""
    script = Path(sys.executable).parent / "crossflow"
    return [str(script)] if script.exists() else [sys.executable, "-m", "relayer.cli.main"]


@dataclass
class Agents:
    """Agent processes sharing one environment and one log directory."""

    log_dir: Path
    env: Mapping[str, str]
    options: list[str] = field(default_factory=list)  # before the command, e.g. --config F
    detach: bool = False  # own sessions: they outlive this process (and its Ctrl-C)
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    starts: int = 0

    def start(self, name: str, *args: str, **env: str) -> Path:
        """`crossflow name args...`, logging to `<log_dir>/<name>-<n>.log`."""
        self.starts += 1
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}-{self.starts}.log"
        with log.open("wb") as out:
            self.running[name] = subprocess.Popen(
                [*crossflow_argv(), *self.options, name, *args],
                env={**self.env, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=self.detach,
            )
        return log

    def stop(self, name: str, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stops one agent: SIGTERM lets it finish its loop, SIGKILL is a crash."""
        process = self.running.pop(name)
        _stop(process.pid, sig, process)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def check_alive(self) -> None:
        """Raises DemoAgentDied, with its last log line, for an agent that exited."""
        for name, process in self.running.items():
            if process.poll() is not None:
                log = self.latest_log(name)
                lines = log.read_text(errors="replace").strip().splitlines() if log else []
                raise DemoAgentDied(name, log or self.log_dir, lines[-1] if lines else "")

    def latest_log(self, name: str) -> Path | None:
        logs = sorted(self.log_dir.glob(f"{name}-*.log"), key=lambda p: p.stat().st_mtime)
        return logs[-1] if logs else None

    def record(self, state_dir: Path) -> Path:
        """Hands the running agents over to `crossflow devnet down`."""
        path = state_dir / AGENTS_FILE
        write_json_atomic(
            path,
            [{"name": name, "pid": p.pid} for name, p in self.running.items()],
            indent=2,
        )
        self.running.clear()
        return path


def stop_recorded_agents(state_dir: Path) -> list[str]:
    """Stops the agents a demo left running; returns the names of those it stopped."""
    path = state_dir / AGENTS_FILE
    try:
        recorded = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except ValueError:
        recorded = []  # unreadable: nothing can be trusted to be ours
    stopped = []
    for agent in recorded:
        pid = int(agent["pid"])
        if _runs_crossflow(pid):
            _stop(pid, signal.SIGTERM)
            stopped.append(str(agent["name"]))
    path.unlink(missing_ok=True)
    return stopped


def _stop(pid: int, sig: signal.Signals, process: subprocess.Popen[bytes] | None = None) -> None:
    """Signals `pid`, then kills it if it is still there after STOP_TIMEOUT_S."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _alive(pid, process) and time.monotonic() < deadline:
        time.sleep(_POLL_S)
    if _alive(pid, process):
        os.kill(pid, signal.SIGKILL)
        if process is not None:
            process.wait()


def _alive(pid: int, process: subprocess.Popen[bytes] | None) -> bool:
    if process is not None:
        return process.poll() is None
    return _runs_crossflow(pid)


def _runs_crossflow(pid: int) -> bool:
    # A zombie runs nothing; a reused pid runs something else.
    if ps_field(pid, "stat")[:1] in ("", "Z"):
        return False
    return any(mark in ps_field(pid, "args") for mark in ("crossflow", "relayer.cli.main"))
