"""What `crossflow` tells a user who got something wrong, command by command:
one line on stderr that says what to do, a non-zero exit code, and never a
Python traceback. Each state a user can reach is built for real (Anvil nodes
started and stopped through the console script) and every command that can
meet it is run against it: nothing deployed, a manifest from an earlier
devnet or an older crossflow, a chain that died, bad numbers, missing files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from relayer.chains.anvil import port_is_free
from tests.console import PORT_STEP, Cli, assert_one_line_error, devnet_cli

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).parents[2] / "examples"
PORTFOLIO = str(EXAMPLES / "covered_call.toml")
# Every command that reads the manifest, with arguments that would otherwise run it once.
READERS = {
    "relay": ["relay"],
    "feed": ["feed", "--rounds", "1", "--heartbeat", "1"],
    "prices": ["prices"],
    "margin": ["margin", PORTFOLIO],
    "margin --spot": ["margin", PORTFOLIO, "--spot", "3000"],
}


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    with devnet_cli(tmp_path) as runner:
        yield runner


def refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert_one_line_error(result, *fragments)


def every_reader_refuses(cli: Cli, *fragments: str) -> None:
    for name, args in READERS.items():
        result = cli.run(*args)
        refused(result, *fragments)
        assert "--vol" in result.stderr or name != "margin --spot", result.stderr


def up_and_deploy(cli: Cli) -> None:
    assert cli.run("devnet", "up").returncode == 0
    deployed = cli.run("deploy")
    assert deployed.returncode == 0, deployed.stderr


def test_nothing_running_and_nothing_deployed(cli: Cli) -> None:
    every_reader_refuses(cli, "no deployment manifest", "crossflow deploy")
    refused(cli.run("deploy"), "no devnet is running", "crossflow devnet up")
    for harmless in (["devnet", "down"], ["messages"], ["devnet", "status"]):
        result = cli.run(*harmless)
        assert "Traceback" not in result.stdout + result.stderr
        assert not result.stderr


def test_live_chains_where_nothing_is_deployed(cli: Cli) -> None:
    assert cli.run("devnet", "up").returncode == 0
    every_reader_refuses(cli, "no deployment manifest", "crossflow deploy")


def test_live_chains_with_the_manifest_of_an_earlier_devnet(cli: Cli) -> None:
    """The issue's `make down` then `devnet up`: before, `margin` ended in a
    BadFunctionCallOutput traceback and `prices` said every feed was down."""
    up_and_deploy(cli)
    assert cli.run("devnet", "down").returncode == 0
    assert cli.run("devnet", "up").returncode == 0
    every_reader_refuses(cli, "does not describe the running chains", "crossflow deploy")
    assert cli.run("deploy").returncode == 0
    shown = cli.run("prices")
    assert shown.returncode == 1  # deployed, no price posted yet: nothing is fresh
    assert "no data" in shown.stdout
    assert not shown.stderr


def test_a_manifest_from_an_older_crossflow_or_unreadable(cli: Cli) -> None:
    up_and_deploy(cli)
    refused(
        cli.run("feed", "--source", "csv", "--csv", "missing.csv"),
        "cannot read the price file missing.csv",
        "--csv",
    )
    manifest = json.loads(cli.manifest_file.read_text())
    for chain in manifest["chains"]:
        del chain["genesis_hash"], chain["code_hashes"]
    cli.manifest_file.write_text(json.dumps(manifest | {"format": 1}))
    every_reader_refuses(cli, "format 1 is from an older crossflow", "crossflow deploy")
    cli.manifest_file.write_text("{")
    every_reader_refuses(cli, "not readable JSON", "crossflow deploy")


def test_a_chain_that_died(cli: Cli) -> None:
    up_and_deploy(cli)
    market = cli.status()[1]
    os.kill(int(str(market["pid"])), signal.SIGKILL)
    url = market["rpc_url"]
    for args in (READERS["relay"], READERS["margin"], ["deploy"]):
        refused(cli.run(*args), f"no Ethereum node answers at {url}", "crossflow devnet up")
    # The feeder and `prices` carry on with the chains that answer.
    fed = cli.run(*READERS["feed"])
    assert fed.returncode == 0, fed.stderr
    assert "Traceback" not in fed.stderr
    shown = cli.run("prices")
    assert shown.returncode == 1
    assert "down" in shown.stdout
    assert not shown.stderr


BAD_NUMBERS = {
    "negative spot": (["--spot", "-5", "--vol", "0.6"], ["spot -5", "outside"]),
    "negative vol": (["--spot", "3000", "--vol", "-1"], ["vol -1", "outside"]),
    "nan spot": (["--spot", "nan", "--vol", "0.6"], ["spot nan"]),
    "infinite vol": (["--spot", "3000", "--vol", "inf"], ["vol inf"]),
    "vol in percent": (["--spot", "3000", "--vol", "600"], ["vol 600", "99.9"]),
}


@pytest.mark.parametrize("case", BAD_NUMBERS.values(), ids=BAD_NUMBERS.keys())
def test_numbers_outside_the_model_are_refused(cli: Cli, case: tuple[list[str], list[str]]) -> None:
    args, fragments = case
    result = cli.run("margin", PORTFOLIO, *args)
    refused(result, *fragments)
    assert result.returncode == 8
    assert "HEALTHY" not in result.stdout


def test_missing_and_malformed_files(cli: Cli, tmp_path: Path) -> None:
    refused(
        cli.run("margin", "nofile.toml", "--spot", "3000", "--vol", "0.6"),
        "cannot read the portfolio nofile.toml",
        "examples/covered_call.toml",
    )
    nan = tmp_path / "nan.toml"
    nan.write_text("cash = nan\n")
    refused(cli.run("margin", str(nan), "--spot", "3000", "--vol", "0.6"), "invalid portfolio")
    refused(cli.run("--config", str(tmp_path / "none.toml"), "prices"), "does not exist")


def test_a_demo_on_one_chain_is_refused_before_anything_starts(cli: Cli) -> None:
    refused(cli.run("demo", "--chains", "1"), "at least 2 chains")
    assert cli.status() == []


def test_a_demo_that_fails_stops_the_chains_it_started(cli: Cli, tmp_path: Path) -> None:
    """Before: a failed demo left its chains running (and printed a traceback)."""
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    cli.env["CROSSFLOW_MANIFEST_DIR"] = str(blocked)
    refused(cli.run("demo", timeout=180), "cannot write")
    assert cli.status() == []
    assert all(port_is_free("127.0.0.1", cli.base_port + i * PORT_STEP) for i in range(2))


def test_help_and_compile_say_what_they_do(cli: Cli) -> None:
    assert "a cross-chain liquidation" in " ".join(cli.run("--help").stdout.split())
    compiled = cli.run("compile").stdout.splitlines()
    table = compiled[: compiled.index("")]
    summary = compiled[-1]
    assert summary.startswith(f"{len(table) - 2} deployable contracts in contracts/src,")
