"""A full deployment on the two test chains for the status tests, with the parts of
the story they need done in-process: signed prices posted, messages relayed by the
relay's own service loop, and the parties of tests/e2e/story.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from eth_account import Account
from web3 import Web3

from relayer.chains import devkeys
from relayer.chains.tx import Sender
from relayer.demo.parties import World
from relayer.deploy.everything import deploy_everything
from relayer.messaging.metrics import RelayMetrics
from relayer.messaging.service import RelayService
from relayer.messaging.store import Store
from relayer.oracle.feeds import ETH_USD, FEEDS, read_latest
from relayer.oracle.report import PriceReport, sign_report
from relayer.settings import Settings
from relayer.testbed.net import contracts, relay_settings, run_until, targets
from tests.conftest import Chains
from tests.e2e.story import (
    chain_time,
    world_of,
)

FEED_POSTER = Account.from_key(devkeys.FEEDER_KEY.get_secret_value())
ORACLE_SIGNERS = [
    Account.from_key(k.get_secret_value())
    for k in devkeys.ORACLE_SIGNER_KEYS[: devkeys.ORACLE_THRESHOLD]
]
VOL = 0.6


def deploy_world(chains: Chains, manifest_dir: Path) -> World:
    """Everything `crossflow deploy` puts on the chains, as the network `test`."""
    manifest = deploy_everything(
        targets(list(chains)), network="test", manifest_dir=manifest_dir, settings=Settings()
    )
    return world_of(manifest, chains.collateral, chains.market)


def post_prices(world: World, spot: float) -> None:
    """One signed round of spot (and a 60% vol) on every chain, as the feeder would
    post it."""
    for chain in (world.collateral, world.market_chain):
        chain_id = int(chain.node.spec.chain_id)
        deployment = world.manifest.chain(chain_id)
        sender = Sender(chain.web3, FEED_POSTER, chain_id)
        for spec in FEEDS:
            feed = chain.web3.eth.contract(
                address=Web3.to_checksum_address(deployment.contracts[spec.manifest_key]),
                abi=contracts().get("PriceFeed").abi,
            )
            latest = read_latest(feed)
            # Rounds must move forward in time, and at most a little ahead of the chain.
            stamp = max(chain_time(chain), latest.updated_at) + 1
            value = spot if spec is ETH_USD else VOL
            report = PriceReport(spec.id, spec.to_answer(value), stamp, latest.round_id + 1)
            call = feed.functions.submit(report.as_tuple(), sign_report(report, ORACLE_SIGNERS))
            sender.transact(call, "submit")


@contextmanager
def relay(world: World, workdir: Path) -> Iterator[Callable[[Callable[[], bool]], None]]:
    """`deliver(done)`: runs the relay's loop (indexer, validators, relayer, reruns of
    failed handlers) in this process until `done()`."""
    settings = relay_settings(workdir, handler_retry_base=0.05, handler_retry_max=0.1)
    with Store.open(workdir / "relay.sqlite") as store:
        service = RelayService(settings, world.manifest, contracts(), store, metrics=RelayMetrics())

        def deliver(done: Callable[[], bool]) -> None:
            run_until([service], done)

        yield deliver
