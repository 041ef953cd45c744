"""Connections to nodes, with web3 failures turned into our own errors."""

from __future__ import annotations

import requests
from web3 import Web3
from web3.exceptions import Web3Exception

from relayer.errors import ChainError, ChainIdMismatch, NodeUnreachable

# What a node that is down, restarting or overloaded raises through web3: agents
# treat these as "try again later", never as a reason to stop.
NODE_ERRORS = (OSError, Web3Exception, ChainError)


def connect(rpc_url: str, expected_chain_id: int | None = None, timeout: float = 5.0) -> Web3:
    """A Web3 client for `rpc_url` that has answered once and is the expected chain."""
    session = requests.Session()
    # Agents poll nodes hundreds of times a second; re-reading proxy settings from
    # the environment on every request costs a quarter of each call.
    session.trust_env = False
    provider = Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}, session=session)
    web3 = Web3(provider)
    actual = chain_id(web3, rpc_url)
    if expected_chain_id is not None and actual != expected_chain_id:
        raise ChainIdMismatch(rpc_url, expected_chain_id, actual)
    return web3


def chain_id(web3: Web3, rpc_url: str) -> int:
    try:
        return int(web3.eth.chain_id)
    except (OSError, Web3Exception, ValueError) as err:
        raise NodeUnreachable(rpc_url, _short(err)) from err


def head_block(web3: Web3, rpc_url: str) -> int:
    try:
        return int(web3.eth.block_number)
    except (OSError, Web3Exception, ValueError) as err:
        raise NodeUnreachable(rpc_url, _short(err)) from err


def genesis_hash(web3: Web3, rpc_url: str) -> str:
    """Block 0's hash. Two runs of a local chain share an id, but Anvil stamps block 0
    with its start time, so a restart gets a new hash (unless it lands in the same
    second; a manifest's code hashes catch that case)."""
    try:
        return "0x" + bytes(web3.eth.get_block(0)["hash"]).hex()
    except (OSError, Web3Exception, ValueError) as err:
        raise NodeUnreachable(rpc_url, _short(err)) from err


def runtime_code(web3: Web3, rpc_url: str, address: str) -> bytes:
    try:
        return bytes(web3.eth.get_code(Web3.to_checksum_address(address)))
    except (OSError, Web3Exception, ValueError) as err:
        raise NodeUnreachable(rpc_url, _short(err)) from err


def _short(err: Exception) -> str:
    # requests nests the useful part ("Connection refused") deep inside its message.
    text = str(err)
    for marker in ("Connection refused", "timed out", "Name or service not known"):
        if marker in text:
            return marker.lower()
    return text.splitlines()[0][:200] if text else type(err).__name__
