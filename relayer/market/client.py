"""One `OptionsMarket` as a user sees it: series, the book, orders, an account's
positions and health, and the transactions that list, trade, cancel and settle.

Amounts are Decimals in quote units (premiums, cash) and contracts (sizes); the
conversion to WADs, lots and ticks happens here and nowhere else. A revert comes
back as `TransactionReverted` naming the market's custom error.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import Any

from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.logs import DISCARD

from relayer.chains.tx import Sender, explain_revert
from relayer.errors import DeliveryError, InvalidConfig, TransactionReverted
from relayer.market.units import from_wad, to_wad

HEALTH = ("healthy", "margin call", "liquidatable", "insolvent")
MAX_TICK = 2**16 - 1  # OrderBook.MAX_TICK


class OrderKind(IntEnum):
    LIMIT = 0
    POST_ONLY = 1
    IMMEDIATE_OR_CANCEL = 2


@dataclass(frozen=True)
class Series:
    id: int
    strike: Decimal
    expiry: int
    is_call: bool
    tick_size: Decimal
    lot_size: Decimal
    max_price: Decimal
    settled: bool
    settlement_price: Decimal

    @property
    def label(self) -> str:
        return f"{'C' if self.is_call else 'P'} {self.strike:f} @ {self.expiry}"


@dataclass(frozen=True)
class Level:
    price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Book:
    series_id: int
    bids: list[Level]
    asks: list[Level]


@dataclass(frozen=True)
class Order:
    id: int
    series_id: int
    is_bid: bool
    price: Decimal
    amount: Decimal
    reserved_margin: Decimal


@dataclass(frozen=True)
class Placed:
    order_id: int  # zero when nothing rests
    filled: Decimal  # contracts traded
    tx_hash: str


@dataclass(frozen=True)
class Account:
    address: str
    cash: Decimal
    positions: dict[int, Decimal]  # contracts per series, signed
    orders: list[Order]
    equity: Decimal
    mm: Decimal
    im: Decimal
    open_order_margin: Decimal
    health: str
    covers_orders: bool


class MarketClient:
    """Reads through `market`; transactions from `sender`, when given."""

    def __init__(
        self, market: Contract, sender: Sender | None = None, at_block: int | None = None
    ) -> None:
        """Reads at `at_block` when given (the market as it was), else at the latest."""
        self.market = market
        self.sender = sender
        self.at_block = at_block
        self._series: dict[int, Series] = {}

    # reads

    def all_series(self) -> list[Series]:
        count = int(self._read(self.market.functions.seriesCount()))
        return [self.series(i) for i in range(1, count + 1)]

    def series(self, series_id: int) -> Series:
        cached = self._series.get(series_id)
        if cached is not None and cached.settled:  # nothing changes after settlement
            return cached
        raw = self._read(self.market.functions.series(series_id))
        strike, tick, lot, max_tick, expiry, is_call, settled, settlement = raw
        found = Series(
            id=series_id,
            strike=from_wad(strike),
            expiry=int(expiry),
            is_call=bool(is_call),
            tick_size=from_wad(tick),
            lot_size=from_wad(lot),
            max_price=from_wad(int(max_tick) * int(tick)),
            settled=bool(settled),
            settlement_price=from_wad(settlement),
        )
        self._series[series_id] = found
        return found

    def book(self, series_id: int, levels: int = 10) -> Book:
        s = self.series(series_id)
        sides = []
        for is_bid in (True, False):
            ticks, lots = self._read(self.market.functions.depth(series_id, is_bid, levels))
            sides.append(
                [Level(t * s.tick_size, n * s.lot_size) for t, n in zip(ticks, lots, strict=True)]
            )
        return Book(series_id, sides[0], sides[1])

    def account(self, address: str) -> Account:
        functions = self.market.functions
        series_ids, lots = self._read(functions.positionsOf(address))
        positions = {
            int(i): n * self.series(int(i)).lot_size for i, n in zip(series_ids, lots, strict=True)
        }
        orders = [self._order(raw) for raw in self._read(functions.ordersOf(address))]
        (equity, mm, im, _, _, health), order_margin, covers = self._read(functions.health(address))
        return Account(
            address=address,
            cash=from_wad(self._read(functions.cash(address))),
            positions=positions,
            orders=orders,
            equity=from_wad(equity),
            mm=from_wad(mm),
            im=from_wad(im),
            open_order_margin=from_wad(order_margin),
            health=HEALTH[health],
            covers_orders=bool(covers),
        )

    # transactions

    def list_series(
        self,
        *,
        strike: Decimal,
        expiry: int,
        is_call: bool,
        tick_size: Decimal,
        lot_size: Decimal,
        max_price: Decimal,
    ) -> int:
        tick, lot = to_wad(tick_size), to_wad(lot_size)
        max_tick = to_wad(max_price) // tick
        if not 0 < max_tick <= MAX_TICK:
            raise InvalidConfig(
                "the series terms",
                f"a max price of {max_price} is {max_tick} ticks of {tick_size}"
                f", and the book counts 1 to {MAX_TICK}",
            )
        call = self.market.functions.listSeries(
            to_wad(strike), expiry, is_call, tick, lot, max_tick
        )
        receipt = self._sender().transact(call, "listSeries")
        (event,) = self.market.events.SeriesListed().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["seriesId"])

    def place(
        self,
        series_id: int,
        *,
        is_bid: bool,
        price: Decimal,
        amount: Decimal,
        kind: OrderKind = OrderKind.LIMIT,
        max_fills: int = 10,
    ) -> Placed:
        call = self.market.functions.place(
            series_id, is_bid, to_wad(price), to_wad(amount), int(kind), max_fills
        )
        receipt = self._sender().transact(call, "place")
        events = self.market.events
        placed = events.OrderPlaced().process_receipt(receipt, errors=DISCARD)
        traded = events.Traded().process_receipt(receipt, errors=DISCARD)
        lot = self.series(series_id).lot_size
        return Placed(
            order_id=int(placed[0]["args"]["orderId"]) if placed else 0,
            filled=sum((e["args"]["lots"] * lot for e in traded), Decimal(0)),
            tx_hash=receipt["transactionHash"].to_0x_hex(),
        )

    def cancel(self, order_id: int) -> str:
        """Cancels one of the sender's orders; returns the transaction hash."""
        return self._send(self.market.functions.cancel(order_id), "cancel")

    def settle_series(self, series_id: int, round_id: int) -> str:
        return self._send(self.market.functions.settleSeries(series_id, round_id), "settleSeries")

    def settle_position(self, account: str, series_id: int) -> str:
        call = self.market.functions.settlePosition(account, series_id)
        return self._send(call, "settlePosition")

    def settle_positions(self, series_id: int, accounts: list[str]) -> str:
        """Settles every account's position in a settled series in one transaction."""
        call = self.market.functions.settlePositions(series_id, accounts)
        return self._send(call, "settlePositions")

    def _send(self, call: ContractFunction, what: str) -> str:
        return str(self._sender().transact(call, what)["transactionHash"].to_0x_hex())

    def _order(self, raw: Any) -> Order:
        order_id, series_id, is_bid, tick, lots, reserved = raw
        s = self.series(int(series_id))
        return Order(
            id=int(order_id),
            series_id=int(series_id),
            is_bid=bool(is_bid),
            price=tick * s.tick_size,
            amount=lots * s.lot_size,
            reserved_margin=from_wad(reserved),
        )

    def orders(self, address: str) -> list[Order]:
        return [self._order(raw) for raw in self._read(self.market.functions.ordersOf(address))]

    def _read(self, call: ContractFunction) -> Any:
        """`call`'s result; a revert comes back as TransactionReverted naming the error."""
        try:
            return call.call(
                block_identifier=self.at_block if self.at_block is not None else "latest"
            )
        except (ContractLogicError, ContractCustomError) as err:
            raise TransactionReverted(
                call.fn_name, "a call", explain_revert(err, self.market.abi)
            ) from err

    def _sender(self) -> Sender:
        if self.sender is None:
            raise DeliveryError("this market client only reads", "give it a key to trade")
        return self.sender


def settlement_round(feed: Contract, expiry: int) -> int:
    """The feed's first round at or after `expiry`, as `settleSeries` wants it."""
    first = 0
    for round_id in range(int(feed.functions.latestRound().call()), 0, -1):
        updated_at = int(feed.functions.getRoundData(round_id).call()[3])
        if updated_at < expiry:
            break
        first = round_id
    return first
