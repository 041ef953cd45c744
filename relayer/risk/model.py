"""The margin model of docs/architecture.md §6 in double precision, vectorised
over accounts.

It is the reference the on-chain libraries (`BlackScholes.sol`, `Margin.sol`)
are tested against, and what the keeper and the demo use to explain numbers.

An account's value in a scenario (spot S, implied vol σ):

    V(S, σ) = cash + Σ_j c_j·P_j(S)·(1 − h_j) + Σ_i q_i·BS(S, K_i, T_i, σ, type_i)

Collateral that is the underlying is priced at S in every scenario; other
collateral at its own (quote) price. The requirement for a shock u is the
loss to the worst of 7 spot × 3 vol scenarios plus a floor per short option:

    requirement(u) = V(S, σ) − min_{x, y} V(S·(1+x), σ+y) + floor·S·Σ short contracts
    x ∈ {−u, −2u/3, −u/3, 0, u/3, 2u/3, u},  y ∈ {−v, 0, +v}

and u is widened by the time a liquidation needs to cross chains:

    u = sqrt(u_base² + (z·σ·sqrt(τ))²),  τ in years

MM = requirement(u for u_base_mm), IM = requirement(u for u_base_im), raised
to MM where the MM grid finds a worse scenario (a book whose loss peaks
between the IM grid's spots), so IM ≥ MM for every book.

Inputs outside the on-chain libraries' ranges (where `BlackScholes.sol` and
`Margin.sol` revert) are refused here too, and so is any account whose numbers
come out NaN or infinite: no health verdict is ever built on them.
"""

# ruff: noqa: RUF002, RUF003 - the formulas are written in their own symbols (σ, τ, ×, −)
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from relayer.errors import NotFinite, OutOfDomain, ShockTooLarge
from relayer.settings import RiskSettings

SECONDS_PER_YEAR = 31_536_000
VOL_FLOOR = 1e-4  # BlackScholes.VOL_FLOOR: a lower vol is raised to it
MIN_PRICE, MAX_PRICE = 1e-6, 1e18  # BlackScholes.MIN_PRICE, MAX_PRICE: spot and strike
MAX_VOL = 100.0  # BlackScholes.MAX_VOL, for every scenario's vol
MAX_YEARS = 100.0  # BlackScholes.MAX_SECONDS
SPOT_STEPS = np.array([-1.0, -2 / 3, -1 / 3, 0.0, 1 / 3, 2 / 3, 1.0])  # × u
VOL_STEPS = np.array([-1.0, 0.0, 1.0])  # × v
_CHUNK = 1024  # accounts per vectorised pass: keeps the temporaries in cache

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


class Health(IntEnum):
    HEALTHY = 0  # E ≥ IM
    MARGIN_CALL = 1  # MM ≤ E < IM: no risk-increasing orders or withdrawals
    LIQUIDATABLE = 2  # 0 ≤ E < MM
    INSOLVENT = 3  # E < 0


@dataclass(frozen=True)
class Market:
    spot: float
    vol: float  # the implied vol every option is priced at
    now: int  # unix seconds


@dataclass(frozen=True)
class Book:
    """A accounts with up to P option positions and J collateral tokens each.

    Empty position slots have quantity 0. Per token: a haircut, and either
    `tracks_spot` (the underlying, priced at S) or a fixed quote `price`.
    """

    cash: Floats  # (A,) quote units, signed
    quantity: Floats  # (A, P) contracts, negative = short
    strike: Floats  # (A, P)
    expiry: Floats  # (A, P) unix seconds
    is_call: Bools  # (A, P)
    collateral: Floats  # (A, J) token amounts
    haircut: Floats  # (J,)
    tracks_spot: Bools  # (J,)
    price: Floats  # (J,) quote price of tokens that do not track spot
    latency: Floats  # (A,) τ in seconds: the slowest collateral route the account uses

    @property
    def accounts(self) -> int:
        return int(self.cash.shape[0])

    def rows(self, start: int, stop: int) -> Book:
        return Book(
            self.cash[start:stop],
            self.quantity[start:stop],
            self.strike[start:stop],
            self.expiry[start:stop],
            self.is_call[start:stop],
            self.collateral[start:stop],
            self.haircut,
            self.tracks_spot,
            self.price,
            self.latency[start:stop],
        )


@dataclass(frozen=True)
class Margin:
    equity: Floats  # (A,) E = V(S, σ)
    mm: Floats  # (A,)
    im: Floats  # (A,)
    u_mm: Floats  # (A,) the widened shocks
    u_im: Floats
    health: NDArray[np.int8]  # (A,) Health values
    im_scenarios: Floats  # (A, 21) V in each IM scenario, spot-major (7 spot × 3 vol)
    worst_im: NDArray[np.intp]  # (A,) index of the worst IM scenario
    floor: Floats  # (A,) the per-short floor inside both requirements
    extra: dict[str, Floats] = field(default_factory=dict)


