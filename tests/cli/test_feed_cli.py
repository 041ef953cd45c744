"""`crossflow feed` and `crossflow prices` through the real console script:
a run that posts, and bad input that stops with one line and posts nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from web3 import Web3

from relayer.chains import devkeys
from relayer.chains.manifest import Manifest
from relayer.oracle.feeds import FEEDS
from relayer.testbed.net import contracts, deploy_feeds
from tests.conftest import Chains
from tests.console import CROSSFLOW, assert_one_line_error, clean_environment

pytestmark = pytest.mark.e2e


@pytest.fixture
def manifest(chains: Chains, tmp_path: Path) -> Manifest:
    return deploy_feeds(list(chains), tmp_path / "deployments", network="local")


def crossflow(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CROSSFLOW), *args],
        env=clean_environment(CROSSFLOW_MANIFEST_DIR=str(tmp_path / "deployments"), **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def latest_rounds(chains: Chains, manifest: Manifest) -> set[int]:
    abi = contracts().get("PriceFeed").abi
    rounds = set()
    for chain in chains:
        deployed = manifest.chain(chain.node.spec.chain_id)
        for spec in FEEDS:
            address = Web3.to_checksum_address(deployed.contracts[spec.manifest_key])
            feed = chain.web3.eth.contract(address=address, abi=abi)
            rounds.add(feed.functions.latestRound().call())
    return rounds


def test_feed_posts_rounds_that_prices_reads_back_alike(
    chains: Chains, manifest: Manifest, tmp_path: Path
) -> None:
    before = crossflow(tmp_path, "prices")
    assert before.returncode == 1  # no data yet is not fresh
    assert "no data" in before.stdout

    fed = crossflow(tmp_path, "feed", "--rounds", "2", "--heartbeat", "1")
    assert fed.returncode == 0, fed.stderr
    posted = [json.loads(line) for line in fed.stderr.splitlines() if "posted" in line]
    assert {(p["chain"], p["round"]) for p in posted} >= {(31337, 2), (31338, 2)}

    shown = crossflow(tmp_path, "prices", "--json")
    assert shown.returncode == 0, shown.stderr
    rows = json.loads(shown.stdout)
    by_feed: dict[str, set[tuple[object, object, object]]] = {}
    for row in rows:
        assert row["state"] == "fresh"
        by_feed.setdefault(row["feed"], set()).add((row["round"], row["answer"], row["updated_at"]))
    assert sorted(by_feed) == ["ETH IV", "ETH/USD"]
    assert all(len(seen) == 1 for seen in by_feed.values())  # both chains hold the same round


@dataclass(frozen=True)
class BadInput:
    args: list[str]
    fragments: list[str]  # what the one error line must say
    exit_code: int = 2
    env: dict[str, str] = field(default_factory=dict)


BAD_INPUTS = {
    "malformed-csv": BadInput(
        ["--source", "csv", "--csv", "{tmp}/prices.csv"], ["prices.csv, line 3", "not a number"]
    ),
    "unknown-source": BadInput(
        ["--source", "coinbase"], ["feed.source", "'gbm', 'csv' or 'constant'"]
    ),
    "csv-without-file": BadInput(["--source", "csv"], ["needs feed.csv"]),
    "wrong-key": BadInput(
        [],
        ["is not a signer of ETH/USD on chain 31337", "CROSSFLOW_FEED__SIGNER_KEYS"],
        env={"CROSSFLOW_FEED__SIGNER_KEYS": f'["{devkeys.USER_KEYS[0].get_secret_value()}"]'},
    ),
    "malformed-key": BadInput(
        [],
        ["no valid oracle signer key (one is not a private key)"],
        env={"CROSSFLOW_FEED__SIGNER_KEYS": '["0x1234"]'},
    ),
    "missing-key": BadInput(
        ["--network", "sepolia"],
        ["no oracle signer key is configured", "set CROSSFLOW_FEED__SIGNER_KEYS"],
    ),
    "unfunded-poster": BadInput(
        [],
        ["has no ether for gas on chain 31337"],
        exit_code=7,
        # An oracle signer: a valid key, but it only ever signs, so it holds no ether.
        env={"CROSSFLOW_FEED__POSTER_KEY": devkeys.ORACLE_SIGNER_KEYS[0].get_secret_value()},
    ),
}


@pytest.mark.parametrize("bad", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_stops_with_one_line_and_posts_nothing(
    chains: Chains, manifest: Manifest, tmp_path: Path, bad: BadInput
) -> None:
    (tmp_path / "prices.csv").write_text("timestamp,price,vol\n1000,3000,0.6\n1001,abc,0.6\n")
    deployments = tmp_path / "deployments"
    # The same chains under a network name that has no dev keys.
    text = (deployments / "local.json").read_text().replace('"local"', '"sepolia"')
    (deployments / "sepolia.json").write_text(text)

    args = [arg.format(tmp=tmp_path) for arg in bad.args]
    result = crossflow(tmp_path, "feed", "--rounds", "1", *args, **bad.env)
    assert_one_line_error(result, *bad.fragments)
    assert result.returncode == bad.exit_code
    assert latest_rounds(chains, manifest) == {0}


def test_a_csv_replay_runs_to_its_last_row_and_stops(
    chains: Chains, manifest: Manifest, tmp_path: Path
) -> None:
    rows = [(1_700_000_000 + 60 * i, 3000 + 40 * i, 0.5 + 0.01 * i) for i in range(5)]
    (tmp_path / "eth.csv").write_text(
        "timestamp,price,vol\n" + "".join(f"{t},{p},{v}\n" for t, p, v in rows)
    )
    # A minute of data per second: the rows are due a second apart.
    fed = crossflow(
        tmp_path, "feed", "--source", "csv", "--csv", str(tmp_path / "eth.csv"), "--speed", "60"
    )
    assert fed.returncode == 0, fed.stderr
    shown = json.loads(crossflow(tmp_path, "prices", "--json").stdout)
    assert {(r["feed"], r["value"]) for r in shown} == {("ETH/USD", 3160.0), ("ETH IV", 0.54)}


def test_sigterm_stops_the_feeder_cleanly(
    chains: Chains, manifest: Manifest, tmp_path: Path
) -> None:
    log = tmp_path / "feed.log"
    with log.open("w") as sink:
        feeder = subprocess.Popen(
            [str(CROSSFLOW), "feed", "--heartbeat", "1"],
            env=clean_environment(CROSSFLOW_MANIFEST_DIR=str(tmp_path / "deployments")),
            stdout=sink,
            stderr=sink,
        )
        try:
            deadline = time.monotonic() + 60
            while '"posted' not in log.read_text():
                assert time.monotonic() < deadline, log.read_text()
                assert feeder.poll() is None, log.read_text()
                time.sleep(0.1)
        finally:
            feeder.send_signal(signal.SIGTERM)
            assert feeder.wait(timeout=30) == 0
    assert "stopped after" in log.read_text()
