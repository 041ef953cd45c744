"""Where the feeder's prices come from: a seeded GBM with jumps, a CSV replay,
or a constant. Every source yields (timestamp, price, implied vol) ticks; the
feeder decides when a tick becomes a signed report (heartbeat or deviation)."""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from relayer.errors import ConfigError
from relayer.settings import FeedSettings

SECONDS_PER_YEAR = 31_536_000
_WITH_VOL = 3  # columns of a row that carries an implied vol


@dataclass(frozen=True)
class Tick:
    timestamp: int  # unix seconds
    price: float  # quote units per unit of the underlying, e.g. USD per ETH
    vol: float | None  # annualised implied volatility, e.g. 0.65; None when unknown


class MalformedCsv(ConfigError):
    def __init__(self, path: Path, line: int, detail: str) -> None:
        super().__init__(
            f"{path}, line {line}: {detail}",
            "each row is `timestamp,price[,vol]` with a positive price and rising timestamps",
        )


class CsvNotReadable(ConfigError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"cannot read the price file {path}: {reason}",
            "give --csv (or feed.csv) the path of a `timestamp,price[,vol]` file",
        )


def constant(price: float, vol: float | None, start: int, step: int) -> Iterator[Tick]:
    """The same price forever, one tick every `step` seconds."""
    timestamp = start
    while True:
        yield Tick(timestamp, price, vol)
        timestamp += step


@dataclass(frozen=True)
class Gbm:
    """Geometric Brownian motion with Poisson jumps, seeded so a run repeats exactly.

    Each step of `step` seconds multiplies the price by
    exp((drift - sigma^2/2)*dt + sigma*sqrt(dt)*Z) and, with probability
    jump_rate*dt, by exp(J) with J ~ N(0, jump_size).
    """

    seed: int
    price: float
    sigma: float  # annualised volatility of the diffusion
    drift: float = 0.0  # annualised
    jump_rate: float = 0.0  # expected jumps per year
    jump_size: float = 0.0  # standard deviation of the log jump

    def ticks(self, start: int, step: int) -> Iterator[Tick]:
        rng = random.Random(self.seed)  # noqa: S311 - a simulation, not a secret
        dt = step / SECONDS_PER_YEAR
        price, timestamp = self.price, start
        while True:
            yield Tick(timestamp, price, self.sigma)
            shock = rng.gauss(0.0, 1.0)
            log_move = (self.drift - self.sigma**2 / 2) * dt + self.sigma * math.sqrt(dt) * shock
            if self.jump_rate > 0 and rng.random() < self.jump_rate * dt:
                log_move += rng.gauss(0.0, self.jump_size)
            price *= math.exp(log_move)
            timestamp += step


def csv_replay(path: Path) -> list[Tick]:
    """All ticks of a `timestamp,price[,vol]` file (a header row is allowed), checked
    up front so a bad row stops the feeder before it posts anything."""
    try:
        lines = path.read_text().splitlines()
    except OSError as err:
        raise CsvNotReadable(path, err.strerror or type(err).__name__) from err
    ticks: list[Tick] = []
    for number, row in enumerate(csv.reader(lines), start=1):
        if not row or (number == 1 and not _is_number(row[0])):
            continue
        ticks.append(_parse_row(path, number, row, ticks[-1] if ticks else None))
    if not ticks:
        raise MalformedCsv(path, 0, "no price rows")
    return ticks


def open_source(settings: FeedSettings, start: int) -> Iterator[Tick]:
    """The ticks `settings.source` names; gbm and constant ones start at `start`.
    A CSV is read and checked whole before the first tick is returned."""
    if settings.source == "csv" and settings.csv is not None:  # FeedSettings requires csv
        return iter(csv_replay(settings.csv))
    if settings.source == "constant":
        return constant(settings.price, settings.vol, start, settings.tick_seconds)
    gbm = Gbm(
        seed=settings.seed,
        price=settings.price,
        sigma=settings.vol,
        drift=settings.drift,
        jump_rate=settings.jump_rate,
        jump_size=settings.jump_size,
    )
    return gbm.ticks(start, settings.tick_seconds)


def _parse_row(path: Path, number: int, row: list[str], previous: Tick | None) -> Tick:
    if len(row) not in (_WITH_VOL - 1, _WITH_VOL):
        raise MalformedCsv(path, number, f"expected 2 or 3 columns, found {len(row)}")
    try:
        timestamp = int(row[0])
        price = float(row[1])
        vol = float(row[2]) if len(row) == _WITH_VOL and row[2].strip() else None
    except ValueError as err:
        raise MalformedCsv(path, number, f"not a number ({err})") from err
    if not math.isfinite(price) or price <= 0:
        raise MalformedCsv(path, number, f"price must be positive, got {row[1]}")
    if vol is not None and (not math.isfinite(vol) or vol <= 0):
        raise MalformedCsv(path, number, f"vol must be positive, got {row[2]}")
    if previous is not None and timestamp <= previous.timestamp:
        raise MalformedCsv(path, number, f"timestamp {timestamp} does not increase")
    return Tick(timestamp, price, vol)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