def black_scholes(
    spot: Floats | float,
    strike: Floats | float,
    vol: Floats | float,
    years: Floats | float,
    is_call: Bools | bool,
    *,
    rate: Floats | float = 0.0,
) -> Floats:
    """European option prices, broadcast over the arguments; at or after expiry
    (years ≤ 0) the intrinsic value. Vol below VOL_FLOOR is raised to it."""
    return _price(_Terms.of(spot, strike, vol, years, is_call, rate))


def greeks(
    spot: Floats | float,
    strike: Floats | float,
    vol: Floats | float,
    years: Floats | float,
    is_call: Bools | bool,
    *,
    rate: Floats | float = 0.0,
) -> tuple[Floats, Floats, Floats, Floats]:
    """Price, delta, gamma and vega (per 1.0 of vol), as `BlackScholes.greeks` defines
    them: at expiry the intrinsic value, delta 1 / −1 strictly in the money (0 at
    the money), gamma and vega 0."""
    terms = _Terms.of(spot, strike, vol, years, is_call, rate)
    live, sign = terms.live, terms.sign
    in_the_money = sign * (terms.spot - terms.strike) > 0
    delta = np.where(live, sign * ndtr(sign * terms.d1), np.where(in_the_money, sign, 0.0))
    density = np.exp(-terms.d1 * terms.d1 / 2) / np.sqrt(2 * np.pi)
    gamma = np.where(live, density / (terms.spot * terms.root), 0.0)
    vega = np.where(live, terms.spot * density * terms.root / terms.vol, 0.0)
    return _price(terms), _floats(delta), _floats(gamma), _floats(vega)


@dataclass(frozen=True)
class _Terms:
    """What every Black-Scholes output is built from, broadcast together."""

    spot: Floats
    strike: Floats
    vol: Floats
    sign: Floats  # +1 for a call, −1 for a put
    live: Bools  # not yet expired
    root: Floats  # σ√T
    d1: Floats
    discounted: Floats  # K·e^(−rT)

    @classmethod
    def of(  # noqa: PLR0917 - the formula's own arguments
        cls,
        spot: Floats | float,
        strike: Floats | float,
        vol: Floats | float,
        years: Floats | float,
        is_call: Bools | bool,
        rate: Floats | float,
    ) -> _Terms:
        s, k, years = _floats(spot), _floats(strike), _floats(years)
        sigma = np.maximum(_floats(vol), VOL_FLOOR)
        live = years > 0
        t = np.where(live, years, 1.0)  # any positive T: the expired branch ignores it
        root = sigma * np.sqrt(t)
        d1 = (np.log(s / k) + (rate + sigma * sigma / 2) * t) / root
        sign = np.where(is_call, 1.0, -1.0)
        return cls(s, k, sigma, sign, live, root, d1, k * np.exp(-_floats(rate) * t))


def _price(terms: _Terms) -> Floats:
    """w·(S·N(w·d1) − K·e^(−rT)·N(w·d2)) with w = ±1: both tails stay accurate."""
    sign, d1 = terms.sign, terms.d1
    live = sign * (terms.spot * ndtr(sign * d1) - terms.discounted * ndtr(sign * (d1 - terms.root)))
    intrinsic = np.maximum(sign * (terms.spot - terms.strike), 0.0)
    return _floats(np.where(terms.live, live, intrinsic))


def _floats(values: object) -> Floats:
    return np.asarray(values, dtype=np.float64)


def widened_shock(u_base: float, vol: float, latency_seconds: Floats, z: float) -> Floats:
    """u = sqrt(u_base² + (z·σ·sqrt(τ))²): zero latency leaves u_base."""
    tail = z * vol * np.sqrt(latency_seconds / SECONDS_PER_YEAR)
    return np.asarray(np.sqrt(u_base**2 + tail**2), dtype=np.float64)


def scenario_values(book: Book, market: Market, u: Floats, v: float, rate: float) -> Floats:
    """V in each of the 21 scenarios per account, (A, 21), spot-major; u is (A,)."""
    spot_factor = np.repeat(1 + u[:, None] * SPOT_STEPS[None, :], VOL_STEPS.size, axis=1)
    vol = np.tile(market.vol + v * VOL_STEPS, SPOT_STEPS.size)
    return portfolio_values(book, market, spot_factor, vol, rate)


