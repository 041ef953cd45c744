"""`crossflow demo`: the live demo on the devnet's chains (two or more).

Deploys the mailboxes and the price feeds (the manifest goes to
deployments/local.json), sends a message each way between the first two
chains, relays them with real validator signatures, has the feeder post
signed price rounds to every chain, and returns what the CLI shows.
"""

from __future__ import annotations

import threading
import time

from eth_account import Account

from relayer.chains import devkeys, devnet
from relayer.chains.chain import connect
from relayer.chains.manifest import Manifest
from relayer.errors import DemoTimedOut, StoreOfAnotherDeployment
from relayer.messaging.metrics import RelayMetrics
from relayer.messaging.service import RelayService
from relayer.messaging.store import MessageState, Store
from relayer.oracle.feeder import Feeder
from relayer.oracle.price_sources import open_source
from relayer.settings import DevnetSettings, RelaySettings, Settings
from relayer.testbed.net import Chain, contracts, deploy_feeds, deploy_net

DEMO_TIMEOUT_S = 60
DEMO_PRICE_ROUNDS = 3


def run_demo(settings: Settings, devnet_settings: DevnetSettings) -> tuple[list[str], Manifest]:
    """Relay one message each way between the first two chains and post a few
    price rounds to every chain; returns the message ids and the manifest."""
    nodes = devnet.read_state(devnet_settings.state_dir / "state.json")
    chains = [Chain(n, connect(n.rpc_url, n.spec.chain_id)) for n in nodes]
    net = deploy_net(chains, settings.manifest_dir, network="local")
    collateral, market = (c.node.spec.chain_id for c in chains[:2])
    sent = [
        net.dispatch(collateral, market, b"CREDIT alice 1000 USDC"),
        net.dispatch(market, collateral, b"RELEASE alice 250 USDC"),
    ]
    relay_settings = settings.relay.model_copy(
        update={"network": "local", "store": devnet_settings.state_dir / "relay.sqlite"}
    )
    with Store.open(relay_settings.store) as store:
        service = _relay_service(relay_settings, net.manifest, store)
        stop = threading.Event()
        failures: list[BaseException] = []

        def relay() -> None:
            # Raised again in this thread: one error line, not a thread's traceback.
            try:
                service.run(stop)
            except BaseException as err:
                failures.append(err)

        worker = threading.Thread(target=relay, daemon=True)
        worker.start()
        try:
            deadline = time.monotonic() + DEMO_TIMEOUT_S
            while not all(_delivered(store, m.id) for m in sent):
                if failures:
                    raise failures[0]
                if time.monotonic() > deadline or not worker.is_alive():
                    raise DemoTimedOut(DEMO_TIMEOUT_S, devnet_settings.state_dir)
                time.sleep(0.05)
        finally:
            stop.set()
            worker.join()
    manifest = deploy_feeds(chains, settings.manifest_dir, network="local")
    _feed_prices(settings, manifest)
    return [m.id for m in sent], manifest


def _relay_service(settings: RelaySettings, manifest: Manifest, store: Store) -> RelayService:
    """The relay on the devnet's state file; one left by the mailboxes of an earlier
    deploy describes messages that can never recur, so the demo starts it afresh."""
    try:
        return RelayService(settings, manifest, contracts(), store, metrics=RelayMetrics())
    except StoreOfAnotherDeployment:
        store.clear()
        return RelayService(settings, manifest, contracts(), store, metrics=RelayMetrics())


def _feed_prices(settings: Settings, manifest: Manifest) -> None:
    """A few GBM rounds, one a second, each signed once and posted to every chain."""
    feed_settings = settings.feed.model_copy(update={"heartbeat": 1.0})
    feeder = Feeder(
        feed_settings,
        manifest,
        contracts(),
        open_source(feed_settings, int(time.time())),
        signers=[Account.from_key(k.get_secret_value()) for k in devkeys.ORACLE_SIGNER_KEYS],
        poster=Account.from_key(devkeys.FEEDER_KEY.get_secret_value()),
    )
    feeder.run(threading.Event(), max_rounds=DEMO_PRICE_ROUNDS)


def _delivered(store: Store, message_id: str) -> bool:
    row = store.message(message_id)
    return row is not None and row.state is MessageState.DELIVERED
