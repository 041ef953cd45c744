"""`crossflow bench risk`: the issue's targets, measured.

- gas of Black-Scholes price + delta and of the normal CDF, per regime;
- gas of IM + MM for accounts of 1 to 16 positions;
- accuracy of the on-chain CDF and prices against double precision;
- the Python model's time for 10,000 accounts x 16 positions.

Gas is what the library call itself used (`gasleft()` inside RiskHarness), on
a fresh Anvil chain. Prints a table, writes JSON.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.special import ndtr
from web3.contract import Contract

from relayer.chains.toolchain import foundry_tool
from relayer.files import write_json_atomic
from relayer.risk.model import SECONDS_PER_YEAR, Book, Market, greeks, margin
from relayer.risk.portfolio import Portfolio, Position
from relayer.settings import RiskSettings, ToolchainSettings
from relayer.table import render_table
from relayer.testbed.net import running_chains
from relayer.testbed.risk_harness import (
    HALF,
    account_struct,
    deploy_harness,
    from_wad,
    market_struct,
    params_struct,
    random_options,
    random_portfolios,
    wad,
)

MARKET = Market(spot=3000.0, vol=0.6, now=1_800_000_000)
DAY = 86_400
# (label, spot, strike, vol, seconds, rate, is_call)
REGIMES = [
    ("ATM put 7d", 3000.0, 3000.0, 0.6, 7 * DAY, 0.0, False),
    ("OTM call 30d", 3000.0, 3600.0, 0.6, 30 * DAY, 0.0, True),
    ("ITM call 1y", 3000.0, 2000.0, 0.6, 365 * DAY, 0.0, True),
    ("far OTM call 1d", 3000.0, 4500.0, 0.6, DAY, 0.0, True),
    ("Hull call, r = 10%", 42.0, 40.0, 0.2, SECONDS_PER_YEAR // 2, 0.10, True),
]
CDF_POINTS = [0.5, 1.5, 3.0, 7.0]
POSITION_COUNTS = [1, 4, 8, 16]
MODEL_ACCOUNTS, MODEL_POSITIONS = 10_000, 16
BATCH = 250


@dataclass(frozen=True)
class RiskBench:
    price_and_delta_gas: dict[str, int]
    cdf_gas: dict[str, int]
    margin_gas: dict[str, int]  # book -> gas of IM + MM + health
    cdf_max_abs_error: float
    price_max_error_over_spot: float
    accuracy_inputs: int
    model_seconds: float  # 10,000 accounts x 16 positions, best of 5


def run_risk_bench(log_dir: Path, seed: int = 7) -> RiskBench:
    anvil = foundry_tool("anvil", ToolchainSettings())
    with running_chains(anvil, [31337], log_dir) as (chain,):
        harness = deploy_harness(chain)
        price_gas = {
            label: int(
                harness.functions.priceAndDeltaGas(
                    (wad(s), wad(k), wad(v), t, wad(r), call)
                ).call()[2]
            )
            for label, s, k, v, t, r, call in REGIMES
        }
        cdf_gas = {f"x = {x}": int(harness.functions.cdfGas(wad(x)).call()[1]) for x in CDF_POINTS}
        margin_gas = {
            f"{n} position(s), costliest of 5 random books": _margin_gas(
                harness, random_portfolios(5, seed, positions=n)
            )
            for n in POSITION_COUNTS
        }
        margin_gas["16 far out-of-the-money shorts"] = _margin_gas(harness, [_far_shorts()])
        cdf_error, price_error, inputs = _accuracy(harness, seed)
    return RiskBench(
        price_and_delta_gas=price_gas,
        cdf_gas=cdf_gas,
        margin_gas=margin_gas,
        cdf_max_abs_error=cdf_error,
        price_max_error_over_spot=price_error,
        accuracy_inputs=inputs,
        model_seconds=_model_seconds(seed),
    )


def _margin_gas(harness: Contract, accounts: list[Portfolio]) -> int:
    """The most gas any of `accounts` needs."""
    market, params = market_struct(MARKET), params_struct(RiskSettings())
    return max(
        int(
            harness.functions.evaluateGas(
                account_struct(account, MARKET.now), market, params
            ).call()[1]
        )
        for account in accounts
    )


def _far_shorts() -> Portfolio:
    """The costliest book for `Margin.evaluate`: 16 short options so far out of the
    money that d1 and d2 fall in the normal tail's middle piece (2 < |d| <= 5.66) in
    nearly every scenario, which needs an exponential and two Mills ratios each."""
    wings = [("call", 4500.0), ("call", 5000.0), ("put", 1800.0), ("put", 2000.0)]
    return Portfolio(
        cash=20_000.0,
        latency_seconds=600.0,
        positions=[
            Position(kind=kind, strike=strike + i, days=20.0 + i, quantity=-1.0)
            for i, (kind, strike) in enumerate(wings * 4)
        ],
    )


def _accuracy(harness: Contract, seed: int) -> tuple[float, float, int]:
    rng = np.random.default_rng(seed)
    xs = [wad(x) for x in rng.uniform(-9, 9, 5000)]
    cdfs = [
        v
        for start in range(0, len(xs), BATCH)
        for v in harness.functions.normal(xs[start : start + BATCH]).call()[0]
    ]
    cdf_error = float(np.max(np.abs(from_wad(cdfs) - ndtr(from_wad(xs)))))
    options = random_options(5000, seed)
    rows = options.rows()
    prices = [
        v
        for start in range(0, len(rows), BATCH)
        for v in harness.functions.greeks(rows[start : start + BATCH]).call()[0]
    ]
    spot = from_wad(options.spot)
    expected = greeks(
        spot,
        from_wad(options.strike),
        from_wad(options.vol),
        options.years,
        np.array(options.is_call),
        rate=from_wad(options.rate),
    )[0]
    price_error = float(np.max(np.abs(from_wad(prices) - expected) / spot))
    return cdf_error, price_error, len(xs) + len(rows)


def _model_seconds(seed: int) -> float:
    """Best of 5: margin for 10,000 random accounts of 16 positions, USDC and WETH."""
    rng = np.random.default_rng(seed)
    accounts, positions = MODEL_ACCOUNTS, MODEL_POSITIONS
    book = Book(
        cash=rng.normal(0, 5000, accounts),
        quantity=rng.normal(0, 3, (accounts, positions)),
        strike=rng.uniform(1500, 4500, (accounts, positions)),
        expiry=MARKET.now + rng.uniform(0, 90 * DAY, (accounts, positions)),
        is_call=rng.random((accounts, positions)) < HALF,
        collateral=rng.uniform(0, 10_000, (accounts, 2)),
        haircut=np.array([0.0, 0.1]),
        tracks_spot=np.array([False, True]),
        price=np.array([1.0, 0.0]),
        latency=rng.uniform(0, 3600, accounts),
    )
    risk = RiskSettings()
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        margin(book, MARKET, risk)
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def report(result: RiskBench) -> str:
    rows: list[list[object]] = [
        [f"price + delta gas, {label}", f"{gas:,}"]
        for label, gas in result.price_and_delta_gas.items()
    ]
    rows += [[f"normal CDF gas, {label}", f"{gas:,}"] for label, gas in result.cdf_gas.items()]
    rows += [[f"IM + MM gas, {book}", f"{gas:,}"] for book, gas in result.margin_gas.items()]
    rows += [
        [
            "normal CDF max abs error",
            f"{result.cdf_max_abs_error:.1e} (target <= 1e-8)",
        ],
        [
            "price max abs error / spot",
            f"{result.price_max_error_over_spot:.1e} (target <= 1e-8)",
        ],
        ["accuracy inputs", f"{result.accuracy_inputs:,}"],
        [
            f"Python model, {MODEL_ACCOUNTS:,} accounts x {MODEL_POSITIONS} positions",
            f"{result.model_seconds} s (target < 1 s)",
        ],
    ]
    return render_table(["risk benchmark", "value"], rows)


def bench_risk_command(out: Path) -> RiskBench:
    with tempfile.TemporaryDirectory(prefix="crossflow-bench-") as tmp:
        result = run_risk_bench(Path(tmp))
    write_json_atomic(out, asdict(result), indent=2)
    return result
