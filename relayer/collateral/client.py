"""One `CollateralVault` as a user sees it: the tokens it lists, what it holds,
an account's reserve, and the transactions that deposit, park and take back
reserve, opt in to auto top-up, and drip test tokens from their faucets.

Amounts are Decimals in token units (1.5 WETH); the conversion to the token's
smallest unit happens here and nowhere else. What the vault would refuse (a
token it does not list, a balance or reserve too small, a paused flow, no market
wired) is checked first and named with what to do; any other revert comes back
as `TransactionReverted` naming the custom error.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Any

from eth_utils.address import to_checksum_address
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.logs import DISCARD
from web3.types import TxReceipt

from relayer.chains.tx import Sender, explain_revert
from relayer.errors import (
    DeliveryError,
    FaucetTooSoon,
    InsufficientBalance,
    InvalidAmount,
    TransactionReverted,
    UnknownToken,
    VaultFlowPaused,
    VaultNotWired,
)

WAD_DECIMALS = 18


class Flow(IntEnum):
    """`ICollateralVault.Flow`: what the guardian can pause."""

    DEPOSITS = 0
    OUTFLOWS = 1


@dataclass(frozen=True)
class Bucket:
    """A token's outflow limit, in token units: `available` may leave now."""

    capacity: Decimal
    refill_per_second: Decimal
    available: Decimal


@dataclass(frozen=True)
class Listing:
    token: str
    symbol: str
    decimals: int
    listed: bool
    haircut: Decimal
    feed: str | None  # None: valued at par
    max_age: int
    bucket: Bucket


@dataclass(frozen=True)
class Deposit:
    """A deposit the vault received and sent to the market as CREDIT."""

    account: str
    token: str
    amount: Decimal  # token units the vault received
    amount_wad: int  # what the CREDIT carries
    deposit_id: str
    message_id: str
    tx_hash: str


