"""Sending transactions from one local account: its own nonce, estimated gas with
headroom, and reverts decoded into the contract's custom error names."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from eth_account.signers.local import LocalAccount
from eth_typing import ABIError
from eth_utils.abi import function_abi_to_4byte_selector
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    Web3Exception,
    Web3RPCError,
)
from web3.types import Nonce, RPCEndpoint, TxParams, TxReceipt

from relayer.errors import AccountUnfunded, NodeUnreachable, TransactionReverted

if TYPE_CHECKING:
    from relayer.chains.compiler import Artifact

Call = ContractFunction | ContractConstructor
_SELECTOR_HEX = 2 + 8  # "0x" and four bytes


class Sender:
    """One account on one chain. Keeps its own nonce so transactions can be
    pipelined without asking the node between them."""

    def __init__(
        self, web3: Web3, account: LocalAccount, chain_id: int, gas_headroom: float = 1.25
    ) -> None:
        self.web3 = web3
        self.account = account
        self.chain_id = chain_id
        self.gas_headroom = gas_headroom
        self._nonce: int | None = None

    @property
    def address(self) -> str:
        return str(self.account.address)

    def resync_nonce(self) -> None:
        """Forget the local nonce; the next send asks the node (after `nonce too low`)."""
        self._nonce = None

    def estimate(self, call: Call) -> int:
        """Gas for `call` with headroom; raises TransactionReverted with the decoded error."""
        try:
            return int(call.estimate_gas({"from": self.account.address}) * self.gas_headroom)
        except (ContractLogicError, ContractCustomError) as err:
            raise TransactionReverted(
                "gas estimate", "-", explain_revert(err, _abi_of(call))
            ) from err

    def estimate_data(self, to: str, data: bytes, abi: Any, reserve: int | None = None) -> int:
        """Gas limit for calldata the caller encoded itself.

        With a `reserve`: one simulated execution's gas used (eth_createAccessList)
        plus `reserve`, the gas a callee insists be left unused (the mailbox's
        handler guard), times the headroom, which also covers refunds. The node's
        eth_estimateGas would find the same limit by bisection, running the call
        about ten times. Without a reserve, where the node lacks the method, or
        when the call reverts, eth_estimateGas answers and names the revert.
        """
        tx: TxParams = {"from": self.account.address, "to": to, "data": HexBytes(data)}
        if reserve is not None:
            try:
                used = int(self.web3.eth.create_access_list(tx)["gasUsed"])
            except Web3RPCError:
                pass
            else:
                return int((used + reserve) * self.gas_headroom)
        try:
            gas = self.web3.eth.estimate_gas(tx)
        except (ContractLogicError, ContractCustomError) as err:
            raise TransactionReverted("estimate", "-", explain_revert(err, abi)) from err
        return int(gas * self.gas_headroom)

    def send(self, call: Call, gas: int | None = None) -> HexBytes:
        """Sign and broadcast `call`; returns the hash without waiting."""
        params = self._params(gas if gas is not None else self.estimate(call))
        return self._broadcast(lambda: call.build_transaction(params))

    def send_data(self, to: str, data: bytes, gas: int) -> HexBytes:
        """Sign and broadcast a call with ready-made calldata."""
        params = self._params(gas) | {"to": to, "data": HexBytes(data)}
        return self._broadcast(lambda: params)

    def _params(self, gas: int) -> TxParams:
        return {
            "from": self.account.address,
            "nonce": Nonce(self._next_nonce()),
            "chainId": self.chain_id,
            "gas": gas,
            "gasPrice": self.web3.eth.gas_price,
        }

    def _broadcast(self, build: Callable[[], TxParams]) -> HexBytes:
        try:
            tx = build()
            tx_hash = self.web3.eth.send_raw_transaction(
                self.account.sign_transaction(cast(dict[str, Any], tx)).raw_transaction
            )
        except (ValueError, Web3Exception) as err:
            self._nonce = None
            if "insufficient funds" in str(err).lower():
                raise AccountUnfunded(self.address, self.chain_id) from err
            raise
        self._nonce = int(tx["nonce"]) + 1
        return tx_hash

    def transact(
        self, call: Call, what: str, timeout: float = 60, gas: int | None = None
    ) -> TxReceipt:
        """Send `call` (with `gas` as its limit, else estimated) and wait for it; a
        revert raises TransactionReverted."""
        tx_hash = self.send(call, gas)
        receipt = self.web3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
        if receipt["status"] != 1:
            raise TransactionReverted(what, tx_hash.to_0x_hex(), "status 0")
        return receipt

    def deploy(self, artifact: Artifact, *args: object, what: str = "") -> Contract:
        """Deploy `artifact` with constructor `args` and wait for it; the contract at its
        new address. A revert raises TransactionReverted naming `what` (or the contract)."""
        factory = self.web3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = self.transact(factory.constructor(*args), what or f"deploying {artifact.name}")
        address = Web3.to_checksum_address(str(receipt["contractAddress"]))
        return self.web3.eth.contract(address=address, abi=artifact.abi)

    def _next_nonce(self) -> int:
        if self._nonce is None:
            try:
                self._nonce = self.web3.eth.get_transaction_count(self.account.address, "pending")
            except OSError as err:
                raise NodeUnreachable(str(self.web3.provider), str(err)) from err
        return self._nonce


def explain_revert(err: Exception, abi: Any) -> str:
    """`ErrorName` for a custom error the contract declares, else the node's message."""
    data = getattr(err, "data", None)
    if isinstance(data, str) and data.startswith("0x") and len(data) >= _SELECTOR_HEX:
        name = custom_error_name(
            HexBytes(data[:_SELECTOR_HEX]), abi if isinstance(abi, list) else []
        )
        if name:
            return name
    return str(err)


def _abi_of(call: Call) -> Any:
    # A function knows its contract's whole ABI, errors included; a constructor its own.
    return getattr(call, "contract_abi", None) or call.abi


def custom_error_name(selector: bytes, abi: Sequence[dict[str, Any]]) -> str | None:
    for entry in abi:
        if entry.get("type") != "error":
            continue
        if function_abi_to_4byte_selector(cast(ABIError, entry)) == selector:
            return str(entry["name"])
    return None


def raw_receipt(web3: Web3, tx_hash: HexBytes, timeout: float) -> dict[str, Any]:
    """The receipt as the node sent it, waiting up to `timeout` seconds: a batch's
    receipt carries hundreds of logs, and web3's formatting of them costs more than
    the node call."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = web3.provider.make_request(
            RPCEndpoint("eth_getTransactionReceipt"), [tx_hash.to_0x_hex()]
        )
        if "error" in response:
            raise Web3RPCError(f"eth_getTransactionReceipt failed: {response['error']}")
        if response["result"] is not None:
            receipt: dict[str, Any] = response["result"]
            return receipt
        time.sleep(0.0005)
    raise TimeoutError(f"{tx_hash.to_0x_hex()} not mined within {timeout}s")
