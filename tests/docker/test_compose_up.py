"""`docker compose up` for real: the image built from the Dockerfile, the chains,
the one-shot deploy, then relay, feed and keep, all healthy; a deposit crosses
from the collateral chain to the market and a withdrawal back, through `crossflow`
run in a container; conservation holds; `down -v` leaves nothing behind.

It needs a Docker engine. Where none answers it is skipped, and says so (pytest
prints the reason with -ra). Settings from the environment, for machines with no
image registry (`.ci/run` sets them): CROSSFLOW_BASE_IMAGE (the Dockerfile's
BASE_IMAGE), CROSSFLOW_CHAIN_IMAGE (an image with anvil and cast instead of the
official Foundry one; `crossflow` means the image built here), CROSSFLOW_BUILD_CA
(a CA bundle handed to the build as a BuildKit secret)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from relayer.chains.anvil import free_ports
from relayer.chains.chain import connect
from relayer.chains.toolchain import PROJECT_ROOT

pytestmark = pytest.mark.e2e

IMAGE = "crossflow:compose-test"
AGENTS = ("relay", "feed", "keep")
UP_TIMEOUT_S = 300
BUILD_TIMEOUT_S = 1800


@dataclass
class Compose:
    command: list[str]
    env: dict[str, str]
    ports: dict[str, int]
    up_seconds: float = 0.0

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.command, *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def crossflow(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`crossflow ARGS` in a one-off container on the system's network and volume."""
        return self("run", "--rm", "-T", "cli", *args)

    def leftovers(self) -> list[str]:
        project = self.env["COMPOSE_PROJECT_NAME"]
        found = []
        for kind in ("container", "volume", "network"):
            listed = subprocess.run(
                [
                    "docker",
                    kind,
                    "ls",
                    "-q",
                    *(["-a"] if kind == "container" else []),
                    "--filter",
                    f"label=com.docker.compose.project={project}",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            found += [f"{kind} {name}" for name in listed]
        return found


@pytest.fixture(scope="module")
def compose() -> Iterator[Compose]:
    if (
        shutil.which("docker") is None
        or subprocess.run(["docker", "info"], capture_output=True, check=False).returncode
    ):
        pytest.skip("no Docker engine answers (`docker info` failed): the compose test did not run")
    command = compose_command()
    build_image()
    names = ("COLLATERAL_1_PORT", "MARKET_PORT", "RELAY_METRICS_PORT")
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    chain_image = os.environ.get("CROSSFLOW_CHAIN_IMAGE")
    env = {
        **os.environ,
        "COMPOSE_PROJECT_NAME": f"crossflow-test-{uuid.uuid4().hex[:8]}",
        "CROSSFLOW_IMAGE": IMAGE,
        **(
            {"CHAIN_IMAGE": IMAGE if chain_image == "crossflow" else chain_image}
            if chain_image
            else {}
        ),
        **{name: str(port) for name, port in ports.items()},
    }
    system = Compose(command, env, ports)
    try:
        started = time.monotonic()
        up = system(
            "up",
            "-d",
            *(["--wait"] if "--wait" in system("up", "--help").stdout else []),
            timeout=UP_TIMEOUT_S,
        )
        assert up.returncode == 0, up.stdout + up.stderr
        wait_healthy(system)
        system.up_seconds = time.monotonic() - started
        yield system
    finally:
        system("down", "-v", "--remove-orphans")


def test_compose_up_runs_the_whole_system_and_down_leaves_nothing(compose: Compose) -> None:
    states = {row["Service"]: row for row in services(compose)}
    assert states["deploy"]["State"] == "exited"
    assert states["deploy"]["ExitCode"] == 0
    for agent in AGENTS:
        assert states[agent]["Health"] == "healthy", states[agent]
    # Reachable from the host, on loopback only.
    for port, chain_id in (("COLLATERAL_1_PORT", 31337), ("MARKET_PORT", 31338)):
        connect(f"http://127.0.0.1:{compose.ports[port]}", chain_id)

    assert compose.crossflow("faucet", "--token", "USD").returncode == 0
    deposited = compose.crossflow("deposit", "--token", "USD", "--amount", "250")
    assert deposited.returncode == 0, deposited.stdout + deposited.stderr
    wait_for_cash(compose, Decimal(250))
    withdrawn = compose.crossflow("withdraw", "--token", "USD", "--amount", "100")
    assert withdrawn.returncode == 0, withdrawn.stdout + withdrawn.stderr
    wait_for_cash(compose, Decimal(150))

    conservation = compose.crossflow("conservation", "--json")
    assert conservation.returncode == 0, conservation.stdout + conservation.stderr
    status = compose.crossflow("status", "--json")
    assert status.returncode == 0, status.stdout + status.stderr
    assert json.loads(status.stdout)["ok"] is True

    down = compose("down", "-v", "--remove-orphans")
    assert down.returncode == 0, down.stderr
    assert compose.leftovers() == []


def compose_command() -> list[str]:
    """Compose v2 (`docker compose`) where installed, else v1 (`docker-compose`)."""
    v2 = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    if v2.returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("a Docker engine answers but neither `docker compose` nor `docker-compose` runs")


def build_image() -> None:
    """The Dockerfile with BuildKit (for the CA secret): through buildx where the
    docker client has it, else a client with BuildKit built in."""
    args = ["build", "-q", "-t", IMAGE]
    if base := os.environ.get("CROSSFLOW_BASE_IMAGE"):
        args += ["--build-arg", f"BASE_IMAGE={base}"]
    if ca := os.environ.get("CROSSFLOW_BUILD_CA"):
        args += ["--secret", f"id=ca,src={ca}"]
    built = subprocess.run(
        [buildkit_docker(), *args, "."],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DOCKER_BUILDKIT": "1"},
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]


def buildkit_docker() -> str:
    buildx = subprocess.run(["docker", "buildx", "version"], capture_output=True, check=False)
    if buildx.returncode == 0:
        return "docker"
    # A client from before buildx (Debian's 20.10) has BuildKit built in.
    for candidate in filter(Path.exists, map(Path, ("/usr/bin/docker", "/usr/local/bin/docker"))):
        help_text = subprocess.run(
            [str(candidate), "build", "--help"],
            env={**os.environ, "DOCKER_BUILDKIT": "1"},
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        if "--secret" in help_text:
            return str(candidate)
    pytest.fail("no docker client here builds with BuildKit (install buildx)")


def services(compose: Compose) -> list[dict[str, Any]]:
    """Each service's container: state, exit code and health, from `docker inspect`."""
    ids = compose("ps", "-a", "-q").stdout.split()
    inspected = json.loads(
        subprocess.run(
            ["docker", "inspect", *ids], capture_output=True, text=True, check=True
        ).stdout
    )
    return [
        {
            "Service": c["Config"]["Labels"]["com.docker.compose.service"],
            "State": c["State"]["Status"],
            "ExitCode": c["State"]["ExitCode"],
            "Health": c["State"].get("Health", {}).get("Status"),
        }
        for c in inspected
    ]


def wait_healthy(compose: Compose) -> None:
    """`up --wait` for compose v1, which has no --wait."""
    deadline = time.monotonic() + UP_TIMEOUT_S
    while True:
        states = {s["Service"]: s for s in services(compose)}
        if all(states.get(a, {}).get("Health") == "healthy" for a in AGENTS):
            return
        failed = [s for s in states.values() if s["State"] == "exited" and s["ExitCode"]]
        assert not failed, f"{failed}: {compose('logs', '--tail', '30').stdout[-3000:]}"
        assert time.monotonic() < deadline, f"not healthy within {UP_TIMEOUT_S} s: {states}"
        time.sleep(2)


def wait_for_cash(compose: Compose, cash: Decimal) -> None:
    deadline = time.monotonic() + 60
    while True:
        account = compose.crossflow("market", "account", "--json")
        if account.returncode == 0 and Decimal(json.loads(account.stdout)["cash"]) == cash:
            return
        assert time.monotonic() < deadline, account.stdout + account.stderr
        time.sleep(1)
