"""`crossflow devnet` through the real console script, against real Anvil processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from relayer.chains.anvil import port_is_free
from tests.console import PORT_STEP, Cli, assert_one_line_error, devnet_cli

pytestmark = pytest.mark.e2e


def pid_is_anvil(pid: int) -> bool:
    result = subprocess.run(
        ["ps", "-o", "stat=,comm=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    state, _, name = result.stdout.strip().partition(" ")
    return name.strip() == "anvil" and not state.startswith("Z")


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    with devnet_cli(tmp_path) as runner:
        yield runner


def test_up_three_chains_then_down_leaves_no_anvil_running(cli: Cli) -> None:
    started = cli.run("devnet", "up", "--chains", "3")
    assert started.returncode == 0, started.stderr

    chains = cli.status()
    assert [(c["name"], c["chain_id"], c["up"]) for c in chains] == [
        ("collateral-1", 31337, True),
        ("market", 31338, True),
        ("collateral-2", 31339, True),
    ]
    for index, chain in enumerate(chains):
        assert chain["rpc_url"] == f"http://127.0.0.1:{cli.base_port + index * PORT_STEP}"
        assert Web3(Web3.HTTPProvider(str(chain["rpc_url"]))).eth.chain_id == chain["chain_id"]
    pids = [int(str(c["pid"])) for c in chains]
    assert all(pid_is_anvil(pid) for pid in pids)

    stopped = cli.run("devnet", "down")
    assert stopped.returncode == 0
    assert stopped.stdout.count("stopped") == 3
    assert not any(pid_is_anvil(pid) for pid in pids)
    assert not (cli.state_dir / "state.json").exists()
    assert all(port_is_free("127.0.0.1", cli.base_port + i * PORT_STEP) for i in range(3))


def test_status_table_shows_id_port_head_and_state(cli: Cli) -> None:
    assert cli.run("devnet", "up").returncode == 0
    table = cli.run("devnet", "status")
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "chain",
        "role",
        "chain",
        "id",
        "rpc",
        "url",
        "pid",
        "head",
        "state",
    ]
    collateral, market = lines[2].split(), lines[3].split()
    assert collateral[:4] == [
        "collateral-1",
        "collateral",
        "31337",
        f"http://127.0.0.1:{cli.base_port}",
    ]
    assert collateral[-1] == "up"
    assert market[:3] == ["market", "market", "31338"]
    assert market[-1] == "up"


def test_block_time_mines_without_transactions(cli: Cli) -> None:
    assert cli.run("devnet", "up", "--chains", "1", "--block-time", "0.2").returncode == 0
    web3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{cli.base_port}"))
    first = web3.eth.block_number
    deadline_blocks = first + 2
    for _ in range(50):
        if web3.eth.block_number >= deadline_blocks:
            break
        subprocess.run(["sleep", "0.1"], check=True)
    assert web3.eth.block_number >= deadline_blocks


def test_a_dead_node_shows_as_down(cli: Cli) -> None:
    assert cli.run("devnet", "up").returncode == 0
    market = cli.status()[1]
    os.kill(int(str(market["pid"])), signal.SIGKILL)
    result = cli.run("devnet", "status")
    assert result.returncode == 1
    assert result.stdout.splitlines()[3].endswith("DOWN")
    assert "market is down: `" in result.stdout
    assert "devnet up` starts it again, as a new chain" in result.stdout


def test_up_starts_the_dead_chains_of_a_half_dead_devnet_again(cli: Cli) -> None:
    """Before: `up` refused ("already running") and `down` said it stopped the dead one."""
    assert cli.run("devnet", "up", "--block-time", "0.2").returncode == 0
    collateral, market = cli.status()
    os.kill(int(str(market["pid"])), signal.SIGKILL)

    restarted = cli.run("devnet", "up")
    assert restarted.returncode == 0, restarted.stderr
    assert "restarted market (chain 31338) as a new, empty chain" in restarted.stdout
    assert "deploy to it with `" in restarted.stdout
    now = cli.status()
    assert [(c["name"], c["up"]) for c in now] == [("collateral-1", True), ("market", True)]
    assert now[0]["pid"] == collateral["pid"]
    assert now[1]["pid"] != market["pid"]
    # The restarted chain mines on the devnet's block time, as its sibling does.
    web3 = Web3(Web3.HTTPProvider(str(now[1]["rpc_url"])))
    first = web3.eth.block_number
    for _ in range(50):
        if web3.eth.block_number >= first + 2:
            break
        subprocess.run(["sleep", "0.1"], check=True)
    assert web3.eth.block_number >= first + 2

    os.kill(int(str(now[1]["pid"])), signal.SIGKILL)
    stopped = cli.run("devnet", "down")
    assert stopped.returncode == 0
    assert f"stopped collateral-1 (chain 31337, pid {collateral['pid']})" in stopped.stdout
    assert f"market (chain 31338, pid {now[1]['pid']}) had already stopped" in stopped.stdout
    assert "stopped market" not in stopped.stdout


def test_up_twice_refuses_and_keeps_the_first_devnet(cli: Cli) -> None:
    assert cli.run("devnet", "up").returncode == 0
    before = cli.status()
    again = cli.run("devnet", "up")
    assert again.returncode == 5
    assert "already running" in again.stderr
    assert "devnet down" in again.stderr
    assert cli.status() == before


def test_busy_port_fails_in_one_line_and_starts_nothing(cli: Cli) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", cli.base_port + PORT_STEP))
        squatter.listen()
        result = cli.run("devnet", "up")
    assert_one_line_error(result, f"port {cli.base_port + PORT_STEP}", "already in use")
    assert result.returncode == 5
    assert not (cli.state_dir / "state.json").exists()
    assert port_is_free("127.0.0.1", cli.base_port)


def fake_anvil(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "anvil"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def test_a_chain_that_never_answers_times_out_and_is_killed(cli: Cli, tmp_path: Path) -> None:
    marker = tmp_path / "fake.pid"
    cli.env["CROSSFLOW_TOOLCHAIN__ANVIL"] = str(
        fake_anvil(tmp_path, f"echo $$ > {marker}\nexec sleep 60")
    )
    cli.env["CROSSFLOW_DEVNET__STARTUP_TIMEOUT"] = "1"
    result = cli.run("devnet", "up")
    assert_one_line_error(result, "chain 31337", "did not come up", "no answer within 1s")
    pid = int(marker.read_text())
    assert subprocess.run(["kill", "-0", str(pid)], capture_output=True, check=False).returncode
    assert not (cli.state_dir / "state.json").exists()


def test_a_node_that_exits_reports_its_last_words(cli: Cli, tmp_path: Path) -> None:
    cli.env["CROSSFLOW_TOOLCHAIN__ANVIL"] = str(
        fake_anvil(tmp_path, "echo 'error: unsupported hardfork' >&2\nexit 3")
    )
    result = cli.run("devnet", "up")
    assert_one_line_error(result, "exited with code 3", "unsupported hardfork")


def test_second_chain_failing_stops_the_first(cli: Cli, tmp_path: Path) -> None:
    # The collateral chain starts for real; the market chain's node dies at start.
    real = cli.run("toolchain", "--which", "anvil").stdout.strip()
    wrapper = fake_anvil(
        tmp_path,
        f'case "$*" in *31338*) echo "address in use" >&2; exit 1;; esac\nexec {real} "$@"',
    )
    cli.env["CROSSFLOW_TOOLCHAIN__ANVIL"] = str(wrapper)
    result = cli.run("devnet", "up")
    assert_one_line_error(result, "chain 31338", "address in use")
    assert port_is_free("127.0.0.1", cli.base_port)


def test_missing_anvil_says_how_to_install_it(cli: Cli, tmp_path: Path) -> None:
    cli.env["CROSSFLOW_TOOLCHAIN__ANVIL"] = str(tmp_path / "missing" / "anvil")
    result = cli.run("devnet", "up")
    assert_one_line_error(result, "anvil not found", "make setup")
    assert result.returncode == 3


def test_invalid_config_file_fails_in_one_line(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "crossflow.toml"
    config.write_text("[devnet]\nchains = 'many'\n")
    result = cli.run("--config", str(config), "devnet", "up")
    assert_one_line_error(result, "invalid configuration", "devnet.chains")
    assert result.returncode == 2


def test_invalid_option_value_fails_in_one_line(cli: Cli) -> None:
    result = cli.run("devnet", "up", "--chains", "0")
    assert_one_line_error(result, "command-line options", "greater than or equal to 1")


def test_down_without_a_devnet_is_harmless(cli: Cli) -> None:
    result = cli.run("devnet", "down")
    assert result.returncode == 0
    assert "no devnet was running" in result.stdout


def test_deploy_writes_the_manifest_and_resumes(cli: Cli) -> None:
    assert cli.run("devnet", "up").returncode == 0
    first = cli.run("deploy", "--network", "local")
    assert first.returncode == 0, first.stderr
    manifest_file = Path(cli.env["CROSSFLOW_MANIFEST_DIR"]) / "local.json"
    manifest = json.loads(manifest_file.read_text())
    assert [c["chain_id"] for c in manifest["chains"]] == [31337, 31338]
    assert manifest["validators"]["threshold"] == 2
    again = cli.run("deploy", "--network", "local")
    assert again.returncode == 0, again.stderr
    assert json.loads(manifest_file.read_text())["chains"] == manifest["chains"]


def test_relay_without_a_manifest_says_what_to_do(cli: Cli) -> None:
    result = cli.run("relay")
    assert_one_line_error(result, "no deployment manifest", "crossflow deploy --network local")
