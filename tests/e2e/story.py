"""The pieces of the cross-chain story on live chains: everything deployed through
the real deploy path, `crossflow relay`, `crossflow feed` and `crossflow keep`
running as processes, and the parties acting through the Python clients."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_account import Account

from relayer.chains import devkeys
from relayer.chains.manifest import Manifest
from relayer.demo.agents import Agents
from relayer.demo.parties import Party, World
from relayer.testbed.net import Chain, contracts
from tests.console import CROSSFLOW, clean_environment

DEPLOYER = Account.from_key(devkeys.DEPLOYER_KEY.get_secret_value())
KEEPER = Account.from_key(devkeys.USER_KEYS[2].get_secret_value())  # KeeperSettings' dev key


class Processes(Agents):
    """`crossflow` agents as processes sharing one manifest directory."""

    def kill(self, name: str) -> None:
        """SIGKILL: no chance to clean up, as a crash."""
        self.stop(name, signal.SIGKILL)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CROSSFLOW), *args], env=dict(self.env), capture_output=True, text=True, check=False
        )


def agent_env(workdir: Path, **extra: str) -> dict[str, str]:
    return clean_environment(
        CROSSFLOW_NETWORK="test",
        CROSSFLOW_MANIFEST_DIR=str(workdir),
        CROSSFLOW_RELAY__STORE=str(workdir / "relay.sqlite"),
        CROSSFLOW_RELAY__METRICS_PORT="0",
        CROSSFLOW_RELAY__POLL_INTERVAL="0.1",
        CROSSFLOW_RELAY__VALIDATOR_KEYS=json.dumps(
            [k.get_secret_value() for k in devkeys.VALIDATOR_KEYS]
        ),
        CROSSFLOW_RELAY__RELAYER_KEY=devkeys.RELAYER_KEY.get_secret_value(),
        CROSSFLOW_FEED__SIGNER_KEYS=json.dumps(
            [k.get_secret_value() for k in devkeys.ORACLE_SIGNER_KEYS]
        ),
        CROSSFLOW_FEED__POSTER_KEY=devkeys.FEEDER_KEY.get_secret_value(),
        CROSSFLOW_KEEPER__KEY=devkeys.USER_KEYS[2].get_secret_value(),
        CROSSFLOW_KEEPER__STATE_FILE=str(workdir / "keeper.sqlite"),
        CROSSFLOW_KEEPER__POLL_INTERVAL="0.5",
        **extra,
    )


@contextmanager
def agents(workdir: Path) -> Iterator[Processes]:
    processes = Processes(workdir, agent_env(workdir))
    try:
        yield processes
    finally:
        processes.stop_all()


def world_of(manifest: Manifest, collateral: Chain, market: Chain) -> World:
    """The deployment from `collateral`'s side, the dev deployer as its owner."""
    return World.of(manifest, collateral, market, DEPLOYER, contracts())


def wait_for(
    what: str, done: Callable[[], bool], processes: Processes, timeout: float = 90
) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        processes.check_alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.25)


def list_put(owner: Party, market: Chain, strike: Decimal, life: int) -> int:
    """The owner lists a put expiring `life` seconds from now (tick 0.1, lot 0.1)."""
    return owner.market.list_series(
        strike=strike,
        expiry=chain_time(market) + life,
        is_call=False,
        tick_size=Decimal("0.1"),
        lot_size=Decimal("0.1"),
        max_price=Decimal(1000),
    )


def chain_time(chain: Chain) -> int:
    return int(chain.web3.eth.get_block("latest")["timestamp"])


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def feed(run: Processes, price: str) -> None:
    """(Re)starts the feeder posting a constant `price` every 3 s or on any move."""
    if "feed" in run.running:
        run.kill("feed")
    run.start("feed", "--source", "constant", "--heartbeat", "3", CROSSFLOW_FEED__PRICE=price)


def sell_with_just_enough_margin(
    world: World,
    run: Processes,
    seller: Party,
    series: int,
    *,
    price: Decimal,
    amount: Decimal,
    slack: Decimal = Decimal(2),
) -> None:
    """The seller deposits what its order needs, plus `slack` dollars, and sells."""
    missing = world.missing_margin(seller, series, price, amount)
    world.fund(seller, world.usd, missing.quantize(Decimal(1)) + slack)
    wait_for(
        "enough margin to sell",
        lambda: world.missing_margin(seller, series, price, amount) == 0,
        run,
    )
    seller.market.place(series, is_bid=False, price=price, amount=amount)
    assert seller.market.account(seller.address).positions == {series: -amount}
