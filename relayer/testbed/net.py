"""A messaging testbed on live chains, for the e2e tests and the benchmarks:
the real mailboxes (through the real deploy path) plus test recipients and a
load generator, with helpers to dispatch messages and drive the relay loop."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from relayer.chains import devkeys
from relayer.chains.anvil import (
    ChainSpec,
    RunningNode,
    free_ports,
    plan_chains,
    start_nodes,
    stop_nodes,
)
from relayer.chains.chain import connect
from relayer.chains.compiler import TEST_HELPERS, Contracts, load_contracts
from relayer.chains.manifest import Manifest
from relayer.chains.tx import Sender
from relayer.deploy.deployer import ChainTarget, deploy_messaging, deploy_oracle
from relayer.messaging.message import Message
from relayer.messaging.metrics import RelayMetrics
from relayer.messaging.service import RelayService, Role
from relayer.messaging.store import Store
from relayer.settings import RelaySettings

USER = Account.from_key(devkeys.USER_KEYS[0].get_secret_value())
VALIDATORS: list[LocalAccount] = [
    Account.from_key(k.get_secret_value()) for k in devkeys.VALIDATOR_KEYS
]


@dataclass(frozen=True)
class Chain:
    node: RunningNode
    web3: Web3


@contextmanager
def running_chains(anvil: Path, chain_ids: Sequence[int], log_dir: Path) -> Iterator[list[Chain]]:
    """Fresh automining chains on free ports, tied to this process so they die
    with it, and stopped on the way out whatever happened."""
    specs = plan_chains(chain_ids, free_ports(len(chain_ids)))
    nodes = start_nodes(anvil, specs, host="127.0.0.1", log_dir=log_dir, die_with_parent=True)
    try:
        yield [Chain(n, connect(n.rpc_url, n.spec.chain_id)) for n in nodes]
    finally:
        stop_nodes(nodes)


class RestartableChains:
    """Chains whose nodes keep their state across a stop and a start, for outages."""

    def __init__(self, anvil: Path, chain_ids: Sequence[int], log_dir: Path) -> None:
        self._anvil = anvil
        self._log_dir = log_dir
        self._specs = plan_chains(chain_ids, free_ports(len(chain_ids)))
        self._nodes: list[RunningNode | None] = list(self._start(self._specs))
        self.chains = [Chain(n, connect(n.rpc_url, n.spec.chain_id)) for n in self._running()]

    def stop(self, index: int) -> None:
        node = self._nodes[index]
        if node is not None:
            stop_nodes([node])
            self._nodes[index] = None

    def restart(self, index: int) -> Chain:
        """The node back on its port with the state it had when it stopped."""
        (node,) = self._start([self._specs[index]])
        self._nodes[index] = node
        self.chains[index] = Chain(node, connect(node.rpc_url, node.spec.chain_id))
        return self.chains[index]

    def close(self) -> None:
        stop_nodes(self._running())

    def _start(self, specs: Sequence[ChainSpec]) -> list[RunningNode]:
        return start_nodes(
            self._anvil,
            specs,
            host="127.0.0.1",
            log_dir=self._log_dir,
            die_with_parent=True,
            persist=True,
        )

    def _running(self) -> list[RunningNode]:
        return [node for node in self._nodes if node is not None]


@contextmanager
def restartable_chains(
    anvil: Path, chain_ids: Sequence[int], log_dir: Path
) -> Iterator[RestartableChains]:
    chains = RestartableChains(anvil, chain_ids, log_dir)
    try:
        yield chains
    finally:
        chains.close()


def contracts() -> Contracts:
    return load_contracts(extra_dirs=(TEST_HELPERS,))


@dataclass
class MessagingNet:
    """Mailboxes (from the real deploy path) and a RecordingRecipient per chain."""

    chains: list[Chain]
    manifest: Manifest
    manifest_dir: Path
    mailboxes: dict[int, Contract]
    recipients: dict[int, Contract]
    _dispatchers: dict[int, Contract] = field(default_factory=dict)

    def chain(self, domain: int) -> Chain:
        return next(c for c in self.chains if c.node.spec.chain_id == domain)

    def deploy_helper(self, domain: int, name: str, *args: object) -> Contract:
        """A test helper contract (contracts/test/helpers) deployed on `domain`."""
        return Sender(self.chain(domain).web3, USER, domain).deploy(contracts().get(name), *args)

    def dispatch(
        self, origin: int, destination: int, body: bytes, recipient: str | None = None
    ) -> Message:
        """Send a message from USER on `origin` to `recipient` (the RecordingRecipient
        by default); returns it as the mailbox built it."""
        mailbox = self.mailboxes[origin]
        nonce = mailbox.functions.outboundNonce(destination).call()
        recipient = recipient or self.recipients[destination].address
        sender = Sender(self.chain(origin).web3, USER, origin)
        sender.transact(mailbox.functions.dispatch(destination, recipient, body), "dispatch")
        return Message(nonce, origin, USER.address, destination, recipient, body)

    def signed_dispatch(self, origin: int, destination: int, body: bytes) -> tuple[Message, bytes]:
        """A signed dispatch transaction not yet sent, so a test can send it, lose it
        in a reorg and mine it again."""
        web3, mailbox = self.chain(origin).web3, self.mailboxes[origin]
        nonce = mailbox.functions.outboundNonce(destination).call()
        recipient = self.recipients[destination].address
        tx = mailbox.functions.dispatch(destination, recipient, body).build_transaction(
            {
                "from": USER.address,
                "nonce": web3.eth.get_transaction_count(USER.address),
                "gas": 200_000,
                "gasPrice": web3.eth.gas_price,
                "chainId": origin,
            }
        )
        raw = bytes(USER.sign_transaction(cast(dict[str, Any], tx)).raw_transaction)
        return Message(nonce, origin, USER.address, destination, recipient, body), raw

    def dispatch_many(
        self,
        origin: int,
        destination: int,
        count: int,
        prefix: bytes,
        recipient: str | None = None,
    ) -> None:
        """`count` messages in one transaction, through the BatchDispatcher load generator;
        message i has body `prefix ++ uint256(i)`."""
        if origin not in self._dispatchers:
            self._dispatchers[origin] = self.deploy_helper(origin, "BatchDispatcher")
        call = self._dispatchers[origin].functions.dispatchMany(
            self.mailboxes[origin].address,
            destination,
            recipient or self.recipients[destination].address,
            count,
            prefix,
        )
        Sender(self.chain(origin).web3, USER, origin).transact(call, "dispatchMany")

    def received(self, destination: int, origin: int) -> list[bytes]:
        return [bytes(b) for b in self.recipients[destination].functions.received(origin).call()]


def targets(chains: Sequence[Chain]) -> list[ChainTarget]:
    return [
        ChainTarget(c.node.spec.name, c.node.spec.role, c.node.spec.chain_id, c.node.rpc_url)
        for c in chains
    ]


def deploy_feeds(chains: Sequence[Chain], manifest_dir: Path, network: str = "test") -> Manifest:
    """The price feeds through the real deploy path, signed for by the dev oracle keys."""
    return deploy_oracle(
        targets(chains),
        network=network,
        manifest_dir=manifest_dir,
        deployer_key=devkeys.DEPLOYER_KEY,
        signers=[
            Account.from_key(k.get_secret_value()).address for k in devkeys.ORACLE_SIGNER_KEYS
        ],
        threshold=devkeys.ORACLE_THRESHOLD,
        contracts=contracts(),
    )


def deploy_net(
    chains: Sequence[Chain],
    manifest_dir: Path,
    threshold: int = 2,
    validators: Sequence[LocalAccount] = VALIDATORS,
    network: str = "test",
) -> MessagingNet:
    compiled = contracts()
    manifest = deploy_messaging(
        targets(chains),
        network=network,
        manifest_dir=manifest_dir,
        deployer_key=devkeys.DEPLOYER_KEY,
        validators=[v.address for v in validators],
        threshold=threshold,
        contracts=compiled,
    )
    mailbox_abi = compiled.get("Mailbox").abi
    recipient = compiled.get("RecordingRecipient")
    deployer = Account.from_key(devkeys.DEPLOYER_KEY.get_secret_value())
    mailboxes, recipients = {}, {}
    for chain in chains:
        web3, chain_id = chain.web3, chain.node.spec.chain_id
        address = Web3.to_checksum_address(manifest.chain(chain_id).contracts["Mailbox"])
        mailboxes[chain_id] = web3.eth.contract(address=address, abi=mailbox_abi)
        recipients[chain_id] = Sender(web3, deployer, chain_id).deploy(recipient)
    return MessagingNet(list(chains), manifest, manifest_dir, mailboxes, recipients)


def relay_settings(tmp_path: Path, **overrides: object) -> RelaySettings:
    base: dict[str, object] = {
        "store": tmp_path / "relay.sqlite",
        "metrics_port": None,
        "poll_interval": 0.01,
        "validator_keys": [k.get_secret_value() for k in devkeys.VALIDATOR_KEYS],
        "relayer_key": devkeys.RELAYER_KEY.get_secret_value(),
    }
    return RelaySettings.model_validate(base | overrides)


def service(
    net: MessagingNet, settings: RelaySettings, store: Store, role: Role = Role.ALL
) -> RelayService:
    return RelayService(
        settings, net.manifest, contracts(), store, metrics=RelayMetrics(), role=role
    )


def run_until(
    services: Sequence[RelayService], done: Callable[[], bool], timeout: float = 20
) -> None:
    """Iterate the services until `done()`; fails the test at `timeout`."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {timeout}s")
        for each in services:
            each.iteration()
        time.sleep(0.01)
