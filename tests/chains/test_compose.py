"""docker-compose.yml's chains kept honest without a Docker engine: every chain
service's command runs against the real anvil, and its healthcheck against the real
cast (tests/docker runs the whole file where an engine answers)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from relayer.chains.anvil import free_ports, plan_chains
from relayer.chains.toolchain import PROJECT_ROOT, foundry_tool
from relayer.settings import DevnetSettings, ToolchainSettings

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
SERVICES: dict[str, Any] = {
    name: service
    for name, service in yaml.safe_load(COMPOSE_FILE.read_text())["services"].items()
    if service.get("entrypoint") == ["anvil"]
}

pytestmark = pytest.mark.e2e


def option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def with_option(command: list[str], flag: str, value: str) -> list[str]:
    changed = list(command)
    changed[command.index(flag) + 1] = value
    return changed


def test_services_match_the_devnet_plan() -> None:
    default = DevnetSettings()
    plan = plan_chains(
        [default.base_chain_id + i for i in range(3)],
        [default.base_port + i * default.port_step for i in range(3)],
    )
    assert list(SERVICES) == [spec.name for spec in plan]
    for spec in plan:
        service = SERVICES[spec.name]
        assert service["entrypoint"] == ["anvil"]
        assert option(service["command"], "--chain-id") == str(spec.chain_id)
        assert option(service["command"], "--port") == str(spec.port)
        (published,) = service["ports"]
        assert published.startswith("127.0.0.1:")  # never on every interface
        assert published.endswith(f":{spec.port}")
        assert option(service["command"], "--host") == "0.0.0.0"  # noqa: S104 - inside a container
        assert "three-chains" in service.get("profiles", ["three-chains"])


@pytest.mark.parametrize("name", list(SERVICES))
def test_service_command_starts_a_real_node_its_healthcheck_accepts(
    name: str, tmp_path: Path
) -> None:
    service = SERVICES[name]
    tools = ToolchainSettings()
    (port,) = free_ports(1)
    # Same arguments as the container, but on loopback and a free port.
    command = with_option(
        with_option(service["command"], "--port", str(port)), "--host", "127.0.0.1"
    )
    anvil = subprocess.Popen(
        [foundry_tool("anvil", tools), *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        check = service["healthcheck"]["test"]
        assert check[:2] == ["CMD", "cast"]
        url = option(check, "--rpc-url").replace(option(service["command"], "--port"), str(port))
        answer = ""
        for _ in range(100):
            result = subprocess.run(
                [foundry_tool("cast", tools), *with_option(check[2:], "--rpc-url", url)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode == 0:
                answer = result.stdout.strip()
                break
            subprocess.run(["sleep", "0.1"], check=True)
        assert answer == option(service["command"], "--chain-id")
    finally:
        anvil.terminate()
        anvil.wait(timeout=10)
