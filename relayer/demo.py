"""`crossflow demo`: the live two-chain demo.

Brings up the devnet (unless it runs), compiles, deploys the mailboxes (the
manifest goes to deployments/local.json), sends a message each way, relays
them with real validator signatures, and shows what happened.
"""

from __future__ import annotations

import threading
import time

from relayer import devnet
from relayer.chain import connect
from relayer.metrics import RelayMetrics
from relayer.service import RelayService
from relayer.settings import DevnetSettings, Settings
from relayer.store import MessageState, Store
from relayer.testbed import Chain, contracts, deploy_net

DEMO_TIMEOUT_S = 60


def run_demo(settings: Settings, devnet_settings: DevnetSettings) -> list[str]:
    """Relay one message each way between the first two chains; returns their ids."""
    nodes = devnet.read_state(devnet_settings.state_dir / "state.json")
    chains = [Chain(n, connect(n.rpc_url, n.spec.chain_id)) for n in nodes]
    net = deploy_net(chains, settings.relay.manifest_dir, network="local")
    collateral, market = (c.node.spec.chain_id for c in chains[:2])
    sent = [
        net.dispatch(collateral, market, b"CREDIT alice 1000 USDC"),
        net.dispatch(market, collateral, b"RELEASE alice 250 USDC"),
    ]
    relay_settings = settings.relay.model_copy(
        update={"network": "local", "store": devnet_settings.state_dir / "relay.sqlite"}
    )
    with Store.open(relay_settings.store) as store:
        service = RelayService(
            relay_settings, net.manifest, contracts(), store, metrics=RelayMetrics()
        )
        stop = threading.Event()
        worker = threading.Thread(target=service.run, args=(stop,), daemon=True)
        worker.start()
        try:
            deadline = time.monotonic() + DEMO_TIMEOUT_S
            while not all(_delivered(store, m.id) for m in sent):
                if time.monotonic() > deadline or not worker.is_alive():
                    raise TimeoutError("the demo messages were not relayed in time")
                time.sleep(0.05)
        finally:
            stop.set()
            worker.join()
    return [m.id for m in sent]


def _delivered(store: Store, message_id: str) -> bool:
    row = store.message(message_id)
    return row is not None and row.state is MessageState.DELIVERED
