"""`crossflow market`: the options market on the market chain — its series, a
book, an account's orders and health, and placing and cancelling orders."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from decimal import Decimal

from eth_account.signers.local import LocalAccount
from web3 import Web3

from relayer.chains import devkeys
from relayer.chains.binding import load_live_manifest
from relayer.chains.chain import connect
from relayer.chains.compiler import load_contracts
from relayer.chains.keys import load_accounts
from relayer.chains.tx import Sender
from relayer.cli.args import network_of, positive_decimal
from relayer.market.client import MarketClient, OrderKind
from relayer.settings import Settings
from relayer.table import render_table

MARKET_KEY = "OptionsMarket"


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    market = commands.add_parser("market", help="series, books, orders and accounts")
    market.add_argument("--network", help="manifest to use (default: the `network` setting)")
    actions = market.add_subparsers(required=True, metavar="ACTION")
    actions.add_parser("series", help="every listed series").set_defaults(handler=_series)
    book = actions.add_parser("book", help="one series' best levels each side")
    book.add_argument("series", type=int, metavar="SERIES")
    book.add_argument("--levels", type=int, default=10, help="levels per side (default 10)")
    book.set_defaults(handler=_book)
    for name, what in (("orders", "resting orders"), ("account", "cash, positions, health")):
        view = actions.add_parser(name, help=f"an account's {what} (default: the trader's)")
        view.add_argument("address", nargs="?", help="the account (default: the trader key)")
        view.set_defaults(handler=_orders if name == "orders" else _account)
    place = actions.add_parser("place", help="buy or sell a series at a limit price")
    place.add_argument("series", type=int, metavar="SERIES")
    place.add_argument("side", choices=["buy", "sell"])
    place.add_argument("price", type=positive_decimal, help="premium per contract, quote units")
    place.add_argument("amount", type=positive_decimal, help="contracts, a multiple of the lot")
    kind = place.add_mutually_exclusive_group()
    kind.add_argument("--post-only", action="store_true", help="rest only; refuse to trade")
    kind.add_argument("--ioc", action="store_true", help="immediate-or-cancel: never rest")
    place.add_argument("--max-fills", type=int, help="makers to match (default: setting)")
    place.set_defaults(handler=_place)
    listing = actions.add_parser("list", help="list a series (the market's owner)")
    listing.add_argument("--strike", type=positive_decimal, required=True, help="quote units")
    listing.add_argument("--expiry", type=int, required=True, help="unix seconds")
    listing.add_argument("--put", action="store_true", help="a put (default: a call)")
    listing.add_argument(
        "--tick", type=positive_decimal, default=Decimal("0.1"), help="premium tick"
    )
    listing.add_argument(
        "--lot", type=positive_decimal, default=Decimal("0.1"), help="contracts per lot"
    )
    listing.add_argument(
        "--max-price", type=positive_decimal, default=Decimal(6000), help="price cap"
    )
    listing.set_defaults(handler=_list)
    cancel = actions.add_parser("cancel", help="cancel one of the trader's orders")
    cancel.add_argument("order", type=int, metavar="ORDER")
    cancel.set_defaults(handler=_cancel)
    for action in actions.choices.values():
        action.add_argument("--json", action="store_true", help="machine-readable output")


def _series(args: argparse.Namespace, settings: Settings) -> int:
    rows = _client(args, settings).all_series()
    if args.json:
        return _print_json([asdict(s) for s in rows])
    print(
        render_table(
            ["id", "type", "strike", "expiry", "tick", "lot", "max price", "settled at"],
            [
                [
                    s.id,
                    "call" if s.is_call else "put",
                    s.strike,
                    s.expiry,
                    s.tick_size,
                    s.lot_size,
                    s.max_price,
                    s.settlement_price if s.settled else "-",
                ]
                for s in rows
            ],
        )
        if rows
        else "no series listed yet"
    )
    return 0


def _book(args: argparse.Namespace, settings: Settings) -> int:
    book = _client(args, settings).book(args.series, args.levels)
    if args.json:
        return _print_json(asdict(book))
    rows = [["bid", lv.price, lv.amount] for lv in book.bids]
    rows += [["ask", lv.price, lv.amount] for lv in book.asks]
    print(render_table(["side", "price", "contracts"], rows) if rows else "the book is empty")
    return 0


def _orders(args: argparse.Namespace, settings: Settings) -> int:
    address = args.address or _trader(args, settings).address
    orders = _client(args, settings).orders(address)
    if args.json:
        return _print_json([asdict(o) for o in orders])
    print(
        render_table(
            ["order", "series", "side", "price", "contracts", "reserved margin"],
            [
                [
                    o.id,
                    o.series_id,
                    "buy" if o.is_bid else "sell",
                    o.price,
                    o.amount,
                    o.reserved_margin,
                ]
                for o in orders
            ],
        )
        if orders
        else "no resting orders"
    )
    return 0


def _account(args: argparse.Namespace, settings: Settings) -> int:
    address = args.address or _trader(args, settings).address
    account = _client(args, settings).account(address)
    if args.json:
        return _print_json(asdict(account))
    print(f"account {account.address}: {account.health}")
    print(
        render_table(
            ["", "USD"],
            [
                ["cash", account.cash],
                ["equity", account.equity],
                ["MM", account.mm],
                ["IM", account.im],
                ["open-order margin", account.open_order_margin],
            ],
        )
    )
    for series_id, contracts in account.positions.items():
        print(f"series {series_id}: {contracts:+f} contracts")
    return 0


def _place(args: argparse.Namespace, settings: Settings) -> int:
    kind = OrderKind.POST_ONLY if args.post_only else OrderKind.LIMIT
    kind = OrderKind.IMMEDIATE_OR_CANCEL if args.ioc else kind
    placed = _client(args, settings, _trader(args, settings)).place(
        args.series,
        is_bid=args.side == "buy",
        price=args.price,
        amount=args.amount,
        kind=kind,
        max_fills=args.max_fills or settings.market.max_fills,
    )
    if args.json:
        return _print_json(asdict(placed))
    rests = f"order {placed.order_id} rests" if placed.order_id else "nothing rests"
    print(f"filled {placed.filled:f} contracts; {rests} (tx {placed.tx_hash})")
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    (owner,) = load_accounts(
        [settings.market.owner_key] if settings.market.owner_key else [],
        network_of(args, settings),
        [devkeys.DEPLOYER_KEY],
        what="market owner key",
        variable="CROSSFLOW_MARKET__OWNER_KEY",
    )
    series_id = _client(args, settings, owner).list_series(
        strike=args.strike,
        expiry=args.expiry,
        is_call=not args.put,
        tick_size=args.tick,
        lot_size=args.lot,
        max_price=args.max_price,
    )
    if args.json:
        return _print_json({"series": series_id})
    print(f"listed series {series_id}")
    return 0


def _cancel(args: argparse.Namespace, settings: Settings) -> int:
    tx_hash = _client(args, settings, _trader(args, settings)).cancel(args.order)
    if args.json:
        return _print_json({"order": args.order, "tx_hash": tx_hash})
    print(f"order {args.order} cancelled (tx {tx_hash})")
    return 0


def _client(
    args: argparse.Namespace, settings: Settings, trader: LocalAccount | None = None
) -> MarketClient:
    """The market of the live manifest; it trades as `trader` when one is given."""
    contracts = load_contracts()
    manifest = load_live_manifest(settings.manifest_dir, network_of(args, settings), contracts)
    chain = manifest.market_chain()
    web3 = connect(chain.rpc_url, chain.chain_id)
    market = web3.eth.contract(
        address=Web3.to_checksum_address(manifest.address(chain, MARKET_KEY)),
        abi=contracts.get("IOptionsMarket").abi,
    )
    sender = Sender(web3, trader, chain.chain_id) if trader is not None else None
    return MarketClient(market, sender)


def _trader(args: argparse.Namespace, settings: Settings) -> LocalAccount:
    (trader,) = load_accounts(
        [settings.market.trader_key] if settings.market.trader_key else [],
        network_of(args, settings),
        [devkeys.USER_KEYS[0]],
        what="trader key",
        variable="CROSSFLOW_MARKET__TRADER_KEY",
    )
    return trader


def _print_json(value: object) -> int:
    print(json.dumps(value, indent=2, default=str))
    return 0
