"""`crossflow bench market`: the options market's gas against the issue's targets,
as transactions on a fresh Anvil chain (cold storage, receipts' gasUsed):

- a resting order of an account that holds one position, margin included, and
  its cancel: in a live book (a new price level beside other orders) and on an
  empty side (the order alone, so its bitmap words are written fresh and
  cleared again: the worst case);
- a taker sweeping 1, 5 and 20 makers, with makers already holding the series
  and with makers trading it for the first time; the cost of each extra maker
  (a maker's series joins its list when it places its order, so the fill itself
  costs the same either way);
- one position's settlement, alone and as one of a keeper's batch.

Prints a table, writes JSON.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from web3.types import RPCEndpoint

from relayer.chains.toolchain import foundry_tool
from relayer.files import write_json_atomic
from relayer.market.client import OrderKind, settlement_round
from relayer.settings import RiskSettings, ToolchainSettings
from relayer.table import render_table
from relayer.testbed.market import OWNER, MarketBed, deploy_market_bed
from relayer.testbed.net import running_chains

MARKET_CHAIN = 31338
SWEEPS = (1, 5, 20)
PRICE, LOT = Decimal(200), Decimal("0.1")
HOUR = 3600
TARGETS = {"place": 250_000, "extra_maker": 40_000, "cancel": 50_000, "settle": 40_000}


@dataclass(frozen=True)
class MarketBench:
    place_resting_live_book: int
    place_resting_empty_side: int
    sweep_holding: dict[int, int]
    sweep_first_fill: dict[int, int]
    extra_maker_holding: int
    extra_maker_first_fill: int
    cancel_live_book: int
    cancel_emptying_side: int
    settle_position: int
    settle_per_position_in_batch: int


def bench_market_command(out: Path) -> MarketBench:
    with tempfile.TemporaryDirectory(prefix="crossflow-bench-market-") as workdir:
        anvil = foundry_tool("anvil", ToolchainSettings())
        with running_chains(anvil, [MARKET_CHAIN], Path(workdir)) as (chain,):
            bed = deploy_market_bed(chain, Path(workdir), RiskSettings())
            result = _measure(bed)
    write_json_atomic(out, asdict(result), indent=2)
    return result


def _measure(bed: MarketBed) -> MarketBench:
    owner = bed.client(OWNER)
    expiry = bed.now() + 2 * HOUR
    series_id = owner.list_series(
        strike=Decimal(3000),
        expiry=expiry,
        is_call=True,
        tick_size=Decimal("0.1"),
        lot_size=LOT,
        max_price=Decimal(6000),
    )
    taker, trader_account, quoter_account = _funded(bed, 3)
    quoter, trader = bed.client(quoter_account), bed.client(trader_account)
    # The taker trades once first, so every sweep below measures the makers alone.
    quoter.place(series_id, is_bid=False, price=PRICE, amount=LOT)
    bed.client(taker).place(series_id, is_bid=True, price=PRICE, amount=LOT)
    holding = {}
    first_fill = {}
    makers: list[LocalAccount] = []
    for count in SWEEPS:
        makers = _funded(bed, count)
        first_fill[count] = _sweep(bed, series_id, makers, taker)
        holding[count] = _sweep(bed, series_id, makers, taker)  # now they hold the series

    trader.place(series_id, is_bid=True, price=PRICE, amount=LOT)
    bed.client(taker).place(series_id, is_bid=False, price=PRICE, amount=LOT)  # one position held
    quote = quoter.place(series_id, is_bid=True, price=Decimal(140), amount=LOT)
    quoter.place(series_id, is_bid=False, price=Decimal(260), amount=LOT)
    live = trader.place(series_id, is_bid=True, price=Decimal(150), amount=Decimal(1))
    cancel_live = _gas(bed, trader.cancel(live.order_id))
    quoter.cancel(quote.order_id)  # the bid side is empty now
    alone = trader.place(series_id, is_bid=True, price=Decimal("150.5"), amount=Decimal(1))
    cancel_alone = _gas(bed, trader.cancel(alone.order_id))

    bed.advance(2 * HOUR + 60)
    bed.post_prices(3300.0, 0.6)
    owner.settle_series(series_id, settlement_round(bed.spot, expiry))
    settle_gas = _gas(bed, owner.settle_position(trader_account.address, series_id))
    batch = owner.settle_positions(series_id, [maker.address for maker in makers])
    span = SWEEPS[-1] - SWEEPS[1]
    return MarketBench(
        place_resting_live_book=_gas(bed, live.tx_hash),
        place_resting_empty_side=_gas(bed, alone.tx_hash),
        sweep_holding=holding,
        sweep_first_fill=first_fill,
        extra_maker_holding=(holding[SWEEPS[-1]] - holding[SWEEPS[1]]) // span,
        extra_maker_first_fill=(first_fill[SWEEPS[-1]] - first_fill[SWEEPS[1]]) // span,
        cancel_live_book=cancel_live,
        cancel_emptying_side=cancel_alone,
        settle_position=settle_gas,
        settle_per_position_in_batch=_gas(bed, batch) // len(makers),
    )


def _sweep(bed: MarketBed, series_id: int, makers: list[LocalAccount], taker: LocalAccount) -> int:
    """Each maker rests one lot; the taker sweeps them all in one order."""
    for i, maker in enumerate(makers):
        bed.client(maker).place(
            series_id, is_bid=False, price=PRICE + i * Decimal("0.1"), amount=LOT
        )
    swept = bed.client(taker).place(
        series_id,
        is_bid=True,
        price=PRICE + len(makers) * Decimal("0.1"),
        amount=LOT * len(makers),
        kind=OrderKind.IMMEDIATE_OR_CANCEL,
        max_fills=len(makers),
    )
    return _gas(bed, swept.tx_hash)


def _funded(bed: MarketBed, count: int) -> list[LocalAccount]:
    """New accounts with ether for gas and cash on the market."""
    accounts = [Account.create() for _ in range(count)]
    for account in accounts:
        bed.chain.web3.provider.make_request(
            RPCEndpoint("anvil_setBalance"), [account.address, hex(10**20)]
        )
        bed.fund(account.address, Decimal(1_000_000))
    return accounts


def _gas(bed: MarketBed, tx_hash: str) -> int:
    return int(bed.chain.web3.eth.get_transaction_receipt(HexStr(tx_hash))["gasUsed"])


def report(result: MarketBench) -> str:
    place, extra, cancel, settle = (
        TARGETS[k] for k in ("place", "extra_maker", "cancel", "settle")
    )
    rows: list[list[object]] = [
        ["place resting, holding one position (live book)", result.place_resting_live_book, place],
        [
            "place resting, holding one position (empty side)",
            result.place_resting_empty_side,
            place,
        ],
        *[[f"sweep {n} makers (holding)", g, "-"] for n, g in result.sweep_holding.items()],
        *[[f"sweep {n} makers (first fill)", g, "-"] for n, g in result.sweep_first_fill.items()],
        ["each extra maker (holding)", result.extra_maker_holding, extra],
        ["each extra maker (first fill)", result.extra_maker_first_fill, "-"],
        ["cancel (live book)", result.cancel_live_book, cancel],
        ["cancel (emptying its side)", result.cancel_emptying_side, cancel],
        ["settle one position", result.settle_position, settle],
        [f"settle {SWEEPS[-1]} in one batch, each", result.settle_per_position_in_batch, settle],
    ]
    return render_table(["market gas", "gas", "target"], rows)
