"""What happened, read back from the chains: every event of the vaults, the market,
the mailboxes and the price feeds since deployment, in the order a watcher saw
their blocks, each with its chain, block and time; and every message's trip from
its `Dispatch` on one chain to its `Process` on another."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from eth_typing import ABIEvent
from eth_utils.abi import event_abi_to_log_topic
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import EventData, FilterParams

from relayer.chains.chain import connect
from relayer.chains.compiler import Contracts
from relayer.chains.manifest import ChainDeployment, Manifest
from relayer.collateral.messages import kind_of
from relayer.collateral.tokens import VAULT_KEY
from relayer.demo.narration import Narrator
from relayer.demo.recorder import Recorder
from relayer.deploy.collateral import MARKET_KEY
from relayer.oracle.feeds import ETH_USD

MAILBOX_KEY = "Mailbox"
# What each contract is read with: its manifest key and the ABI naming its events.
SOURCES = (
    (MAILBOX_KEY, "Mailbox"),
    (VAULT_KEY, "ICollateralVault"),
    (MARKET_KEY, "IOptionsMarket"),
    (ETH_USD.manifest_key, "PriceFeed"),
)


@dataclass(frozen=True)
class Event:
    at: float  # wall clock: when the demo's watcher first saw the block
    chain: str
    chain_id: int
    domain: int
    block: int
    block_time: int  # the block's timestamp
    tx: str
    name: str  # the Solidity event
    text: str  # what it means, in words
    args: dict[str, Any]  # the event's fields, as JSON
    received: str | None = None  # the message whose handler emitted it


@dataclass(frozen=True)
class Trip:
    """One message from its dispatch to its delivery (or not yet)."""

    id: str
    kind: str  # CREDIT, RELEASE, SEIZE, MARGIN_CALL
    origin: str
    destination: str
    sent_block: int
    sent_at: float
    delivered_block: int | None = None
    delivered_at: float | None = None
    failed: bool = False  # its handler reverted on delivery and waits for a rerun

    @property
    def latency(self) -> float | None:
        return None if self.delivered_at is None else self.delivered_at - self.sent_at


@dataclass(frozen=True)
class Timeline:
    events: list[Event]
    trips: list[Trip]


def read_timeline(
    manifest: Manifest, compiled: Contracts, recorder: Recorder, names: dict[str, str]
) -> Timeline:
    """Every event since deployment on every chain, in order, narrated."""
    narrator = Narrator(manifest, names)
    raw = sorted(
        (
            log
            for chain in manifest.chains
            for log in _logs(chain, compiled, recorder.heads.get(chain.chain_id, 0))
        ),
        key=lambda pair: (
            _seen(recorder, pair[0], pair[1]),
            pair[0].chain_id,
            pair[1]["blockNumber"],
            pair[1]["logIndex"],
        ),
    )
    events: list[Event] = []
    sent: dict[str, tuple[ChainDeployment, EventData, float]] = {}
    delivered: dict[str, tuple[ChainDeployment, EventData, float]] = {}
    failed: set[str] = set()
    delivering: dict[str, str] = {}  # tx -> the message whose handler runs now
    for chain, log in raw:
        at = _seen(recorder, chain, log)
        name, tx = log["event"], _hex(log["transactionHash"])
        if name in ("Dispatch", "Process", "MessageFailed", "MessageRetried"):
            message = _hex(log["args"]["id"])
            if name == "Dispatch":
                sent[message] = (chain, log, at)
            elif name == "MessageFailed":
                failed.add(message)
            else:  # a handler runs after these, in the same transaction
                delivering[tx] = message
                delivered.setdefault(message, (chain, log, at))
                if name == "MessageRetried":
                    failed.discard(message)
        text = narrator.say(chain, name, log["args"])
        if text is not None:
            events.append(
                Event(
                    at=at,
                    chain=chain.name,
                    chain_id=chain.chain_id,
                    domain=chain.domain,
                    block=int(log["blockNumber"]),
                    block_time=_block_time(recorder, chain, log),
                    tx=tx,
                    name=name,
                    text=text,
                    args=as_json(log["args"]),
                    received=delivering.get(tx),
                )
            )
    return Timeline(events, _trips(sent, delivered, failed))


def _trips(
    sent: dict[str, tuple[ChainDeployment, EventData, float]],
    delivered: dict[str, tuple[ChainDeployment, EventData, float]],
    failed: set[str],
) -> list[Trip]:
    trips = []
    for message_id, (origin, log, at) in sent.items():
        args = log["args"]
        arrival = delivered.get(message_id)
        trips.append(
            Trip(
                id=message_id,
                kind=kind_of(bytes(args["body"])).name,
                origin=origin.name,
                destination=_name_of_domain(args["destination"], origin, arrival),
                sent_block=int(log["blockNumber"]),
                sent_at=at,
                delivered_block=int(arrival[1]["blockNumber"]) if arrival else None,
                delivered_at=arrival[2] if arrival else None,
                failed=message_id in failed,
            )
        )
    return sorted(trips, key=lambda t: t.sent_at)


def _logs(
    chain: ChainDeployment, compiled: Contracts, last_block: int
) -> Iterator[tuple[ChainDeployment, Any]]:
    """The events up to the last block the recorder saw: what came after is not the story."""
    web3 = connect(chain.rpc_url, chain.chain_id)
    for key, abi_name in SOURCES:
        address = chain.contracts.get(key)
        if address is None:
            continue
        contract = web3.eth.contract(
            address=Web3.to_checksum_address(address), abi=compiled.get(abi_name).abi
        )
        topics = _topics(contract)
        query: FilterParams = {
            "address": contract.address,
            "fromBlock": chain.deployed_at_block,
            "toBlock": last_block,
        }
        for log in web3.eth.get_logs(query):
            name = topics.get(bytes(log["topics"][0])) if log["topics"] else None
            if name is not None:
                yield chain, contract.events[name]().process_log(log)


def _topics(contract: Contract) -> dict[bytes, str]:
    events = [cast(ABIEvent, abi) for abi in contract.abi if abi.get("type") == "event"]
    return {bytes(event_abi_to_log_topic(abi)): abi["name"] for abi in events}


def as_json(value: Any) -> Any:
    """An event's fields as JSON: bytes as hex, structs as objects, addresses as they are."""
    if isinstance(value, bytes | HexBytes):
        return _hex(value)
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    return value


def _seen(recorder: Recorder, chain: ChainDeployment, log: EventData) -> float:
    seen = recorder.seen_at(chain.chain_id, int(log["blockNumber"]))
    return seen if seen is not None else float(_block_time(recorder, chain, log))


def _block_time(recorder: Recorder, chain: ChainDeployment, log: EventData) -> int:
    block = recorder.blocks.get((chain.chain_id, int(log["blockNumber"])))
    return block.timestamp if block else 0


def _name_of_domain(
    domain: int, origin: ChainDeployment, arrival: tuple[ChainDeployment, EventData, float] | None
) -> str:
    if arrival is not None:
        return arrival[0].name
    return f"domain {domain}" if domain != origin.domain else origin.name


def _hex(value: bytes | HexBytes) -> str:
    return "0x" + bytes(value).hex()