def portfolio_values(
    book: Book, market: Market, spot_factor: Floats, vol: Floats, rate: float
) -> Floats:
    """V per account at spot S·spot_factor (A, K) and implied vol `vol` (K,): (A, K)."""
    spot = market.spot * spot_factor
    years = (book.expiry - market.now) / SECONDS_PER_YEAR
    options = black_scholes(
        spot[:, None, :],
        book.strike[:, :, None],
        vol[None, None, :],
        years[:, :, None],
        book.is_call[:, :, None],
        rate=rate,
    )  # (A, P, K)
    option_value = np.einsum("ap,apk->ak", book.quantity, options)
    token_price = np.where(
        book.tracks_spot[None, None, :], spot[:, :, None], book.price[None, None, :]
    )  # (A, K, J)
    collateral_value = np.einsum(
        "aj,akj->ak", book.collateral * (1 - book.haircut)[None, :], token_price
    )
    return np.asarray(book.cash[:, None] + collateral_value + option_value, dtype=np.float64)


def margin(book: Book, market: Market, params: RiskSettings, *, explain: bool = False) -> Margin:
    """Equity, MM, IM and health of every account; with `explain`, also the
    requirements without the latency buffer (`extra["mm_no_latency"]`, ...).
    Raises a RiskError for inputs outside the model's domain (see the module notes)."""
    _check_domain(book, market, params)
    parts = [
        _margin_chunk(book.rows(start, start + _CHUNK), market, params, explain)
        for start in range(0, book.accounts, _CHUNK)
    ]
    joined = {name: np.concatenate([getattr(p, name) for p in parts]) for name in _ARRAYS}
    extra = {key: np.concatenate([p.extra[key] for p in parts]) for key in parts[0].extra}
    for name in ("equity", "mm", "im"):
        bad = np.flatnonzero(~np.isfinite(joined[name]))
        if bad.size:
            raise NotFinite(int(bad[0]), name)
    return Margin(**joined, extra=extra)


def _check_domain(book: Book, market: Market, params: RiskSettings) -> None:
    _check_range("spot", np.array([market.spot]), MIN_PRICE, MAX_PRICE)
    _check_range("vol", np.array([market.vol]), 0.0, MAX_VOL - params.vol_shock)
    held = book.quantity != 0
    _check_range("strike", book.strike[held], MIN_PRICE, MAX_PRICE)
    years = (book.expiry[held] - market.now) / SECONDS_PER_YEAR
    _check_range("time to expiry in years", years, -np.inf, MAX_YEARS)
    u_im = widened_shock(params.u_base_im, market.vol, book.latency, params.z)
    too_large = np.flatnonzero(~(u_im < 1))
    if too_large.size:
        raise ShockTooLarge(int(too_large[0]), float(u_im[too_large[0]]))


def _check_range(what: str, values: Floats, low: float, high: float) -> None:
    # Written as "not inside" so that NaN, which compares false, is outside.
    outside = values[~((values >= low) & (values <= high))]
    if outside.size:
        raise OutOfDomain(what, float(outside[0]), low, high)


_ARRAYS = ("equity", "mm", "im", "u_mm", "u_im", "health", "im_scenarios", "worst_im", "floor")


def _margin_chunk(book: Book, market: Market, params: RiskSettings, explain: bool) -> Margin:
    now = np.ones((book.accounts, 1))
    equity = portfolio_values(book, market, now, np.array([market.vol]), params.rate)[:, 0]
    floor = params.short_floor * market.spot * np.maximum(-book.quantity, 0).sum(axis=1)
    u_mm = widened_shock(params.u_base_mm, market.vol, book.latency, params.z)
    u_im = widened_shock(params.u_base_im, market.vol, book.latency, params.z)
    mm_values = scenario_values(book, market, u_mm, params.vol_shock, params.rate)
    im_values = scenario_values(book, market, u_im, params.vol_shock, params.rate)
    mm = equity - mm_values.min(axis=1) + floor
    im = np.maximum(equity - im_values.min(axis=1) + floor, mm)
    extra: dict[str, Floats] = {}
    if explain:
        for name, u_base in (("mm", params.u_base_mm), ("im", params.u_base_im)):
            flat = np.full(book.accounts, u_base)
            values = scenario_values(book, market, flat, params.vol_shock, params.rate)
            extra[f"{name}_no_latency"] = equity - values.min(axis=1) + floor
        extra["im_no_latency"] = np.maximum(extra["im_no_latency"], extra["mm_no_latency"])
    return Margin(
        equity=equity,
        mm=mm,
        im=im,
        u_mm=u_mm,
        u_im=u_im,
        health=_health(equity, mm, im),
        im_scenarios=im_values,
        worst_im=np.argmin(im_values, axis=1),
        floor=floor,
        extra=extra,
    )


def _health(equity: Floats, mm: Floats, im: Floats) -> NDArray[np.int8]:
    health = np.full(equity.shape, Health.HEALTHY, dtype=np.int8)
    health[equity < im] = Health.MARGIN_CALL
    health[equity < mm] = Health.LIQUIDATABLE
    health[equity < 0] = Health.INSOLVENT
    return health
