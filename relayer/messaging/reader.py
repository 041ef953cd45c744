"""One node's view of a chain, read once per loop iteration and shared by every
watcher of that chain (the indexer and the validators ask the same questions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode
from eth_utils.crypto import keccak
from web3 import Web3
from web3.exceptions import BlockNotFound, Web3RPCError
from web3.types import BlockIdentifier, RPCEndpoint

from relayer.messaging.message import Message

DISPATCH_TOPIC = (
    "0x" + keccak(b"Dispatch(bytes32,uint32,uint64,uint32,address,address,bytes)").hex()
)
_DISPATCH_DATA = ["uint32", "uint64", "address", "bytes"]


@dataclass(frozen=True)
class DispatchEvent:
    message: Message
    block_number: int
    block_hash: str
    tx_hash: str


@dataclass(frozen=True)
class Head:
    number: int
    hash: str
    parent_hash: str

    def builds_on(self, number: int, block_hash: str) -> bool:
        """True when this block is the direct child of that one: the chain grew, no fork."""
        return self.number == number + 1 and self.parent_hash == block_hash


class ChainReader:
    def __init__(self, web3: Web3) -> None:
        self.web3 = web3
        self._heads: dict[str, Head] = {}
        self._hashes: dict[int, str | None] = {}
        self._dispatches: dict[tuple[str, int, int], list[DispatchEvent]] = {}

    def forget(self) -> None:
        """Start a new iteration: the chain may have moved."""
        self._heads.clear()
        self._hashes.clear()
        self._dispatches.clear()

    def head(self, tag: BlockIdentifier) -> Head:
        key = str(tag)
        if key not in self._heads:
            block = self.web3.eth.get_block(tag)
            self._heads[key] = Head(
                int(block["number"]),
                "0x" + bytes(block["hash"]).hex(),
                "0x" + bytes(block["parentHash"]).hex(),
            )
        return self._heads[key]

    def hash_at(self, number: int) -> str | None:
        """The block hash at `number`; None past the head (a reorg made the chain shorter)."""
        if number not in self._hashes:
            try:
                self._hashes[number] = "0x" + bytes(self.web3.eth.get_block(number)["hash"]).hex()
            except BlockNotFound:
                self._hashes[number] = None
        return self._hashes[number]

    def dispatches(self, mailbox: str, first: int, last: int) -> list[DispatchEvent]:
        """`Dispatch` events of `mailbox` in blocks first..last, in chain order."""
        key = (mailbox, first, last)
        if key not in self._dispatches:
            self._dispatches[key] = [self._decode(log) for log in self._logs(mailbox, first, last)]
        return self._dispatches[key]

    def _logs(self, mailbox: str, first: int, last: int) -> list[dict[str, Any]]:
        # Raw JSON-RPC: web3's log formatting costs more than the node call, and a
        # busy origin returns thousands of logs per range.
        params = {
            "address": mailbox,
            "topics": [DISPATCH_TOPIC],
            "fromBlock": hex(first),
            "toBlock": hex(last),
        }
        response = self.web3.provider.make_request(RPCEndpoint("eth_getLogs"), [params])
        if "error" in response:
            raise Web3RPCError(f"eth_getLogs failed: {response['error']}")
        logs: list[dict[str, Any]] = response["result"]
        return logs

    def _decode(self, log: dict[str, Any]) -> DispatchEvent:
        """Dispatch(bytes32 indexed id, uint32 origin, uint64 nonce, uint32 indexed
        destination, address indexed sender, address recipient, bytes body)."""
        topics = log["topics"]
        origin, nonce, recipient, body = decode(_DISPATCH_DATA, bytes.fromhex(log["data"][2:]))
        message = Message(
            nonce=nonce,
            origin=origin,
            sender="0x" + topics[3][-40:],  # lowercase: checksumming costs a keccak each
            destination=int(topics[2], 16),
            recipient=recipient,
            body=bytes(body),
        )
        if message.id != topics[1].lower():
            raise Web3RPCError(f"Dispatch {topics[1]} does not hash to its own id {message.id}")
        return DispatchEvent(
            message=message,
            block_number=int(log["blockNumber"], 16),
            block_hash=log["blockHash"].lower(),
            tx_hash=log["transactionHash"].lower(),
        )
