"""The cross-chain bench's world: a collateral chain and the market chain, fresh Anvil
nodes (automining, or mining every `block_time` seconds), everything deployed
through `deploy_everything`, and the parties acting through the Python clients:
test tokens minted by the owner and deposited, prices signed by the dev oracle
keys, messages delivered by hand (`Mailbox.process` with the validators'
signatures) or left to a relay service running beside."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_abi.abi import decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, TransactionNotFound
from web3.logs import DISCARD
from web3.types import RPCEndpoint, TxReceipt

from relayer.chains import devkeys
from relayer.chains.anvil import free_ports, plan_chains, start_nodes, stop_nodes
from relayer.chains.chain import connect
from relayer.chains.compiler import Contracts
from relayer.chains.manifest import Manifest
from relayer.chains.tx import Sender
from relayer.collateral.client import VaultClient
from relayer.collateral.tokens import USD, VAULT_KEY, WETH
from relayer.deploy.everything import deploy_everything
from relayer.keeper.metrics import KeeperMetrics
from relayer.keeper.setup import KEEPER_DEV_KEY, keeper_from_manifest
from relayer.keeper.store import KeeperStore
from relayer.market.client import OrderKind
from relayer.market.ledger import LedgerClient
from relayer.market.units import from_wad, to_wad
from relayer.messaging.attestation import MailboxDomain, sign_attestation
from relayer.messaging.message import Message
from relayer.messaging.metrics import RelayMetrics
from relayer.messaging.service import RelayService
from relayer.messaging.store import Store
from relayer.oracle.feeds import ETH_IV, ETH_USD, FeedSpec, read_latest
from relayer.oracle.report import PriceReport, sign_report
from relayer.settings import Settings
from relayer.testbed.net import Chain, contracts, targets

COLLATERAL, MARKET = 31337, 31338
MARKET_KEY = "OptionsMarket"
OWNER = Account.from_key(devkeys.DEPLOYER_KEY.get_secret_value())
FEEDER = Account.from_key(devkeys.FEEDER_KEY.get_secret_value())
RELAYER = Account.from_key(devkeys.RELAYER_KEY.get_secret_value())
ORACLE = [Account.from_key(k.get_secret_value()) for k in devkeys.ORACLE_SIGNER_KEYS]
VALIDATORS = [Account.from_key(k.get_secret_value()) for k in devkeys.VALIDATOR_KEYS]
THRESHOLD = 2  # deploy_everything's validator quorum
INSUFFICIENT_MARGIN = Web3.keccak(text="MarketInsufficientMargin(address,int256,uint256)")[:4]
POLL_S = 0.005


@contextmanager
def fresh_chains(
    anvil: Path, log_dir: Path, block_time: float | None = None
) -> Iterator[list[Chain]]:
    """A collateral chain and the market chain on free ports, tied to this process;
    `block_time` None automines."""
    specs = plan_chains([COLLATERAL, MARKET], free_ports(2))
    nodes = start_nodes(
        anvil,
        specs,
        host="127.0.0.1",
        log_dir=log_dir,
        block_time=block_time,
        die_with_parent=True,
    )
    try:
        yield [Chain(n, connect(n.rpc_url, n.spec.chain_id)) for n in nodes]
    finally:
        stop_nodes(nodes)


@dataclass
class Bed:
    manifest: Manifest
    chains: dict[int, Chain]
    compiled: Contracts
    hand_relay: bool  # deliver each message by hand; else a relay service does
    senders: dict[tuple[int, str], Sender] = field(default_factory=dict)

    # contracts

    def contract(self, domain: int, key: str, abi_name: str) -> Contract:
        address = self.manifest.address(self.manifest.chain(domain), key)
        return self.web3(domain).eth.contract(
            address=Web3.to_checksum_address(address), abi=self.compiled.get(abi_name).abi
        )

    def web3(self, domain: int) -> Web3:
        return self.chains[domain].web3

    def mailbox(self, domain: int) -> Contract:
        return self.contract(domain, "Mailbox", "Mailbox")

    @property
    def market(self) -> Contract:
        return self.contract(MARKET, MARKET_KEY, "IOptionsMarket")

    @property
    def vault(self) -> Contract:
        return self.contract(COLLATERAL, VAULT_KEY, "ICollateralVault")

    @property
    def usd(self) -> str:
        return self.manifest.address(self.manifest.chain(COLLATERAL), USD.manifest_key)

    @property
    def weth(self) -> str:
        return self.manifest.address(self.manifest.chain(COLLATERAL), WETH.manifest_key)

    # parties

    def sender(self, domain: int, account: LocalAccount) -> Sender:
        """One Sender per account and chain, so local nonces never disagree."""
        key = (domain, str(account.address))
        if key not in self.senders:
            self.senders[key] = Sender(self.web3(domain), account, domain)
        return self.senders[key]

    def ledger(self, account: LocalAccount) -> LedgerClient:
        return LedgerClient(self.market, self.sender(MARKET, account))

    def vault_client(self, account: LocalAccount) -> VaultClient:
        abi = self.compiled.get("IFaucetToken").abi
        return VaultClient(self.vault, abi, self.sender(COLLATERAL, account), chain="collateral")

    def new_account(self) -> LocalAccount:
        """A fresh key with ether for gas on both chains."""
        account: LocalAccount = Account.create()
        for chain in self.chains.values():
            chain.web3.provider.make_request(
                RPCEndpoint("anvil_setBalance"), [account.address, hex(10**20)]
            )
        return account

    def mint(self, token: str, to: str, amount: Decimal) -> None:
        faucet = self.web3(COLLATERAL).eth.contract(
            address=Web3.to_checksum_address(token), abi=self.compiled.get("IFaucetToken").abi
        )
        call = faucet.functions.mint(to, to_wad(amount))
        self.sender(COLLATERAL, OWNER).transact(call, "mint")

    def fund(
        self, account: LocalAccount, token: str, amount: Decimal, timeout: float = 60
    ) -> tuple[TxReceipt, TxReceipt | None]:
        """Mints `amount` of `token` to `account` and deposits it; returns the deposit's
        receipt and, when delivered by hand, the CREDIT's. Returns once the market
        holds it either way."""
        self.mint(token, account.address, amount)
        ledger = self.ledger(account)
        before = self._held(ledger, account.address, token)
        deposit = self.vault_client(account).deposit(token, amount)
        receipt = self.receipt(COLLATERAL, deposit.tx_hash)
        credit = self.deliver_all(COLLATERAL, receipt)[0] if self.hand_relay else None
        deadline = time.monotonic() + timeout
        while self._held(ledger, account.address, token) < before + amount:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the CREDIT of {amount} for {account.address} never landed")
            time.sleep(0.02)
        return receipt, credit

    def _held(self, ledger: LedgerClient, address: str, token: str) -> Decimal:
        if token == self.usd:
            return ledger.cash(address)
        return ledger.credit(address, COLLATERAL, token)

    def missing_margin(
        self, account: LocalAccount, series_id: int, price: Decimal, amount: Decimal
    ) -> Decimal:
        """What `account` lacks to sell `amount` at `price` (zero when it can)."""
        call = self.market.functions.place(
            series_id, False, to_wad(price), to_wad(amount), int(OrderKind.LIMIT), 10
        )
        try:
            call.call({"from": account.address})
        except ContractCustomError as err:
            data = bytes.fromhex(str(err.data)[2:])
            if data[:4] != INSUFFICIENT_MARGIN:
                raise
            _, equity, required = decode(["address", "int256", "uint256"], data[4:])
            return from_wad(required - equity)
        return Decimal(0)

    # prices

    def post(self, domain: int, spot: float | None, vol: float | None = None) -> TxReceipt:
        """Signed rounds of the spot (last) and vol feeds on `domain`, stamped with its
        latest block time, sent together; the last one's receipt."""
        web3 = self.web3(domain)
        now = int(web3.eth.get_block("latest")["timestamp"])
        sender = self.sender(domain, FEEDER)
        sent = []
        for spec, value in ((ETH_IV, vol), (ETH_USD, spot)):
            if value is None:
                continue
            feed = self._feed(domain, spec)
            latest = read_latest(feed)
            # Rounds need increasing times; automined blocks share seconds.
            stamp = max(now, latest.updated_at + 1)
            report = PriceReport(spec.id, spec.to_answer(value), stamp, latest.round_id + 1)
            signatures = sign_report(report, ORACLE[: devkeys.ORACLE_THRESHOLD])
            sent.append(sender.send(feed.functions.submit(report.as_tuple(), signatures)))
        receipts = [self.wait(domain, tx) for tx in sent]
        return receipts[-1]

    def post_everywhere(self, spot: float, vol: float | None = None) -> None:
        for domain in (MARKET, COLLATERAL):
            self.post(domain, spot, vol)

    def _feed(self, domain: int, spec: FeedSpec) -> Contract:
        return self.contract(domain, spec.manifest_key, "PriceFeed")

    # messages

    def dispatched(self, origin: int, receipt: TxReceipt) -> list[Message]:
        """The messages `receipt` dispatched from `origin`'s mailbox."""
        events = self.mailbox(origin).events.Dispatch().process_receipt(receipt, errors=DISCARD)
        return [
            Message(
                int(e["args"]["nonce"]),
                int(e["args"]["origin"]),
                str(e["args"]["sender"]),
                int(e["args"]["destination"]),
                str(e["args"]["recipient"]),
                bytes(e["args"]["body"]),
            )
            for e in events
        ]

    def deliver(self, message: Message) -> TxReceipt:
        """`process(message)` on its destination with a quorum of validator signatures,
        sorted by signer as the mailbox wants them, sent by the relayer key."""
        mailbox = self.mailbox(message.destination)
        domain = MailboxDomain(message.destination, mailbox.address)
        signers = sorted(VALIDATORS[:THRESHOLD], key=lambda v: int(v.address, 16))
        signatures = [sign_attestation(s, domain, message.id) for s in signers]
        sender = self.sender(message.destination, RELAYER)
        receipt = sender.transact(mailbox.functions.process(message.encoded, signatures), "process")
        failed = mailbox.events.MessageFailed().process_receipt(receipt, errors=DISCARD)
        if failed:
            raise RuntimeError(f"the handler of {message.id} failed: {failed[0]['args']}")
        return receipt

    def deliver_all(self, origin: int, receipt: TxReceipt) -> list[TxReceipt]:
        return [self.deliver(m) for m in self.dispatched(origin, receipt)]

    def handler_gas(self, domain: int, receipt: TxReceipt, recipient: str) -> int | None:
        """Gas the mailbox's call into `recipient` used within `receipt` (the handler
        alone), from the node's call trace; None when the node gives no trace."""
        tx_hash = receipt["transactionHash"].to_0x_hex()
        response = self.web3(domain).provider.make_request(
            RPCEndpoint("debug_traceTransaction"), [tx_hash, {"tracer": "callTracer"}]
        )
        trace = response.get("result")
        if not isinstance(trace, dict):
            return None
        return _call_gas(trace, recipient.lower())

    # transactions

    def receipt(self, domain: int, tx_hash: str) -> TxReceipt:
        return self.wait(domain, HexBytes(tx_hash))

    def wait(self, domain: int, tx_hash: HexBytes, timeout: float = 60) -> TxReceipt:
        """The receipt, polled every few milliseconds (web3's own wait polls slower)."""
        web3, deadline = self.web3(domain), time.monotonic() + timeout
        while True:
            try:
                receipt = web3.eth.get_transaction_receipt(HexStr(tx_hash.to_0x_hex()))
            except TransactionNotFound:
                if time.monotonic() > deadline:
                    raise
                time.sleep(POLL_S)
                continue
            if receipt["status"] != 1:
                raise RuntimeError(f"{tx_hash.to_0x_hex()} reverted on {domain}")
            return receipt

    def gas(self, domain: int, tx_hash: str) -> int:
        return int(self.receipt(domain, tx_hash)["gasUsed"])


