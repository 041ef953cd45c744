"""The message layer end to end on real Anvil chains: real mailboxes, real
signatures, the real relay loop."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from web3.types import RPCEndpoint

from relayer.messaging.service import Role
from relayer.messaging.store import MessageState, Store
from relayer.metrics_server import MetricsServer
from relayer.testbed.net import VALIDATORS, Chain, deploy_net, relay_settings, run_until, service
from tests.conftest import COLLATERAL_CHAIN_ID as COLLATERAL
from tests.conftest import MARKET_CHAIN_ID as MARKET
from tests.conftest import Chains

pytestmark = pytest.mark.e2e


def test_round_trip_in_both_directions(chains: Chains, tmp_path: Path) -> None:
    net = deploy_net(list(chains), tmp_path)
    there = net.dispatch(COLLATERAL, MARKET, b"credit")
    back = net.dispatch(MARKET, COLLATERAL, b"release")
    with Store.open(tmp_path / "relay.sqlite") as store:
        relay = service(net, relay_settings(tmp_path), store)
        run_until(
            [relay],
            lambda: (
                net.received(MARKET, COLLATERAL) == [b"credit"]
                and net.received(COLLATERAL, MARKET) == [b"release"]
            ),
        )
        for message in (there, back):
            assert net.mailboxes[message.destination].functions.delivered(message.id).call()
            states = [t.state for t in store.timeline(message.id)]
            assert states == [
                MessageState.SEEN,
                MessageState.ATTESTED,
                MessageState.SUBMITTED,
                MessageState.DELIVERED,
            ]


def test_two_of_three_quorum_with_one_validator_offline(chains: Chains, tmp_path: Path) -> None:
    net = deploy_net(list(chains), tmp_path, threshold=2)
    online = [v.key.hex() for v in VALIDATORS[:2]]
    message = net.dispatch(COLLATERAL, MARKET, b"two of three")
    with Store.open(tmp_path / "relay.sqlite") as store:
        relay = service(net, relay_settings(tmp_path, validator_keys=online), store)
        run_until([relay], lambda: net.received(MARKET, COLLATERAL) == [b"two of three"])
        assert len(store.attestations(message.id)) == 2


def test_one_of_three_signatures_is_not_a_quorum(chains: Chains, tmp_path: Path) -> None:
    net = deploy_net(list(chains), tmp_path, threshold=2)
    lonely = [VALIDATORS[0].key.hex()]
    message = net.dispatch(COLLATERAL, MARKET, b"not enough")
    with Store.open(tmp_path / "relay.sqlite") as store:
        relay = service(net, relay_settings(tmp_path, validator_keys=lonely), store)
        for _ in range(30):
            relay.iteration()
        row = store.message(message.id)
        assert row is not None
        assert row.state is MessageState.SEEN
        assert net.received(MARKET, COLLATERAL) == []


def rpc(chain: Chain, method: str, *params: object) -> object:
    return chain.web3.provider.make_request(RPCEndpoint(method), list(params))["result"]


def mine(chain: Chain, blocks: int) -> None:
    for _ in range(blocks):
        rpc(chain, "evm_mine")


def test_reorged_message_is_never_delivered_and_a_remined_one_once(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path)
    origin = chains.collateral
    message, raw_tx = net.signed_dispatch(COLLATERAL, MARKET, b"orphan me")
    origin.web3.eth.send_raw_transaction(raw_tx)
    mined_at = origin.web3.eth.block_number
    settings = relay_settings(tmp_path, confirmations=3)
    with Store.open(settings.store) as store:
        relay = service(net, settings, store)

        def state() -> MessageState | None:
            row = store.message(message.id)
            return row.state if row else None

        run_until([relay], lambda: state() is MessageState.SEEN)

        # The block is replaced before validators consider it final.
        rpc(origin, "anvil_reorg", 1, [])
        mine(origin, 5)
        run_until([relay], lambda: state() is MessageState.ORPHANED)
        for _ in range(40):
            relay.iteration()
        assert state() is MessageState.ORPHANED
        assert store.attestations(message.id) == {}
        assert not net.mailboxes[MARKET].functions.delivered(message.id).call()

        # The same transaction is mined again in a new fork: delivered exactly once.
        rpc(
            origin,
            "anvil_reorg",
            origin.web3.eth.block_number - mined_at + 1,
            [["0x" + raw_tx.hex(), 0]],
        )
        mine(origin, 5)
        run_until([relay], lambda: state() is MessageState.DELIVERED)
        for _ in range(20):
            relay.iteration()
    assert net.received(MARKET, COLLATERAL) == [b"orphan me"]
    states = [t.state for t in Store.open(settings.store).timeline(message.id)]
    assert states[:3] == [MessageState.SEEN, MessageState.ORPHANED, MessageState.SEEN]
    assert states.count(MessageState.DELIVERED) == 1


def test_faults_lose_duplicate_reorder_and_delay_yet_deliver_once_in_order(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path)
    bodies = [f"m{i}".encode() for i in range(8)]
    for body in bodies:
        net.dispatch(COLLATERAL, MARKET, body)
        net.dispatch(MARKET, COLLATERAL, body)
    faults = {
        "seed": 7,
        "drop_rate": 0.3,
        "duplicate_rate": 0.3,
        "reorder": True,
        "delay": {f"{COLLATERAL}->{MARKET}": 0.3},
    }
    settings = relay_settings(
        tmp_path, faults=faults, batch_size=3, backoff_base=0.02, backoff_max=0.1
    )
    with Store.open(settings.store) as store:
        relay = service(net, settings, store)
        run_until(
            [relay],
            lambda: (
                len(net.received(MARKET, COLLATERAL)) == len(bodies)
                and len(net.received(COLLATERAL, MARKET)) == len(bodies)
            ),
            timeout=60,
        )
        for _ in range(20):
            relay.iteration()
        delayed = store.latencies((COLLATERAL, MARKET))
        assert store.counts_by_state()["delivered"] == 2 * len(bodies)
    assert net.received(MARKET, COLLATERAL) == bodies
    assert net.received(COLLATERAL, MARKET) == bodies
    assert min(delayed) >= 0.3


def test_metrics_and_health_are_served(chains: Chains, tmp_path: Path) -> None:
    net = deploy_net(list(chains), tmp_path)
    net.dispatch(COLLATERAL, MARKET, b"counted")
    with Store.open(tmp_path / "relay.sqlite") as store:
        relay = service(net, relay_settings(tmp_path), store)
        server = MetricsServer(relay.metrics, "127.0.0.1", 0, max_silence=30)
        try:
            run_until([relay], lambda: net.received(MARKET, COLLATERAL) == [b"counted"])
            base = f"http://127.0.0.1:{server.port}"
            with urllib.request.urlopen(f"{base}/metrics") as response:  # noqa: S310
                text = response.read().decode()
            with urllib.request.urlopen(f"{base}/healthz") as response:  # noqa: S310
                assert response.status == 200
        finally:
            server.close()
    route = f'route="{COLLATERAL}->{MARKET}"'
    assert f'crossflow_messages_total{{{route},status="delivered"}} 1.0' in text
    assert f"crossflow_relay_latency_seconds_count{{{route}}} 1.0" in text
    assert "crossflow_queue_depth" in text


def test_validators_and_relayer_run_as_separate_roles(chains: Chains, tmp_path: Path) -> None:
    net = deploy_net(list(chains), tmp_path)
    message = net.dispatch(COLLATERAL, MARKET, b"split roles")
    settings = relay_settings(tmp_path)
    with Store.open(settings.store) as validator_store, Store.open(settings.store) as relay_store:
        validators = service(net, settings, validator_store, role=Role.VALIDATOR)
        assert validators.relayer is None
        relayer = service(net, settings, relay_store, role=Role.RELAYER)
        assert relayer.validator is None
        run_until(
            [validators, relayer], lambda: net.received(MARKET, COLLATERAL) == [b"split roles"]
        )
        assert len(relay_store.attestations(message.id)) == 3
