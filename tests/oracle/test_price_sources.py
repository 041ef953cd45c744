"""Price sources for the feeder: seeded, checked, and faithful to their model."""

from __future__ import annotations

import math
import statistics
from itertools import islice, pairwise
from pathlib import Path

import pytest

from relayer.oracle.price_sources import (
    SECONDS_PER_YEAR,
    CsvNotReadable,
    Gbm,
    MalformedCsv,
    constant,
    csv_replay,
)


def test_constant_repeats_one_price_on_a_fixed_step() -> None:
    ticks = list(islice(constant(3000.0, 0.6, start=100, step=10), 3))
    assert [(t.timestamp, t.price, t.vol) for t in ticks] == [
        (100, 3000.0, 0.6),
        (110, 3000.0, 0.6),
        (120, 3000.0, 0.6),
    ]


def test_gbm_is_reproducible_from_its_seed() -> None:
    model = Gbm(seed=42, price=3000.0, sigma=0.8, jump_rate=50, jump_size=0.05)
    first = [t.price for t in islice(model.ticks(0, 60), 200)]
    again = [t.price for t in islice(model.ticks(0, 60), 200)]
    other = [t.price for t in islice(Gbm(43, 3000.0, 0.8).ticks(0, 60), 200)]
    assert first == again
    assert first != other


def test_gbm_log_returns_have_the_stated_volatility() -> None:
    step = 3600
    prices = [t.price for t in islice(Gbm(seed=7, price=3000.0, sigma=0.6).ticks(0, step), 20_001)]
    returns = [math.log(b / a) for a, b in pairwise(prices)]
    annualised = statistics.stdev(returns) * math.sqrt(SECONDS_PER_YEAR / step)
    assert annualised == pytest.approx(0.6, rel=0.03)
    assert all(p > 0 for p in prices)


def test_jumps_fatten_the_tails() -> None:
    def kurtosis(model: Gbm) -> float:
        prices = [t.price for t in islice(model.ticks(0, 3600), 20_001)]
        returns = [math.log(b / a) for a, b in pairwise(prices)]
        mean = statistics.fmean(returns)
        var = statistics.fmean((r - mean) ** 2 for r in returns)
        return statistics.fmean((r - mean) ** 4 for r in returns) / var**2

    plain = kurtosis(Gbm(seed=1, price=3000.0, sigma=0.6))
    jumpy = kurtosis(Gbm(seed=1, price=3000.0, sigma=0.6, jump_rate=200, jump_size=0.05))
    assert plain == pytest.approx(3.0, abs=0.3)
    assert jumpy > plain + 2


def test_csv_replay_reads_rows_with_and_without_vol(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("timestamp,price,vol\n100,3000.5,0.6\n160,3010\n")
    ticks = csv_replay(path)
    assert [(t.timestamp, t.price, t.vol) for t in ticks] == [
        (100, 3000.5, 0.6),
        (160, 3010.0, None),
    ]


@pytest.mark.parametrize(
    ("text", "line", "detail"),
    [
        ("100,3000\n90,3001\n", 2, "does not increase"),
        ("100,3000\n160,-1\n", 2, "price must be positive"),
        ("100,3000\n160,abc\n", 2, "not a number"),
        ("100,3000,0.5,extra\n", 1, "expected 2 or 3 columns"),
        ("timestamp,price\n100,3000,0\n", 2, "vol must be positive"),
        ("timestamp,price\n", 0, "no price rows"),
    ],
)
def test_a_malformed_csv_names_the_line(tmp_path: Path, text: str, line: int, detail: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(MalformedCsv, match=rf"line {line}: .*{detail}"):
        csv_replay(path)


def test_a_missing_csv_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CsvNotReadable, match=r"cannot read the price file .*missing\.csv"):
        csv_replay(tmp_path / "missing.csv")
