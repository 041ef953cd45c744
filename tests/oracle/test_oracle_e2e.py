"""One signed price report on every chain, read back by the real `cast`."""

from __future__ import annotations

import subprocess
import time

import pytest
from eth_account import Account
from web3.contract import Contract

from relayer.chains import devkeys
from relayer.chains.compiler import load_contracts
from relayer.chains.toolchain import foundry_tool
from relayer.chains.tx import Sender
from relayer.errors import TransactionReverted
from relayer.oracle.report import PriceReport, feed_id, sign_report
from relayer.settings import ToolchainSettings
from relayer.testbed.net import Chain
from tests.conftest import Chains

pytestmark = pytest.mark.e2e

OWNER = Account.from_key(devkeys.DEPLOYER_KEY.get_secret_value())
POSTER = Account.from_key(devkeys.USER_KEYS[1].get_secret_value())
SIGNERS = [Account.from_key(k.get_secret_value()) for k in devkeys.VALIDATOR_KEYS]
ETH_USD = feed_id("ETH/USD")


def deploy_feed(chain: Chain) -> Contract:
    sender = Sender(chain.web3, OWNER, chain.node.spec.chain_id)
    signers = [s.address for s in SIGNERS]
    args = (ETH_USD, 8, "ETH / USD", 2_000, 300, True, signers, 2, OWNER.address)
    return sender.deploy(load_contracts().get("PriceFeed"), *args)


def post(chain: Chain, feed: Contract, report: PriceReport, signatures: list[bytes]) -> None:
    sender = Sender(chain.web3, POSTER, chain.node.spec.chain_id)
    sender.transact(feed.functions.submit(report.as_tuple(), signatures), "submit")


def cast_latest_round(chain: Chain, feed: Contract) -> list[str]:
    cast = foundry_tool("cast", ToolchainSettings())
    result = subprocess.run(
        [
            str(cast),
            "call",
            feed.address,
            "latestRoundData()(uint80,int256,uint256,uint256,uint80)",
            "--rpc-url",
            chain.node.rpc_url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    # cast prints one value per line, large ones followed by "[1.23e11]".
    return [line.split()[0] for line in result.stdout.strip().splitlines()]


def test_one_signed_report_is_posted_to_every_chain_and_read_by_cast(chains: Chains) -> None:
    now = int(time.time())
    report = PriceReport(ETH_USD, answer=3_150_25000000, updated_at=now, round_id=1)
    signatures = sign_report(report, SIGNERS[:2])
    feeds = {}
    for chain in chains:
        feeds[chain.node.spec.chain_id] = feed = deploy_feed(chain)
        assert bytes(feed.functions.reportDigest(*report.as_tuple()).call()) == report.digest()
        post(chain, feed, report, signatures)
    rounds = [cast_latest_round(chain, feeds[chain.node.spec.chain_id]) for chain in chains]
    assert rounds[0] == rounds[1] == ["1", "315025000000", str(now), str(now), "1"]


def test_a_report_signed_by_one_of_three_is_refused(chains: Chains) -> None:
    feed = deploy_feed(chains.market)
    report = PriceReport(ETH_USD, answer=3_000_00000000, updated_at=int(time.time()), round_id=1)
    with pytest.raises(TransactionReverted) as caught:
        post(chains.market, feed, report, sign_report(report, SIGNERS[:1]))
    assert caught.value.reason == "QuorumNotMet"
