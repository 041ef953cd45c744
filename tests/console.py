"""Running the real `crossflow` console script from tests."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from relayer.chains.anvil import port_is_free

CROSSFLOW = Path(sys.executable).parent / "crossflow"
PORT_STEP = 7


def clean_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without a developer's CROSSFLOW_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSFLOW_")}
    return env | overrides


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("crossflow: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@dataclass
class Cli:
    """Runs `crossflow` with its state, ports and config kept inside one temp dir."""

    env: dict[str, str]
    state_dir: Path
    base_port: int

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CROSSFLOW), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def status(self) -> list[dict[str, object]]:
        chains: list[dict[str, object]] = json.loads(self.run("devnet", "status", "--json").stdout)
        return chains

    @property
    def manifest_file(self) -> Path:
        return Path(self.env["CROSSFLOW_MANIFEST_DIR"]) / "local.json"


def free_base_port(count: int) -> int:
    """A base port such that `count` ports PORT_STEP apart are all free right now."""
    while True:
        base = random.randrange(20000, 60000)  # noqa: S311 - not security relevant
        if all(port_is_free("127.0.0.1", base + i * PORT_STEP) for i in range(count)):
            return base


@contextmanager
def devnet_cli(tmp_path: Path) -> Iterator[Cli]:
    """A Cli whose devnet, if it starts one, is stopped on the way out, whatever happened."""
    base = free_base_port(4)
    env = clean_environment(
        CROSSFLOW_DEVNET__STATE_DIR=str(tmp_path / "devnet"),
        CROSSFLOW_DEVNET__BASE_PORT=str(base),
        CROSSFLOW_DEVNET__PORT_STEP=str(PORT_STEP),
        CROSSFLOW_MANIFEST_DIR=str(tmp_path / "deployments"),
        CROSSFLOW_RELAY__STORE=str(tmp_path / "devnet" / "relay.sqlite"),
        CROSSFLOW_RELAY__METRICS_PORT="0",
    )
    runner = Cli(env=env, state_dir=tmp_path / "devnet", base_port=base)
    try:
        yield runner
    finally:
        runner.run("devnet", "down")
