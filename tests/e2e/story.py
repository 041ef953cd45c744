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
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_abi.abi import decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractCustomError

from relayer.chains import devkeys
from relayer.chains.manifest import Manifest
from relayer.chains.tx import Sender
from relayer.collateral.client import VaultClient
from relayer.collateral.tokens import USD, VAULT_KEY, WETH
from relayer.deploy.collateral import MARKET_KEY
from relayer.market.client import OrderKind
from relayer.market.ledger import LedgerClient
from relayer.market.units import from_wad
from relayer.oracle.feeds import ETH_USD
from relayer.testbed.net import Chain, contracts
from tests.console import CROSSFLOW, clean_environment

DEPLOYER = Account.from_key(devkeys.DEPLOYER_KEY.get_secret_value())
KEEPER = Account.from_key(devkeys.USER_KEYS[2].get_secret_value())  # KeeperSettings' dev key
INSUFFICIENT_MARGIN = Web3.keccak(text="MarketInsufficientMargin(address,int256,uint256)")[:4]


@dataclass
class Processes:
    """`crossflow` agents as processes sharing one manifest directory."""

    workdir: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    runs: int = 0

    def env(self, **extra: str) -> dict[str, str]:
        return clean_environment(
            CROSSFLOW_NETWORK="test",
            CROSSFLOW_MANIFEST_DIR=str(self.workdir),
            CROSSFLOW_RELAY__STORE=str(self.workdir / "relay.sqlite"),
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
            CROSSFLOW_KEEPER__STATE_FILE=str(self.workdir / "keeper.sqlite"),
            CROSSFLOW_KEEPER__POLL_INTERVAL="0.5",
            **extra,
        )

    def start(self, name: str, *args: str, **env: str) -> None:
        self.runs += 1
        log = (self.workdir / f"{name}-{self.runs}.log").open("wb")
        self.running[name] = subprocess.Popen(
            [str(CROSSFLOW), *args], env=self.env(**env), stdout=log, stderr=log
        )

    def kill(self, name: str) -> None:
        """SIGKILL: no chance to clean up, as a crash."""
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for name in list(self.running):
            self.kill(name)

    def check_alive(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                logs = sorted(self.workdir.glob(f"{name}-*.log"))
                raise AssertionError(f"{name} exited: {logs[-1].read_text()[-3000:]}")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CROSSFLOW), *args], env=self.env(), capture_output=True, text=True, check=False
        )


@contextmanager
def agents(workdir: Path) -> Iterator[Processes]:
    processes = Processes(workdir)
    try:
        yield processes
    finally:
        processes.stop_all()


@dataclass
class Party:
    """One account on both chains: its vault client and its market client."""

    account: LocalAccount
    vault: VaultClient
    market: LedgerClient

    @property
    def address(self) -> str:
        return str(self.account.address)


@dataclass
class World:
    manifest: Manifest
    collateral: Chain
    market_chain: Chain
    usd: str
    weth: str
    senders: dict[str, Sender] = field(default_factory=dict)

    @property
    def owner(self) -> Party:
        return self.party(DEPLOYER)

    @property
    def domain(self) -> int:
        return int(self.collateral.node.spec.chain_id)

    def on(self, chain: Chain) -> World:
        """The same world seen from another collateral chain (its vault and tokens)."""
        usd, weth = tokens(self.manifest, int(chain.node.spec.chain_id))
        return replace(self, collateral=chain, usd=usd, weth=weth)

    def party(self, account: LocalAccount) -> Party:
        compiled = contracts()
        chains = {"vault": self.collateral, "market": self.market_chain}
        senders = {
            role: self.senders.setdefault(
                f"{chain.node.spec.chain_id}:{account.address}",
                Sender(chain.web3, account, chain.node.spec.chain_id),
            )
            for role, chain in chains.items()
        }
        collateral = self.manifest.chain(self.domain)
        vault = self.collateral.web3.eth.contract(
            address=Web3.to_checksum_address(collateral.contracts[VAULT_KEY]),
            abi=compiled.get("ICollateralVault").abi,
        )
        market_deployment = self.manifest.chain(int(self.market_chain.node.spec.chain_id))
        market = self.market_chain.web3.eth.contract(
            address=Web3.to_checksum_address(market_deployment.contracts[MARKET_KEY]),
            abi=compiled.get("IOptionsMarket").abi,
        )
        return Party(
            account,
            VaultClient(vault, compiled.get("IFaucetToken").abi, senders["vault"], chain="c"),
            LedgerClient(market, senders["market"]),
        )

    def mint(self, token: str, to: str, amount: Decimal) -> None:
        """The owner mints test tokens (18 decimals) to `to`."""
        faucet = self.collateral.web3.eth.contract(
            address=Web3.to_checksum_address(token), abi=contracts().get("IFaucetToken").abi
        )
        sender = self.owner.vault.sender
        assert sender is not None
        sender.transact(faucet.functions.mint(to, int(amount * 10**18)), "mint")

    def fund(self, party: Party, token: str, amount: Decimal) -> None:
        """Mints `amount` to `party` and commits it to the market."""
        self.mint(token, party.address, amount)
        party.vault.deposit(token, amount)

    def missing_margin(
        self, party: Party, series_id: int, price: Decimal, amount: Decimal
    ) -> Decimal:
        """What `party` lacks to sell `amount` at `price` (zero when it can)."""
        call = party.market.market.functions.place(
            series_id, False, int(price * 10**18), int(amount * 10**18), int(OrderKind.LIMIT), 10
        )
        data = b""
        try:
            call.call({"from": party.address})
        except ContractCustomError as err:
            data = bytes.fromhex(str(err.data)[2:])
        if not data:
            return Decimal(0)
        assert data[:4] == INSUFFICIENT_MARGIN, data.hex()
        _, equity, required = decode(["address", "int256", "uint256"], data[4:])
        return from_wad(required - equity)


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


def spot_of(world: World, chain: Chain) -> Decimal:
    """The latest ETH/USD on `chain`; zero before the first round."""
    deployment = world.manifest.chain(int(chain.node.spec.chain_id))
    feed = chain.web3.eth.contract(
        address=Web3.to_checksum_address(deployment.contracts[ETH_USD.manifest_key]),
        abi=contracts().get("PriceFeed").abi,
    )
    try:
        _, answer, _, _, _ = feed.functions.latestRoundData().call()
    except ContractCustomError:  # PriceFeedNoData: nothing posted yet
        return Decimal(0)
    return Decimal(answer) / Decimal(10**8)


def tokens(manifest: Manifest, domain: int) -> tuple[str, str]:
    chain = manifest.chain(domain)
    return (
        Web3.to_checksum_address(chain.contracts[USD.manifest_key]),
        Web3.to_checksum_address(chain.contracts[WETH.manifest_key]),
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def feed(run: Processes, price: str) -> None:
    """(Re)starts the feeder posting a constant `price` every 3 s or on any move."""
    if "feed" in run.running:
        run.kill("feed")
    run.start(
        "feed", "feed", "--source", "constant", "--heartbeat", "3", CROSSFLOW_FEED__PRICE=price
    )


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
