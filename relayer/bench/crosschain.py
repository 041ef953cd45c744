"""`crossflow bench crosschain`: the cross-chain side against the issue's targets, on
fresh Anvil chains (a collateral chain and the market chain, everything deployed by
`deploy_everything`):

- gas (receipts' gasUsed of real transactions): deposit on the vault; withdraw,
  marginCall (one domain) and liquidate (an account short puts in 1, 4 and 16
  series, a price move below MM) on the market; and each message as the mailbox's
  `process` executes it, one message per transaction, sent by the bench with the
  validators' signatures: CREDIT on the market, RELEASE, SEIZE and MARGIN_CALL
  (with an auto top-up of one token) on the vault. For those, the whole `process`
  transaction and the handler alone (the mailbox's call into the app, from the
  node's call trace);
- time to liquidation: from the block in which the price report that breaches MM
  is mined on the market chain to the block of the collateral mailbox's `Process`
  of the SEIZE, with `crossflow relay` and `crossflow keep` running in-process at
  their production poll intervals, automining and with 1-second blocks.

Prints a table, writes JSON.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3.types import TxReceipt

from relayer.bench.crosschain_bed import (
    COLLATERAL,
    KEEPER,
    MARKET,
    OWNER,
    THRESHOLD,
    VALIDATORS,
    Agents,
    Bed,
    deploy_bed,
    fresh_chains,
)
from relayer.chains.toolchain import foundry_tool
from relayer.files import write_json_atomic
from relayer.settings import Settings
from relayer.table import render_table

LIQUIDATED = (1, 4, 16)
LIQUIDATION_TIMEOUT_S = 120
SPOT, VOL = 3000.0, 0.6
BREACHES = (2700.0, 2550.0, 2400.0)  # tried in turn until the account is below MM
PREMIUM, CONTRACTS = Decimal(100), Decimal(1)
RESERVE = Decimal(10_000)
WETH_HELD = Decimal("0.05")  # seized on the collateral chain; cash covers the rest
DAY = 86_400
LOT = Decimal("0.1")
BLOCK_TIMES: tuple[float | None, ...] = (None, 1.0)
DELIVERY = (
    f"process() sent by the bench with {THRESHOLD} of {len(VALIDATORS)} validators' "
    "signatures, one message per transaction; handler = the mailbox's call into the app "
    "(debug_traceTransaction, callTracer)"
)


@dataclass(frozen=True)
class Delivered:
    process: int  # the whole `process` transaction
    handler: int | None  # the app's handler within it


@dataclass(frozen=True)
class TimeToLiquidation:
    """From the block that mines the breaching price report on the market chain to the
    block of the collateral mailbox's `Process` of the SEIZE. Seconds by the bench's
    clock (each block seen within milliseconds); chain seconds from block timestamps."""

    block_time_s: float | None  # None: automine
    runs: int
    seconds_p50: float
    seconds_p99: float
    chain_seconds_p50: float
    chain_seconds_p99: float
    market_blocks_p50: float  # breach block to liquidation block
    market_blocks_p99: float
    collateral_blocks_p50: float  # collateral head at the breach to the Process block
    collateral_blocks_p99: float
    seconds: list[float]


@dataclass(frozen=True)
class CrosschainGas:
    deposit_first: int
    deposit_again: int
    credit_first: Delivered
    credit_again: Delivered
    withdraw: int
    release: Delivered
    margin_call: int
    margin_call_on_vault_with_top_up: Delivered
    credit_of_top_up: Delivered
    liquidate: dict[int, int]
    seize: Delivered


@dataclass(frozen=True)
class CrosschainBench:
    delivery: str
    gas: CrosschainGas
    relay_poll_interval_s: float
    keeper_poll_interval_s: float
    time_to_liquidation: list[TimeToLiquidation]


def bench_crosschain_command(
    out: Path, runs: int, settings: Settings | None = None
) -> CrosschainBench:
    settings = settings or Settings()
    anvil = foundry_tool("anvil", settings.toolchain)
    with tempfile.TemporaryDirectory(prefix="crossflow-bench-crosschain-") as tmp:
        workdir = Path(tmp)
        with fresh_chains(anvil, workdir / "gas") as chains:
            bed = deploy_bed(chains, workdir / "gas", settings, hand_relay=True)
            gas = _measure_gas(bed)
        timings = []
        for block_time in BLOCK_TIMES:
            name = "automine" if block_time is None else f"block-time-{block_time:g}"
            with fresh_chains(anvil, workdir / name, block_time) as chains:
                bed = deploy_bed(chains, workdir / name, settings, hand_relay=False)
                timings.append(time_to_liquidation(bed, settings, workdir / name, runs, block_time))
    result = CrosschainBench(
        delivery=DELIVERY,
        relay_poll_interval_s=settings.relay.poll_interval,
        keeper_poll_interval_s=settings.keeper.poll_interval,
        time_to_liquidation=timings,
        gas=gas,
    )
    write_json_atomic(out, asdict(result), indent=2)
    return result


def _measure_gas(bed: Bed) -> CrosschainGas:
    maker, liquidator = bed.new_account(), bed.new_account()
    first, credit_first = bed.fund(maker, bed.usd, Decimal(1_000_000))
    again, credit_again = bed.fund(maker, bed.usd, Decimal(1_000_000))
    bed.fund(liquidator, bed.usd, Decimal(1_000_000))
    withdrawal = bed.ledger(maker).withdraw(COLLATERAL, bed.usd, Decimal(100), maker.address)
    withdrawn = bed.receipt(MARKET, withdrawal.tx_hash)
    (release,) = bed.deliver_all(MARKET, withdrawn)

    series = _list_series(bed, max(LIQUIDATED))
    liquidate, seize = {}, None
    for count in LIQUIDATED:
        victim = _short_puts(bed, maker, series[:count])
        _breach(bed, victim)
        taken = bed.ledger(liquidator).liquidate(
            victim.address, Decimal(1), {COLLATERAL: liquidator.address}
        )
        liquidate[count] = bed.gas(MARKET, taken.tx_hash)
        seizes = bed.deliver_all(MARKET, bed.receipt(MARKET, taken.tx_hash))
        if seize is None:
            seize = _delivered(bed, COLLATERAL, seizes[0])
        bed.post(MARKET, SPOT)

    call_gas, on_vault, top_up = _margin_call(bed, maker, series[-1])
    if seize is None or credit_first is None or credit_again is None:
        raise RuntimeError("a message the bench delivers by hand went missing")
    return CrosschainGas(
        deposit_first=int(first["gasUsed"]),
        deposit_again=int(again["gasUsed"]),
        credit_first=_delivered(bed, MARKET, credit_first),
        credit_again=_delivered(bed, MARKET, credit_again),
        withdraw=int(withdrawn["gasUsed"]),
        release=_delivered(bed, COLLATERAL, release),
        margin_call=call_gas,
        margin_call_on_vault_with_top_up=on_vault,
        credit_of_top_up=top_up,
        liquidate=liquidate,
        seize=seize,
    )


def _delivered(bed: Bed, domain: int, receipt: TxReceipt) -> Delivered:
    app = bed.market.address if domain == MARKET else bed.vault.address
    return Delivered(int(receipt["gasUsed"]), bed.handler_gas(domain, receipt, app))


def _list_series(bed: Bed, count: int) -> list[int]:
    """Puts struck 3000, 2950, ... expiring in 30 days."""
    owner = bed.ledger(OWNER)
    expiry = int(bed.web3(MARKET).eth.get_block("latest")["timestamp"]) + 30 * DAY
    return [
        owner.list_series(
            strike=Decimal(3000 - 50 * i),
            expiry=expiry,
            is_call=False,
            tick_size=Decimal("0.1"),
            lot_size=LOT,
            max_price=Decimal(1000),
        )
        for i in range(count)
    ]


def _short_puts(bed: Bed, maker: LocalAccount, series: list[int]) -> LocalAccount:
    """A new account with a little WETH of collateral, short one put in each series, each
    sale with just the cash it lacks (a dollar over)."""
    victim = bed.new_account()
    bed.fund(victim, bed.weth, WETH_HELD)
    for series_id in series:
        bed.ledger(maker).place(series_id, is_bid=True, price=PREMIUM, amount=CONTRACTS)
        missing = bed.missing_margin(victim, series_id, PREMIUM, CONTRACTS)
        if missing > 0:
            bed.fund(victim, bed.usd, missing.quantize(Decimal(1)) + 1)
        bed.ledger(victim).place(series_id, is_bid=False, price=PREMIUM, amount=CONTRACTS)
    return victim


def _breach(bed: Bed, victim: LocalAccount) -> float:
    """Moves spot down until `victim` is below MM; the price that did it."""
    for price in BREACHES:
        bed.post(MARKET, price)
        if bed.ledger(victim).account(victim.address).health in ("liquidatable", "insolvent"):
            return price
    raise RuntimeError(f"{victim.address} still above MM at spot {BREACHES[-1]}")


def _margin_call(bed: Bed, maker: LocalAccount, series_id: int) -> tuple[int, Delivered, Delivered]:
    """An account between MM and IM with USD in reserve and auto top-up on: marginCall,
    the MARGIN_CALL on the vault (moving reserve, sending CREDIT) and that CREDIT."""
    victim = _short_puts(bed, maker, [series_id])
    vault = bed.vault_client(victim)
    bed.mint(bed.usd, victim.address, RESERVE)
    vault.deposit_reserve(bed.usd, RESERVE)
    vault.set_auto_top_up(True)
    ledger = bed.ledger(victim)
    price = SPOT
    while ledger.account(victim.address).health != "margin call":
        price -= 15
        if price < SPOT * 0.8:
            raise RuntimeError(f"{victim.address} never entered its margin call band")
        bed.post(MARKET, price)
    call = bed.market.functions.marginCall(victim.address)
    receipt = bed.sender(MARKET, OWNER).transact(call, "marginCall")
    (on_vault,) = bed.deliver_all(MARKET, receipt)
    (top_up,) = bed.deliver_all(COLLATERAL, on_vault)
    if vault.reserve(victim.address, bed.usd) >= RESERVE:
        raise RuntimeError("the margin call moved no reserve")
    bed.post(MARKET, SPOT)
    return (
        int(receipt["gasUsed"]),
        _delivered(bed, COLLATERAL, on_vault),
        _delivered(bed, MARKET, top_up),
    )


def time_to_liquidation(
    bed: Bed, settings: Settings, workdir: Path, runs: int, block_time: float | None
) -> TimeToLiquidation:
    """`runs` times: a new account short one at-the-money put with just enough margin,
    then spot down 10% on the market chain (below MM, above zero equity), and the
    keeper and the relay take it from there."""
    maker = bed.new_account()
    samples = []
    with Agents(bed, settings, workdir) as agents:
        bed.fund(maker, bed.usd, Decimal(1_000_000))
        bed.fund(KEEPER, bed.usd, Decimal(1_000_000))  # covers IM after taking positions over
        (series_id,) = _list_series(bed, 1)
        for _ in range(runs):
            agents.check()
            bed.post_everywhere(SPOT, VOL)
            victim = _short_puts(bed, maker, [series_id])
            samples.append(_one_liquidation(bed, victim, agents))
    seconds, chain_seconds, market_blocks, collateral_blocks = zip(*samples, strict=True)
    return TimeToLiquidation(
        block_time_s=block_time,
        runs=runs,
        seconds_p50=round(statistics.median(seconds), 3),
        seconds_p99=round(_p99(seconds), 3),
        chain_seconds_p50=statistics.median(chain_seconds),
        chain_seconds_p99=_p99(chain_seconds),
        market_blocks_p50=statistics.median(market_blocks),
        market_blocks_p99=_p99(market_blocks),
        collateral_blocks_p50=statistics.median(collateral_blocks),
        collateral_blocks_p99=_p99(collateral_blocks),
        seconds=[round(s, 3) for s in seconds],
    )


def _one_liquidation(
    bed: Bed, victim: LocalAccount, agents: Agents
) -> tuple[float, float, float, float]:
    """(seconds, chain seconds, market blocks, collateral blocks) from the breach to
    the SEIZE's Process on the collateral chain."""
    breach = bed.post(MARKET, BREACHES[0])
    started = time.monotonic()
    collateral_head = bed.web3(COLLATERAL).eth.block_number
    seized = bed.market.events.CollateralSeized()
    processed = bed.mailbox(COLLATERAL).events.Process()
    seize = None
    while True:
        if time.monotonic() - started > LIQUIDATION_TIMEOUT_S:
            raise TimeoutError(f"{victim.address} not liquidated and seized in time")
        agents.check()
        if seize is None:
            logs = seized.get_logs(
                from_block=breach["blockNumber"], argument_filters={"account": victim.address}
            )
            seize = logs[0] if logs else None
        if seize is not None:
            done = processed.get_logs(
                from_block=collateral_head,
                argument_filters={"id": HexBytes(seize["args"]["messageId"])},
            )
            if done:
                elapsed = time.monotonic() - started
                break
        time.sleep(0.01)
    start_time = bed.web3(MARKET).eth.get_block(breach["blockNumber"])["timestamp"]
    end_time = bed.web3(COLLATERAL).eth.get_block(done[0]["blockNumber"])["timestamp"]
    return (
        elapsed,
        float(end_time - start_time),
        float(seize["blockNumber"] - breach["blockNumber"]),
        float(done[0]["blockNumber"] - collateral_head),
    )


