"""`crossflow demo` as a user runs it, on fresh chains of its own: the story's
outcomes (who was margin-called, topped up, liquidated, paid) as the chains
recorded them; the report and the chart hold the numbers the chain holds; the
commands it prints work as typed; and everything it started stops."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from relayer.chains import devkeys
from relayer.chains.compiler import load_contracts
from relayer.chains.manifest import load_manifest
from relayer.collateral.tokens import USD, VAULT_KEY, WETH
from relayer.deploy.collateral import MARKET_KEY
from relayer.market.units import from_wad
from tests.console import Cli, devnet_cli

pytestmark = pytest.mark.e2e

ALICE, BOB, KEEPER, MAKER = (
    str(Account.from_key(k.get_secret_value()).address)
    for k in (*devkeys.USER_KEYS, devkeys.MARKET_MAKER_KEY)
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEMO_TIMEOUT_S = 240


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    with devnet_cli(tmp_path) as runner:
        yield runner


def test_the_demo_plays_the_story_and_leaves_it_running_to_explore(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = cli.run("demo", "--keep-running", "--out", str(out), timeout=DEMO_TIMEOUT_S)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    report = json.loads((out / "report.json").read_text())
    parties = {p["name"]: p for p in report["parties"]}

    alice, bob, keeper, maker = (parties[n] for n in ("Alice", "Bob", "the keeper", "the maker"))
    assert alice["margin_calls"] == 1
    assert Decimal(alice["topped_up"]) > 0
    assert not alice["liquidated"]
    assert bob["liquidated"]
    assert bob["seized"] == {"WETH on collateral-1": "1"}
    assert keeper["received_seized"] == {"WETH on collateral-1": "1"}
    assert not maker["liquidated"]
    assert maker["margin_calls"] == 0
    for party in parties.values():
        assert Decimal(party["paid_out"]["USD on collateral-1"]) > 0, party
    assert Decimal(maker["settled"]) == -Decimal(keeper["settled"]) == 1000  # 5 puts x 200
    assert report["conservation"]["holds"] is True
    assert all(t["delivered_block"] is not None and not t["failed"] for t in report["messages"])
    kinds = {t["kind"] for t in report["messages"]}
    assert kinds == {"CREDIT", "MARGIN_CALL", "RELEASE", "SEIZE"}
    assert all(t["latency_s"] >= 0 for t in report["messages"])
    assert report["seconds"] < 120  # the bound for the demo

    the_report_holds_what_the_chain_holds(cli, report, alice, keeper)
    chart = (out / "chart.png").read_bytes()
    assert chart.startswith(PNG_MAGIC)
    assert len(chart) > 50_000
    assert "Conservation holds" in result.stdout
    the_printed_commands_work_as_typed(cli, result.stdout)

    agents = json.loads((cli.state_dir / "agents.json").read_text())
    assert {a["name"] for a in agents} == {"relay", "feed", "keep"}
    down = cli.run("devnet", "down")
    assert down.returncode == 0, down.stderr
    assert "stopped `crossflow keep`" in down.stdout
    assert not any(running(a["pid"]) for a in agents)
    assert cli.status() == []


def test_on_three_chains_bobs_weth_is_split_and_seized_on_both(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli.run("demo", "--chains", "3", "--out", str(out), timeout=DEMO_TIMEOUT_S)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    report = json.loads((out / "report.json").read_text())
    parties = {p["name"]: p for p in report["parties"]}
    halves = {"WETH on collateral-1": "0.5", "WETH on collateral-2": "0.5"}
    assert parties["Bob"]["seized"] == halves
    assert parties["the keeper"]["received_seized"] == halves
    seizes = [t for t in report["messages"] if t["kind"] == "SEIZE"]
    assert sorted(t["destination"] for t in seizes) == ["collateral-1", "collateral-2"]
    assert report["conservation"]["holds"] is True
    assert {line["chain"] for line in report["conservation"]["lines"]} == {
        "collateral-1",
        "collateral-2",
    }
    assert cli.status() == []  # without --keep-running, the chains stop with the demo
    assert not (cli.state_dir / "agents.json").exists()


def the_report_holds_what_the_chain_holds(
    cli: Cli, report: dict[str, Any], alice: dict[str, Any], keeper: dict[str, Any]
) -> None:
    manifest = load_manifest(Path(cli.env["CROSSFLOW_MANIFEST_DIR"]), "local")
    compiled = load_contracts()
    collateral, market = manifest.chains[0], manifest.chains[1]
    on_collateral = Web3(Web3.HTTPProvider(collateral.rpc_url))
    vault = on_collateral.eth.contract(
        address=Web3.to_checksum_address(collateral.contracts[VAULT_KEY]),
        abi=compiled.get("ICollateralVault").abi,
    )
    weth, usd = (
        on_collateral.eth.contract(
            address=Web3.to_checksum_address(collateral.contracts[t.manifest_key]),
            abi=compiled.get("IFaucetToken").abi,
        )
        for t in (WETH, USD)
    )
    assert from_wad(weth.functions.balanceOf(KEEPER).call()) == Decimal(1)
    reserve = from_wad(vault.functions.reserve(ALICE, usd.address).call())
    assert reserve == 1000 - Decimal(alice["topped_up"])
    for address, party in ((ALICE, alice), (KEEPER, keeper)):
        paid = Decimal(party["paid_out"]["USD on collateral-1"])
        assert from_wad(usd.functions.balanceOf(address).call()) == paid

    # Each margin sample is the market's own verdict at the block it names.
    on_market = Web3(Web3.HTTPProvider(market.rpc_url))
    options = on_market.eth.contract(
        address=Web3.to_checksum_address(market.contracts[MARKET_KEY]),
        abi=compiled.get("IOptionsMarket").abi,
    )
    called = [s for s in report["samples"] if s["margins"]["Alice"]["health"] == "margin call"]
    assert called, "the samples caught Alice's margin call"
    for sample in (called[0], report["samples"][len(report["samples"]) // 2]):
        (equity, mm, im, *_), *_ = options.functions.health(ALICE).call(
            block_identifier=sample["block"]
        )
        numbers = sample["margins"]["Alice"]
        assert (numbers["equity"], numbers["mm"], numbers["im"]) == pytest.approx(
            (float(from_wad(equity)), float(from_wad(mm)), float(from_wad(im))), rel=1e-12
        )


def the_printed_commands_work_as_typed(cli: Cli, stdout: str) -> None:
    """As pasted into a fresh shell: no virtualenv on PATH."""
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    steps = stdout.split("keep running:", 1)[1].splitlines()[1:]
    commands = {line.split()[1]: line.strip().split("   ")[0] for line in steps if line.strip()}
    assert {"status", "messages", "prices", "conservation", "devnet", "call"} <= set(commands)
    for name in ("status", "messages", "prices", "conservation", "call"):
        typed = subprocess.run(
            ["bash", "--norc", "--noprofile", "-c", commands[name]],
            env=cli.env | {"PATH": path},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert typed.returncode == 0, f"{commands[name]}: {typed.stdout[-2000:]}{typed.stderr}"
        if name == "call":
            assert typed.stdout.strip() == "2"  # the demo's two puts


def running(pid: int) -> bool:
    state = subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
    ).stdout.strip()
    return bool(state) and not state.startswith("Z")
