"""The feeder against real Anvil chains: the same signed rounds everywhere,
heartbeat and deviation, staleness, a chain that goes away and comes back,
and the lag and skew experiment controls.

The tests drive `Feeder.tick(now)` with a clock of their own, a few seconds
around the wall clock, so a minute of feeding takes a fraction of a second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from relayer.chains import devkeys
from relayer.chains.manifest import Manifest
from relayer.chains.tx import Sender
from relayer.cli.feed import read_prices
from relayer.oracle.feeder import Feeder
from relayer.oracle.feeds import ETH_IV, ETH_USD, FeedSpec
from relayer.oracle.price_sources import Gbm, Tick, constant
from relayer.settings import FeedSettings
from relayer.testbed.net import Chain, contracts, deploy_feeds, restartable_chains
from tests.conftest import COLLATERAL_CHAIN_ID, MARKET_CHAIN_ID, Chains, rpc

pytestmark = pytest.mark.e2e

SIGNERS = [Account.from_key(k.get_secret_value()) for k in devkeys.ORACLE_SIGNER_KEYS]
POSTER = Account.from_key(devkeys.FEEDER_KEY.get_secret_value())
FEED_STALE = Web3.keccak(text="FeedStale(address,uint256,uint256)")[:4].to_0x_hex()
USER = Account.from_key(devkeys.USER_KEYS[2].get_secret_value())  # not the poster: own nonces


def make_feeder(
    manifest: Manifest, source: Iterator[Tick], now: float, **settings: object
) -> Feeder:
    return Feeder(
        FeedSettings.model_validate({"heartbeat": 1.0} | settings),
        manifest,
        contracts(),
        source,
        signers=SIGNERS,
        poster=POSTER,
        clock=now,
    )


def feed(chain: Chain, manifest: Manifest, spec: FeedSpec) -> Contract:
    address = manifest.chain(chain.node.spec.chain_id).contracts[spec.manifest_key]
    return chain.web3.eth.contract(
        address=Web3.to_checksum_address(address), abi=contracts().get("PriceFeed").abi
    )


def rounds(chain: Chain, manifest: Manifest, spec: FeedSpec) -> list[tuple[int, int, int]]:
    """(round, answer, updatedAt) of every round the chain holds, oldest first."""
    contract = feed(chain, manifest, spec)
    held = []
    for round_id in range(1, contract.functions.latestRound().call() + 1):
        try:
            _, answer, _, updated_at, _ = contract.functions.getRoundData(round_id).call()
        except ContractLogicError:
            continue  # a round this chain never got
        held.append((round_id, answer, updated_at))
    return held


def feed_for(feeder: Feeder, start: float, seconds: int) -> float:
    """One tick per simulated second; returns the simulated time at the end."""
    for offset in range(seconds + 1):
        feeder.tick(start + offset)
    return start + seconds


@pytest.fixture
def manifest(chains: Chains, tmp_path: Path) -> Manifest:
    return deploy_feeds(list(chains), tmp_path)


def test_every_chain_holds_the_same_signed_rounds(chains: Chains, manifest: Manifest) -> None:
    start = time.time()
    gbm = Gbm(seed=7, price=3000.0, sigma=2.0, jump_rate=50.0, jump_size=0.02)
    feeder = make_feeder(manifest, gbm.ticks(int(start), 1), start)
    feed_for(feeder, start, 5)

    for spec in (ETH_USD, ETH_IV):
        signed = [
            (r.report.round_id, r.report.answer, r.report.updated_at)
            for r in feeder.history[spec.name]
        ]
        assert len(signed) == 6  # the first report, then one per heartbeat
        assert rounds(chains.collateral, manifest, spec) == signed
        assert rounds(chains.market, manifest, spec) == signed
    assert len({answer for _, answer, _ in rounds(chains.market, manifest, ETH_USD)}) > 1
    assert rounds(chains.market, manifest, ETH_IV)[0][1] == 2 * 10**18  # sigma, as a WAD


def test_a_round_comes_on_the_heartbeat_or_on_a_deviation(
    chains: Chains, manifest: Manifest
) -> None:
    prices = [3000.0, 3001.0, 3002.0, 3040.0, 3041.0, 3041.5, 3042.0]  # one 1.3% move
    ticks = iter([Tick(1_000 + i, p, 0.6) for i, p in enumerate(prices)])
    start = time.time()
    feeder = make_feeder(manifest, ticks, start, heartbeat=5.0, deviation_bps=100.0)
    feed_for(feeder, start, 6)

    spot = [(round_id, answer) for round_id, answer, _ in rounds(chains.market, manifest, ETH_USD)]
    # t=0 first report, t=3 the move beyond 1%, t=8 would be the next heartbeat.
    assert spot == [(1, 3000_00000000), (2, 3040_00000000)]
    # The vol never moves, so only the heartbeat renews it: t=0 and t=5.
    assert [r[0] for r in rounds(chains.market, manifest, ETH_IV)] == [1, 2]


def test_staleness_is_seen_by_a_consumer_and_by_crossflow_prices(
    chains: Chains, manifest: Manifest
) -> None:
    start = time.time()
    feeder = make_feeder(manifest, constant(3000.0, 0.6, int(start), 1), start)
    feeder.tick(start)
    market = chains.market
    consumer = deploy_consumer(market, feed(market, manifest, ETH_USD), max_age=60, grace=30)
    assert consumer.functions.freshAnswer().call()[0] == 3000_00000000
    assert {row.state for row in read_prices(manifest, max_age=60)} == {"fresh"}

    set_time([chains.collateral, market], int(start) + 61)  # the feeder stopped meanwhile
    with pytest.raises(ContractLogicError, match=FEED_STALE):
        consumer.functions.freshAnswer().call()
    assert {row.state for row in read_prices(manifest, max_age=60)} == {"STALE"}
    poke(market, consumer)
    assert consumer.functions.liquidationsAllowed().call() is False

    feeder.tick(start + 62)  # reports keep the wall clock, within the chains' future skew
    assert consumer.functions.freshAnswer().call()[0] == 3000_00000000
    poke(market, consumer)
    assert consumer.functions.liquidationsAllowed().call() is False  # the grace period
    set_time([market], int(start) + 93)
    feeder.tick(start + 93)
    assert consumer.functions.liquidationsAllowed().call() is True


def test_lag_and_skew_change_only_their_chain(chains: Chains, manifest: Manifest) -> None:
    start = time.time()
    gbm = Gbm(seed=3, price=3000.0, sigma=1.0)
    feeder = make_feeder(
        manifest,
        gbm.ticks(int(start), 1),
        start,
        lag={MARKET_CHAIN_ID: 2.0},
        skew_bps={MARKET_CHAIN_ID: 100.0},
    )
    feed_for(feeder, start, 6)

    collateral = dict((r, a) for r, a, _ in rounds(chains.collateral, manifest, ETH_USD))
    market = dict((r, a) for r, a, _ in rounds(chains.market, manifest, ETH_USD))
    assert max(collateral) == 7
    assert max(market) == 5  # two seconds behind
    for round_id, answer in market.items():
        assert answer == round(collateral[round_id] * 1.01)


def test_a_restarted_feeder_continues_after_the_highest_round(
    chains: Chains, manifest: Manifest
) -> None:
    start = time.time()
    feed_for(make_feeder(manifest, constant(3000.0, 0.6, int(start), 1), start), start, 2)
    again = make_feeder(manifest, constant(3100.0, 0.6, int(start) + 3, 1), start + 3)
    again.tick(start + 3)
    assert rounds(chains.market, manifest, ETH_USD)[-1][:2] == (4, 3100_00000000)


def test_a_chain_that_goes_down_is_caught_up_when_it_returns(
    anvil_binary: Path, tmp_path: Path
) -> None:
    ids = [COLLATERAL_CHAIN_ID, MARKET_CHAIN_ID]
    with restartable_chains(anvil_binary, ids, tmp_path / "nodes") as nodes:
        manifest = deploy_feeds(nodes.chains, tmp_path)
        start = time.time()
        gbm = Gbm(seed=11, price=3000.0, sigma=1.0)
        feeder = make_feeder(manifest, gbm.ticks(int(start), 1), start)
        now = feed_for(feeder, start, 2)

        nodes.stop(1)
        now = feed_for(feeder, now + 1, 3)  # posting goes on to the collateral chain
        assert len(rounds(nodes.chains[0], manifest, ETH_USD)) == 7

        market = nodes.restart(1)
        feeder.tick(now + 30)  # past the longest retry pause of a down chain
        latest = feeder.history[ETH_USD.name][-1].report
        held = rounds(market, manifest, ETH_USD)
        # Rounds 1-3 from before, then straight to the newest: one catch-up submit.
        assert [r[0] for r in held] == [1, 2, 3, latest.round_id]
        assert held[-1] == (latest.round_id, latest.answer, latest.updated_at)
        assert feeder.in_sync()


def test_a_feeder_started_while_a_chain_is_down_catches_it_up_later(
    anvil_binary: Path, tmp_path: Path
) -> None:
    ids = [COLLATERAL_CHAIN_ID, MARKET_CHAIN_ID]
    with restartable_chains(anvil_binary, ids, tmp_path / "nodes") as nodes:
        manifest = deploy_feeds(nodes.chains, tmp_path)
        nodes.stop(1)
        start = time.time()
        feeder = make_feeder(manifest, constant(3000.0, 0.6, int(start), 1), start)
        now = feed_for(feeder, start, 2)
        assert len(rounds(nodes.chains[0], manifest, ETH_USD)) == 3

        market = nodes.restart(1)
        feeder.tick(now + 30)  # past the longest retry pause of a down chain
        assert [r[0] for r in rounds(market, manifest, ETH_USD)] == [4]


def deploy_consumer(chain: Chain, price_feed: Contract, max_age: int, grace: int) -> Contract:
    sender = Sender(chain.web3, USER, chain.node.spec.chain_id)
    return sender.deploy(contracts().get("FeedConsumerHarness"), price_feed.address, max_age, grace)


def poke(chain: Chain, consumer: Contract) -> None:
    Sender(chain.web3, USER, chain.node.spec.chain_id).transact(consumer.functions.poke(), "poke")


def set_time(chains: Sequence[Chain], timestamp: int) -> None:
    """Mine a block at `timestamp` on each chain."""
    for chain in chains:
        rpc(chain, "evm_mine", timestamp)