def _p99(values: tuple[float, ...]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def report(result: CrosschainBench) -> str:
    def d(x: Delivered) -> str:
        return f"{x.process} ({x.handler if x.handler is not None else '?'})"

    rows: list[list[object]] = [
        ["deposit (vault), first of the account", result.gas.deposit_first, "-"],
        ["deposit (vault), again", result.gas.deposit_again, "-"],
        ["CREDIT on the market, first (handler)", d(result.gas.credit_first), "-"],
        ["CREDIT on the market, again (handler)", d(result.gas.credit_again), "-"],
        ["withdraw (market)", result.gas.withdraw, "-"],
        ["RELEASE on the vault (handler)", d(result.gas.release), "-"],
        ["marginCall (market, 1 domain)", result.gas.margin_call, "-"],
        [
            "MARGIN_CALL on the vault, 1-token top-up (handler)",
            d(result.gas.margin_call_on_vault_with_top_up),
            "-",
        ],
        ["CREDIT of the top-up (handler)", d(result.gas.credit_of_top_up), "-"],
        *[[f"liquidate, {n} position(s)", g, "-"] for n, g in result.gas.liquidate.items()],
        ["SEIZE on the vault (handler)", d(result.gas.seize), "-"],
    ]
    gas = render_table(["cross-chain gas", "gas", "target"], rows)
    poll = result.keeper_poll_interval_s
    timing_rows: list[list[object]] = []
    for t in result.time_to_liquidation:
        block = 0.0 if t.block_time_s is None else t.block_time_s
        target = poll + 3 * block
        mode = "automine" if t.block_time_s is None else f"{t.block_time_s:g} s blocks"
        timing_rows.append(
            [
                f"{mode}, {t.runs} runs",
                f"{t.seconds_p50:.2f} / {t.seconds_p99:.2f}",
                f"{t.market_blocks_p50:g} / {t.market_blocks_p99:g}",
                f"{t.collateral_blocks_p50:g} / {t.collateral_blocks_p99:g}",
                f"<= {poll:g} s + 3 blocks = {target:g} s"
                + (" met" if t.seconds_p99 <= target else " missed"),
            ]
        )
    timing = render_table(
        [
            "breach -> SEIZE executed",
            "seconds p50 / p99",
            "market blocks p50 / p99",
            "collateral blocks p50 / p99",
            "target (p99)",
        ],
        timing_rows,
    )
    polls = (
        f"relay poll {result.relay_poll_interval_s:g} s, keeper poll {poll:g} s "
        f"(settings); delivery for gas: {result.delivery}"
    )
    return f"{gas}\n\n{timing}\n{polls}"