def _call_gas(call: dict[str, Any], recipient: str) -> int | None:
    if str(call.get("to", "")).lower() == recipient and call.get("type") == "CALL":
        return int(str(call["gasUsed"]), 16)
    for inner in call.get("calls", []):
        found = _call_gas(inner, recipient)
        if found is not None:
            return found
    return None


def deploy_bed(
    chains: list[Chain], manifest_dir: Path, settings: Settings, *, hand_relay: bool
) -> Bed:
    """Everything deployed, and first prices (3000, 60% vol) on both chains."""
    compiled = contracts()
    manifest = deploy_everything(
        targets(chains),
        network="bench",
        manifest_dir=manifest_dir,
        settings=settings,
        threshold=THRESHOLD,
        contracts=compiled,
    )
    bed = Bed(manifest, {int(c.node.spec.chain_id): c for c in chains}, compiled, hand_relay)
    bed.post_everywhere(3000.0, 0.6)
    return bed


KEEPER = Account.from_key(KEEPER_DEV_KEY.get_secret_value())


class Agents:
    """`crossflow relay` and `crossflow keep` in-process, each looping in its own thread
    at its production poll interval; `check()` re-raises whatever killed one."""

    def __init__(self, bed: Bed, settings: Settings, workdir: Path) -> None:
        self.bed = bed
        self.relay_settings = settings.relay.model_copy(
            update={
                "store": workdir / "relay.sqlite",
                "metrics_port": None,
                "validator_keys": list(devkeys.VALIDATOR_KEYS),
                "relayer_key": devkeys.RELAYER_KEY,
            }
        )
        self.keeper_settings = settings.keeper.model_copy(
            update={
                "key": KEEPER_DEV_KEY,
                "state_file": workdir / "keeper.sqlite",
                "metrics_port": None,
            }
        )
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._guard, args=(run,), daemon=True)
            for run in (self._relay, self._keep)
        ]

    def _relay(self) -> None:
        with Store.open(self.relay_settings.store) as store:
            relay = RelayService(
                self.relay_settings,
                self.bed.manifest,
                self.bed.compiled,
                store,
                metrics=RelayMetrics(),
            )
            relay.run(self.stop)

    def _keep(self) -> None:
        with KeeperStore.open(self.keeper_settings.state_file) as store:
            keeper = keeper_from_manifest(
                self.keeper_settings, self.bed.manifest, self.bed.compiled, store, KeeperMetrics()
            )
            keeper.run(self.stop)

    def _guard(self, run: Callable[[], None]) -> None:
        try:
            run()
        except BaseException as err:  # handed to the main thread by check()
            self.errors.append(err)

    def check(self) -> None:
        if self.errors:
            raise RuntimeError("an agent crashed") from self.errors[0]

    def __enter__(self) -> Agents:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        self.check()