class VaultClient:
    """Reads through `vault` (the ICollateralVault ABI) on the chain named `chain`;
    transactions from `sender`, when given. `token_abi` is an ERC-20 ABI with the
    faucet (IFaucetToken)."""

    def __init__(
        self,
        vault: Contract,
        token_abi: list[dict[str, Any]],
        sender: Sender | None = None,
        chain: str = "this chain",
    ) -> None:
        self.vault = vault
        self.token_abi = token_abi
        self.sender = sender
        self.chain = chain
        self._decimals: dict[str, int] = {}
        self._symbols: dict[str, str] = {}

    # reads

    def listed_tokens(self) -> list[Listing]:
        return [self.listing(t) for t in self._read(self.vault.functions.listedTokens())]

    def listing(self, token: str) -> Listing:
        listed, decimals, config = self._read(self.vault.functions.tokenConfig(token))
        haircut, feed, max_age, _, _ = config
        return Listing(
            token=to_checksum_address(token),
            symbol=self.symbol(token),
            decimals=int(decimals),
            listed=bool(listed),
            haircut=_plain(Decimal(haircut).scaleb(-WAD_DECIMALS)),
            feed=None if int(feed, 16) == 0 else to_checksum_address(feed),
            max_age=int(max_age),
            bucket=self.bucket(token),
        )

    def committed(self, token: str) -> Decimal:
        return self._units(token, self._read(self.vault.functions.committed(token)))

    def reserve(self, account: str, token: str) -> Decimal:
        return self._units(token, self._read(self.vault.functions.reserve(account, token)))

    def auto_top_up(self, account: str) -> bool:
        return bool(self._read(self.vault.functions.autoTopUp(account)))

    def paused(self, flow: Flow) -> bool:
        return bool(self._read(self.vault.functions.paused(int(flow))))

    def bucket(self, token: str) -> Bucket:
        capacity, refill, available = self._read(self.vault.functions.outflowBucket(token))
        return Bucket(
            *(_plain(Decimal(v).scaleb(-WAD_DECIMALS)) for v in (capacity, refill, available))
        )

    def balance(self, token: str, account: str) -> Decimal:
        return self._units(token, self._read(self._token(token).functions.balanceOf(account)))

    def symbol(self, token: str) -> str:
        key = to_checksum_address(token)
        if key not in self._symbols:
            self._symbols[key] = str(self._read(self._token(key).functions.symbol()))
        return self._symbols[key]

    def decimals(self, token: str) -> int:
        key = to_checksum_address(token)
        if key not in self._decimals:
            self._decimals[key] = int(self._read(self._token(key).functions.decimals()))
        return self._decimals[key]

    # transactions

    def deposit(self, token: str, amount: Decimal, account: str | None = None) -> Deposit:
        """Commits `amount` of the sender's `token` to the market for `account` (the
        sender by default), approving the vault first when it needs to."""
        sender = self._sender()
        account = to_checksum_address(account or sender.address)
        units = self._pull_checks(token, amount)
        market_domain = int(self._read(self.vault.functions.marketDomain()))
        if int(self._read(self.vault.functions.trustedRemote(market_domain)), 16) == 0:
            raise VaultNotWired(self.chain, market_domain)
        receipt = sender.transact(self.vault.functions.deposit(token, units, account), "deposit")
        (event,) = self.vault.events.CollateralDeposited().process_receipt(receipt, errors=DISCARD)
        args = event["args"]
        return Deposit(
            account=args["account"],
            token=args["token"],
            amount=self._units(token, int(args["amount"])),
            amount_wad=int(args["amountWad"]),
            deposit_id="0x" + bytes(args["depositId"]).hex(),
            message_id="0x" + bytes(args["messageId"]).hex(),
            tx_hash=_hash(receipt),
        )

    def deposit_reserve(self, token: str, amount: Decimal) -> str:
        """Parks `amount` of the sender's `token` as its reserve for auto top-up."""
        units = self._pull_checks(token, amount)
        call = self.vault.functions.depositReserve(token, units)
        return _hash(self._sender().transact(call, "depositReserve"))

    def withdraw_reserve(self, token: str, amount: Decimal, recipient: str | None = None) -> str:
        """Sends `amount` of the sender's reserve of `token` to `recipient` (the sender)."""
        sender = self._sender()
        self._check_known(token, listed_only=False)
        units = self._to_units(token, amount)
        held = int(self._read(self.vault.functions.reserve(sender.address, token)))
        if units > held:
            raise InsufficientBalance(
                sender.address,
                f"{self.symbol(token)} in reserve on {self.chain}",
                f"{self._units(token, held)}",
                f"{amount}",
                "withdraw at most what `crossflow reserve show` lists",
            )
        call = self.vault.functions.withdrawReserve(token, units, recipient or sender.address)
        return _hash(sender.transact(call, "withdrawReserve"))

    def set_auto_top_up(self, enabled: bool) -> str:
        return _hash(
            self._sender().transact(self.vault.functions.setAutoTopUp(enabled), "setAutoTopUp")
        )

    def approve(self, token: str, amount: Decimal) -> str:
        """Lets the vault pull `amount` of the sender's `token`."""
        call = self._token(token).functions.approve(
            self.vault.address, self._to_units(token, amount)
        )
        return _hash(self._sender().transact(call, "approve"))

    def drip(self, token: str) -> Decimal:
        """One faucet drip of test `token` to the sender; returns what it gave."""
        sender, faucet = self._sender(), self._token(token).functions
        next_at = int(self._read(faucet.nextDripAt(sender.address)))
        latest = sender.web3.eth.get_block("latest")["timestamp"]
        if latest < next_at:
            raise FaucetTooSoon(sender.address, self.symbol(token), next_at)
        amount = int(self._read(faucet.dripAmount()))
        sender.transact(faucet.drip(), "drip")
        return self._units(token, amount)

    # helpers

    def _pull_checks(self, token: str, amount: Decimal) -> int:
        """The smallest units of `amount`, once the vault would take them from the sender."""
        sender = self._sender()
        self._check_known(token, listed_only=True)
        if self.paused(Flow.DEPOSITS):
            raise VaultFlowPaused(self.chain, "deposits")
        units = self._to_units(token, amount)
        have = int(self._read(self._token(token).functions.balanceOf(sender.address)))
        symbol = self.symbol(token)
        if have < units:
            raise InsufficientBalance(
                sender.address,
                f"{symbol} on {self.chain}",
                f"{self._units(token, have)}",
                f"{amount}",
                f"get test tokens with `crossflow faucet --chain {self.chain} --token {symbol}`",
            )
        allowance = self._token(token).functions.allowance(sender.address, self.vault.address)
        if int(self._read(allowance)) < units:
            self.approve(token, amount)
        return units

    def _check_known(self, token: str, *, listed_only: bool) -> None:
        """UnknownToken unless the vault lists `token` now (or, for taking reserve
        back, ever listed it: a delisted token's reserve still comes out)."""
        listed, decimals, _ = self._read(self.vault.functions.tokenConfig(token))
        if not (listed or (decimals and not listed_only)):
            known = [self.symbol(t) for t in self._read(self.vault.functions.listedTokens())]
            raise UnknownToken(token, self.chain, known)

    def _to_units(self, token: str, amount: Decimal) -> int:
        decimals = self.decimals(token)
        try:
            scaled = Decimal(amount).scaleb(decimals)
            whole = scaled.is_finite() and scaled == scaled.to_integral_value() and scaled > 0
        except InvalidOperation:
            whole = False
        if not whole:
            raise InvalidAmount(str(amount), self.symbol(token), decimals)
        return int(scaled)

    def _units(self, token: str, raw: int) -> Decimal:
        return _plain(Decimal(raw).scaleb(-self.decimals(token)))

    def _token(self, token: str) -> Contract:
        return self.vault.w3.eth.contract(address=to_checksum_address(token), abi=self.token_abi)

    def _read(self, call: ContractFunction) -> Any:
        """`call`'s result; a revert comes back as TransactionReverted naming the error."""
        try:
            return call.call()
        except (ContractLogicError, ContractCustomError) as err:
            raise TransactionReverted(
                call.fn_name, "a call", explain_revert(err, self.vault.abi)
            ) from err

    def _sender(self) -> Sender:
        if self.sender is None:
            raise DeliveryError("this vault client only reads", "give it a key to deposit")
        return self.sender


def _plain(amount: Decimal) -> Decimal:
    """`amount` without trailing zeros or an exponent: 10, 1.5."""
    normalized = amount.normalize()
    exponent = normalized.as_tuple().exponent
    return (
        normalized.quantize(Decimal(1))
        if isinstance(exponent, int) and exponent > 0
        else normalized
    )


def _hash(receipt: TxReceipt) -> str:
    return str(receipt["transactionHash"].to_0x_hex())
