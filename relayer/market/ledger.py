"""The market's cross-chain side as a user, keeper or checker sees it: the ledger
(cash, credits, pools), withdrawals, margin calls and liquidations.

Every amount the market keeps is a WAD whatever the token's decimals, so Decimals
here are whole tokens (or quote units) and convert with `units` alone. Each
transaction returns the ids and message ids its events carry, so a caller can
follow the message to the vault that executes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from web3.logs import DISCARD
from web3.types import TxReceipt

from relayer.market.client import MarketClient
from relayer.market.units import from_wad, to_wad

ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True)
class Withdrawal:
    withdrawal_id: str
    message_id: str
    amount: Decimal
    tx_hash: str


@dataclass(frozen=True)
class MarginCall:
    call_id: str
    deficit: Decimal
    deadline: int


@dataclass(frozen=True)
class Seizure:
    domain: int
    token: str
    amount: Decimal
    recipient: str
    message_id: str


@dataclass(frozen=True)
class Liquidation:
    liquidation_id: str
    price: Decimal  # cash the liquidator paid (negative: received)
    bonus: Decimal
    seized: list[Seizure]
    tx_hash: str


class LedgerClient(MarketClient):
    """`MarketClient` with the ledger's reads and the cross-chain transactions."""

    # reads

    def cash(self, account: str) -> Decimal:
        return from_wad(self._read(self.market.functions.cash(account)))

    def credit(self, account: str, domain: int, token: str) -> Decimal:
        return from_wad(self._read(self.market.functions.credit(account, domain, token)))

    def pool(self, domain: int, token: str) -> Decimal:
        return from_wad(self._read(self.market.functions.pool(domain, token)))

    def quote_token(self, domain: int) -> str:
        return str(self._read(self.market.functions.quoteToken(domain)))

    def domains_of(self, account: str) -> list[int]:
        return [int(d) for d in self._read(self.market.functions.domainsOf(account))]

    def bad_debt(self) -> Decimal:
        return from_wad(self._read(self.market.functions.badDebt()))

    def margin_call_of(self, account: str) -> MarginCall | None:
        call_id, deficit, deadline = self._read(self.market.functions.marginCallOf(account))
        if int.from_bytes(call_id, "big") == 0:
            return None
        return MarginCall("0x" + bytes(call_id).hex(), from_wad(deficit), int(deadline))

    # transactions

    def withdraw(self, domain: int, token: str, amount: Decimal, recipient: str) -> Withdrawal:
        call = self.market.functions.withdraw(domain, token, to_wad(amount), recipient)
        receipt = self._sender().transact(call, "withdraw")
        (event,) = self.market.events.Withdrawn().process_receipt(receipt, errors=DISCARD)
        args = event["args"]
        return Withdrawal(
            withdrawal_id=_hex(args["withdrawalId"]),
            message_id=_hex(args["messageId"]),
            amount=from_wad(args["amount"]),
            tx_hash=_tx(receipt),
        )

    def margin_call(self, account: str) -> MarginCall:
        receipt = self._sender().transact(self.market.functions.marginCall(account), "marginCall")
        (event,) = self.market.events.MarginCallOpened().process_receipt(receipt, errors=DISCARD)
        args = event["args"]
        return MarginCall(_hex(args["callId"]), from_wad(args["deficit"]), int(args["deadline"]))

    def close_margin_call(self, account: str) -> str:
        return self._send(self.market.functions.closeMarginCall(account), "closeMarginCall")

    def liquidate(
        self, account: str, fraction: Decimal, recipients: dict[int, str], *, gas: int | None = None
    ) -> Liquidation:
        """Takes over `fraction` (0 < f ≤ 1) of `account`; `recipients` maps each
        collateral domain to who receives what is seized there."""
        call = self.market.functions.liquidate(
            account, to_wad(fraction), [(domain, to) for domain, to in recipients.items()]
        )
        receipt = self._sender().transact(call, "liquidate", gas=gas)
        events = self.market.events
        (done,) = events.Liquidated().process_receipt(receipt, errors=DISCARD)
        seized = [
            Seizure(
                domain=int(e["args"]["domain"]),
                token=str(e["args"]["token"]),
                amount=from_wad(e["args"]["amount"]),
                recipient=str(e["args"]["recipient"]),
                message_id=_hex(e["args"]["messageId"]),
            )
            for e in events.CollateralSeized().process_receipt(receipt, errors=DISCARD)
        ]
        args = done["args"]
        return Liquidation(
            liquidation_id=_hex(args["liquidationId"]),
            price=from_wad(args["price"]),
            bonus=from_wad(args["bonus"]),
            seized=seized,
            tx_hash=_tx(receipt),
        )

    def poke_feeds(self) -> str:
        return self._send(self.market.functions.pokeFeeds(), "pokeFeeds")


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _tx(receipt: TxReceipt) -> str:
    return str(receipt["transactionHash"].to_0x_hex())
