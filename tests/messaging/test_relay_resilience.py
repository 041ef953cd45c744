"""The relay under crashes and outages: three chains, a relayer SIGKILLed at
random points, a node that dies and comes back."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from relayer.chains import devkeys
from relayer.chains.anvil import free_ports, plan_chains, start_nodes, stop_nodes
from relayer.chains.chain import connect
from relayer.messaging.store import MessageState, Store
from relayer.testbed.net import (
    Chain,
    deploy_net,
    relay_settings,
    restartable_chains,
    run_until,
    running_chains,
    service,
)
from tests.conftest import COLLATERAL_CHAIN_ID as COLLATERAL
from tests.conftest import MARKET_CHAIN_ID as MARKET
from tests.conftest import Chains
from tests.console import CROSSFLOW, clean_environment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

THIRD = 31339


@pytest.fixture(scope="module")
def three_chains(
    anvil_binary: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Chain]]:
    with running_chains(
        anvil_binary, [COLLATERAL, MARKET, THIRD], tmp_path_factory.mktemp("three")
    ) as chains:
        yield chains


def test_three_chains_every_route(three_chains: list[Chain], tmp_path: Path) -> None:
    net = deploy_net(three_chains, tmp_path)
    domains = [COLLATERAL, MARKET, THIRD]
    routes = [(o, d) for o in domains for d in domains if o != d]
    for origin, destination in routes:
        net.dispatch(origin, destination, f"{origin}->{destination}".encode())
    with Store.open(tmp_path / "relay.sqlite") as store:
        relay = service(net, relay_settings(tmp_path), store)
        run_until(
            [relay],
            lambda: all(net.received(d, o) == [f"{o}->{d}".encode()] for o, d in routes),
        )


def relay_env(tmp_path: Path) -> dict[str, str]:
    return clean_environment() | {
        "CROSSFLOW_NETWORK": "test",
        "CROSSFLOW_MANIFEST_DIR": str(tmp_path),
        "CROSSFLOW_RELAY__STORE": str(tmp_path / "relay.sqlite"),
        "CROSSFLOW_RELAY__METRICS_PORT": "0",
        "CROSSFLOW_RELAY__POLL_INTERVAL": "0.02",
        "CROSSFLOW_RELAY__BATCH_SIZE": "3",
        "CROSSFLOW_RELAY__VALIDATOR_KEYS": json.dumps(
            [k.get_secret_value() for k in devkeys.VALIDATOR_KEYS]
        ),
        "CROSSFLOW_RELAY__RELAYER_KEY": devkeys.RELAYER_KEY.get_secret_value(),
    }


def start_relay(tmp_path: Path, run: int) -> subprocess.Popen[bytes]:
    log = (tmp_path / f"relay-{run}.log").open("wb")
    return subprocess.Popen(
        [str(CROSSFLOW), "relay"], env=relay_env(tmp_path), stdout=log, stderr=log
    )


def test_relayer_killed_at_random_points_delivers_each_message_once(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path)
    chaos = random.Random(2026)  # noqa: S311 - reproducible kill points
    sent: dict[tuple[int, int], list[bytes]] = {(COLLATERAL, MARKET): [], (MARKET, COLLATERAL): []}

    for run in range(20):
        for (origin, destination), bodies in sent.items():
            for _ in range(2):
                body = f"run {run} #{len(bodies)}".encode()
                net.dispatch(origin, destination, body)
                bodies.append(body)
        relay = start_relay(tmp_path, run)
        time.sleep(chaos.uniform(0.3, 2.0))
        relay.send_signal(signal.SIGKILL)
        relay.wait()

    relay = start_relay(tmp_path, 20)
    try:
        deadline = time.monotonic() + 60
        while "relaying on" not in (tmp_path / "relay-20.log").read_text():
            assert time.monotonic() < deadline, "the relay never started"
            assert relay.poll() is None, (tmp_path / "relay-20.log").read_text()
            time.sleep(0.05)
        while any(net.received(d, o) != bodies for (o, d), bodies in sent.items()):
            assert time.monotonic() < deadline, "not all messages delivered after the crashes"
            assert relay.poll() is None, (tmp_path / "relay-20.log").read_text()
            time.sleep(0.1)
    finally:
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=30) == 0

    for (origin, destination), bodies in sent.items():
        assert net.received(destination, origin) == bodies  # each once, in order
    with Store.open(tmp_path / "relay.sqlite") as store:
        rows = store.messages(limit=1000)
        assert len(rows) == sum(len(b) for b in sent.values())
        for row in rows:
            assert row.state is MessageState.DELIVERED
            delivered = [t for t in store.timeline(row.id) if t.state is MessageState.DELIVERED]
            assert len(delivered) == 1


def test_relayer_recovers_when_a_node_dies_and_returns(anvil_binary: Path, tmp_path: Path) -> None:
    with restartable_chains(anvil_binary, [COLLATERAL, MARKET], tmp_path / "nodes") as nodes:
        net = deploy_net(nodes.chains, tmp_path)
        first = [f"before {i}".encode() for i in range(3)]
        for body in first:
            net.dispatch(COLLATERAL, MARKET, body)
        with Store.open(tmp_path / "relay.sqlite") as store:
            relay = service(net, relay_settings(tmp_path, backoff_base=0.05), store)
            run_until([relay], lambda: net.received(MARKET, COLLATERAL) == first)

            nodes.stop(1)  # the market node goes away mid-run
            second = [f"during {i}".encode() for i in range(3)]
            for body in second:
                net.dispatch(COLLATERAL, MARKET, body)
            outage_end = time.monotonic() + 1.5
            while time.monotonic() < outage_end:
                relay.iteration()  # must neither crash nor give up on the messages
                time.sleep(0.02)
            assert store.counts_by_state()["dead_lettered"] == 0

            nodes.restart(1)
            run_until([relay], lambda: net.received(MARKET, COLLATERAL) == first + second)


def test_chains_with_block_times_deliver_without_wasted_attempts(
    anvil_binary: Path, tmp_path: Path
) -> None:
    """With interval mining a sent batch is not in the state the next estimate
    sees; the relayer must neither fail on that nor count it against messages."""
    specs = plan_chains([COLLATERAL, MARKET], free_ports(2))
    nodes = start_nodes(
        anvil_binary,
        specs,
        host="127.0.0.1",
        log_dir=tmp_path / "nodes",
        block_time=0.5,
        die_with_parent=True,
    )
    try:
        chains = [Chain(n, connect(n.rpc_url, n.spec.chain_id)) for n in nodes]
        net = deploy_net(chains, tmp_path)
        net.dispatch_many(COLLATERAL, MARKET, 12, b"interval")
        settings = relay_settings(tmp_path, batch_size=3)
        with Store.open(settings.store) as store:
            relay = service(net, settings, store)
            run_until([relay], lambda: len(net.received(MARKET, COLLATERAL)) == 12, timeout=60)
            rows = store.messages(limit=100)
            assert [row.state for row in rows] == [MessageState.DELIVERED] * 12
            assert [row.attempts for row in rows] == [0] * 12
    finally:
        stop_nodes(nodes)
