"""The Python margin model: textbook prices, the properties docs/architecture.md §6
asks of the requirement, and no verdict outside its domain."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from relayer.cli.margin import explain
from relayer.errors import NotFinite, OutOfDomain, RiskError, ShockTooLarge
from relayer.risk.model import Health, Market, black_scholes, margin, widened_shock
from relayer.risk.model import Margin as RiskMargin
from relayer.risk.portfolio import Collateral, Portfolio, Position, to_book
from relayer.settings import RiskSettings

NOW = 1_800_000_000
MARKET = Market(spot=3000.0, vol=0.6, now=NOW)
RISK = RiskSettings()


@dataclass(frozen=True)
class Published:
    source: str
    spot: float
    strike: float
    vol: float
    years: float
    rate: float
    is_call: bool
    price: float  # as printed
    digits: int  # decimals printed


PUBLISHED = [
    # Hull, Options, Futures and Other Derivatives, the worked Black-Scholes-Merton example.
    Published("Hull call", 42.0, 40.0, 0.2, 0.5, 0.10, True, 4.76, 2),
    Published("Hull put", 42.0, 40.0, 0.2, 0.5, 0.10, False, 0.81, 2),
    # Haug, The Complete Guide to Option Pricing Formulas (2nd ed.), example 1.1.1.
    Published("Haug 1.1.1 call", 60.0, 65.0, 0.30, 0.25, 0.08, True, 2.1334, 4),
]


@pytest.mark.parametrize("case", PUBLISHED, ids=[case.source for case in PUBLISHED])
def test_black_scholes_matches_published_values(case: Published) -> None:
    price = float(
        black_scholes(case.spot, case.strike, case.vol, case.years, case.is_call, rate=case.rate)
    )
    assert round(price, case.digits) == case.price
    exact = _closed_form(case.spot, case.strike, case.vol, case.years, case.rate, case.is_call)
    assert price == pytest.approx(exact, abs=1e-12)


def _closed_form(  # noqa: PLR0917 - the formula's own arguments
    spot: float, strike: float, vol: float, years: float, rate: float, is_call: bool
) -> float:
    """Black-Scholes with the standard library's erfc: an independent second opinion."""

    def cdf(x: float) -> float:
        return 0.5 * math.erfc(-x / math.sqrt(2))

    d1 = (math.log(spot / strike) + (rate + vol * vol / 2) * years) / (vol * math.sqrt(years))
    d2 = d1 - vol * math.sqrt(years)
    discounted = strike * math.exp(-rate * years)
    if is_call:
        return spot * cdf(d1) - discounted * cdf(d2)
    return discounted * cdf(-d2) - spot * cdf(-d1)


@given(
    spot=st.floats(100, 10_000),
    strike=st.floats(100, 10_000),
    vol=st.floats(0.05, 3.0),
    years=st.floats(1e-4, 2.0),
    rate=st.floats(0.0, 0.2),
)
def test_put_call_parity(spot: float, strike: float, vol: float, years: float, rate: float) -> None:
    call = float(black_scholes(spot, strike, vol, years, True, rate=rate))
    put = float(black_scholes(spot, strike, vol, years, False, rate=rate))
    assert call - put == pytest.approx(spot - strike * math.exp(-rate * years), abs=1e-9 * spot)


def test_at_expiry_an_option_is_worth_its_intrinsic_value() -> None:
    assert float(black_scholes(3100.0, 3000.0, 0.6, 0.0, True)) == 100.0
    assert float(black_scholes(3100.0, 3000.0, 0.6, 0.0, False)) == 0.0
    assert float(black_scholes(2900.0, 3000.0, 0.6, -1.0, False)) == 100.0


def account(
    *positions: tuple[str, float, float, float],
    collateral: tuple[Collateral, ...] = (),
    cash: float = 0.0,
    latency: float = 0.0,
) -> Portfolio:
    return Portfolio(
        cash=cash,
        latency_seconds=latency,
        positions=[
            Position.model_validate({"kind": k, "strike": s, "days": d, "quantity": q})
            for k, s, d, q in positions
        ],
        collateral=list(collateral),
    )


USDC = Collateral.model_validate({"token": "USDC", "amount": 10_000.0})
WETH = Collateral.model_validate(
    {"token": "WETH", "amount": 1.0, "haircut": 0.1, "tracks_spot": True}
)


strikes = st.floats(1500.0, 4500.0)
quantities = st.floats(-5.0, 5.0)
positions = st.tuples(st.sampled_from(["call", "put"]), strikes, st.floats(0.0, 90.0), quantities)


def margins(
    *portfolios: Portfolio, risk: RiskSettings = RISK, market: Market = MARKET
) -> RiskMargin:
    return margin(to_book(portfolios, market.now), market, risk, explain=True)


@pytest.mark.parametrize("strike", [2700.0, 3000.0])
def test_a_covered_call_needs_less_than_a_naked_one(strike: float) -> None:
    """At or in the money, where the short call's upside loss is what margin is for;
    further out the ether itself is most of the covered account's risk."""
    short_call = ("call", strike, 14.0, -1.0)
    naked = account(short_call, collateral=(USDC,))
    covered = account(short_call, collateral=(USDC, WETH))
    result = margins(naked, covered)
    assert result.im[1] < result.im[0]
    assert result.mm[1] < result.mm[0]


@settings(max_examples=100, deadline=None)
@given(strike=strikes, days=st.floats(0.0, 90.0))
def test_covering_a_call_never_costs_more_than_margining_its_parts(
    strike: float, days: float
) -> None:
    short_call = ("call", strike, days, -1.0)
    covered, naked, ether = margins(
        account(short_call, collateral=(USDC, WETH)),
        account(short_call, collateral=(USDC,)),
        account(collateral=(USDC, WETH)),
    ).im
    assert covered <= naked + ether + 1e-9


def test_a_naked_short_needs_more_initial_than_maintenance_margin() -> None:
    result = margins(account(("put", 2700.0, 30.0, -3.0), collateral=(USDC,)))
    assert result.im[0] >= result.mm[0] > 0


def test_initial_margin_is_never_below_maintenance() -> None:
    """A short butterfly loses most at 3,100: a point of the MM grid (steps of u/3 =
    3.3%) that the IM grid (steps of 5%) steps over, so IM is raised to MM."""
    fly = account(
        ("call", 3050.0, 1.0, -1.0),
        ("call", 3100.0, 1.0, 2.0),
        ("call", 3150.0, 1.0, -1.0),
        collateral=(USDC,),
    )
    result = margins(fly)
    im_grid = result.equity - result.im_scenarios.min(axis=1) + result.floor
    assert im_grid[0] < result.mm[0]
    assert result.im[0] == result.mm[0]
    assert "IM is raised to MM" in explain(result, 0.0, RISK)


def test_the_latency_buffer_is_zero_without_latency_and_grows_with_tau_and_sigma() -> None:
    short = ("call", 3000.0, 7.0, -2.0)
    taus = [0.0, 60.0, 600.0, 3600.0, 86_400.0]
    result = margins(*(account(short, collateral=(USDC,), latency=tau) for tau in taus))
    buffer = result.im - result.extra["im_no_latency"]
    assert buffer[0] == 0.0
    assert np.all(np.diff(buffer) > 0)

    calm, wild = (Market(3000.0, vol, NOW) for vol in (0.3, 1.2))
    at = account(short, collateral=(USDC,), latency=3600.0)
    assert (
        widened_shock(0.15, 1.2, np.array([3600.0]), 2.33)[0]
        > widened_shock(0.15, 0.3, np.array([3600.0]), 2.33)[0]
    )
    calm_result, wild_result = margins(at, market=calm), margins(at, market=wild)
    assert (wild_result.im - wild_result.extra["im_no_latency"])[0] > (
        calm_result.im - calm_result.extra["im_no_latency"]
    )[0]


@settings(max_examples=200, deadline=None)
@given(held=st.lists(positions, max_size=6), latency=st.floats(0.0, 7200.0))
def test_requirements_are_never_negative(
    held: list[tuple[str, float, float, float]], latency: float
) -> None:
    result = margins(account(*held, collateral=(USDC, WETH), latency=latency))
    assert result.mm[0] >= 0
    assert result.im[0] >= 0


@settings(max_examples=200, deadline=None)
@given(held=positions, u=st.floats(0.01, 0.6), wider=st.floats(0, 0.3))
def test_the_requirement_grows_with_the_shock(
    held: tuple[str, float, float, float], u: float, wider: float
) -> None:
    """For a position whose value is monotone in spot and vol, the worst scenario
    is a corner of the grid, so a wider shock can only ask for more. (For mixed
    books the 7-point grid approximates the worst loss within ±u.)"""
    portfolio = account(held, collateral=(USDC,))
    narrow = margins(portfolio, risk=RiskSettings(u_base_mm=u, u_base_im=u))
    wide = margins(portfolio, risk=RiskSettings(u_base_mm=u + wider, u_base_im=u + wider))
    assert wide.mm[0] >= narrow.mm[0] - 1e-9 * max(1.0, narrow.mm[0])


def test_health_follows_equity_against_mm_and_im() -> None:
    short = ("put", 3000.0, 30.0, -10.0)
    cash_levels = [100_000.0, 0.0, -8_000.0, -20_000.0]
    result = margins(*(account(short, collateral=(USDC,), cash=c) for c in cash_levels))
    for equity, mm, im, health in zip(
        result.equity, result.mm, result.im, result.health, strict=True
    ):
        expected = (
            Health.INSOLVENT
            if equity < 0
            else Health.LIQUIDATABLE
            if equity < mm
            else Health.MARGIN_CALL
            if equity < im
            else Health.HEALTHY
        )
        assert Health(int(health)) is expected


def test_the_vectorised_book_equals_one_account_at_a_time() -> None:
    rng = np.random.default_rng(5)
    portfolios = [
        account(
            *(
                (
                    "call" if rng.random() < 0.5 else "put",
                    float(rng.uniform(2000, 4000)),
                    float(rng.uniform(0, 60)),
                    float(rng.normal(0, 2)),
                )
                for _ in range(int(rng.integers(0, 8)))
            ),
            collateral=(USDC, WETH),
            cash=float(rng.normal(0, 1000)),
            latency=float(rng.uniform(0, 3600)),
        )
        for _ in range(50)
    ]
    together = margins(*portfolios)
    for index, portfolio in enumerate(portfolios):
        alone = margins(portfolio)
        assert alone.im[0] == pytest.approx(together.im[index], rel=1e-12, abs=1e-9)
        assert alone.mm[0] == pytest.approx(together.mm[index], rel=1e-12, abs=1e-9)


OUT_OF_DOMAIN = {
    "negative spot": (Market(-5.0, 0.6, NOW), "spot -5"),
    "zero spot": (Market(0.0, 0.6, NOW), "spot 0"),
    "nan spot": (Market(math.nan, 0.6, NOW), "spot nan"),
    "infinite spot": (Market(math.inf, 0.6, NOW), "spot inf"),
    "negative vol": (Market(3000.0, -1.0, NOW), "vol -1"),
    "nan vol": (Market(3000.0, math.nan, NOW), "vol nan"),
    # The highest scenario vol, vol + vol_shock, must stay within BlackScholes.MAX_VOL.
    "vol past the scenario bound": (Market(3000.0, 99.95, NOW), "vol 99.95"),
}


@pytest.mark.parametrize("case", OUT_OF_DOMAIN.values(), ids=OUT_OF_DOMAIN.keys())
def test_a_market_outside_the_domain_gets_no_verdict(case: tuple[Market, str]) -> None:
    market, shown = case
    for book in (account(("call", 3300.0, 14.0, -2.0), collateral=(WETH,)), account(cash=1.0)):
        with pytest.raises(OutOfDomain, match=re.escape(shown)):
            margins(book, market=market)


def test_a_shock_widened_to_the_whole_spot_gets_no_verdict() -> None:
    """As `Margin.sol` reverts with MarginShockTooLarge: a scenario spot would not be positive."""
    slow = account(("call", 3300.0, 14.0, -2.0), latency=365 * 86_400.0)
    with pytest.raises(ShockTooLarge, match="account 1's widened spot shock"):
        margins(account(cash=1.0), slow)


def test_a_strike_or_expiry_outside_the_domain_gets_no_verdict() -> None:
    with pytest.raises(OutOfDomain, match="strike 1e"):
        margins(account(("put", 1e19, 14.0, 1.0)))
    with pytest.raises(OutOfDomain, match="time to expiry"):
        margins(account(("put", 3000.0, 365 * 101.0, 1.0)))


def test_no_verdict_is_built_on_a_number_that_is_not_finite() -> None:
    book = to_book([account(("call", 3300.0, 14.0, -2.0))], NOW)
    book.quantity[0, 0] = math.nan
    with pytest.raises(NotFinite, match="account 0"):
        margin(book, MARKET, RISK)


@pytest.mark.parametrize("literal", ["nan", "inf", "-inf"])
def test_a_portfolio_refuses_nan_and_infinity(literal: str) -> None:
    with pytest.raises(ValidationError):
        Portfolio.model_validate({"cash": float(literal)})
    with pytest.raises(ValidationError):
        Position.model_validate(
            {"kind": "call", "strike": 3000.0, "days": 7.0, "quantity": float(literal)}
        )


@settings(max_examples=300, deadline=None)
@given(
    spot=st.floats(allow_nan=True, allow_infinity=True),
    vol=st.floats(allow_nan=True, allow_infinity=True),
    held=st.lists(positions, max_size=3),
    latency=st.floats(0.0, 10 * 365 * 86_400.0),
)
def test_every_verdict_rests_on_finite_numbers(
    spot: float, vol: float, held: list[tuple[str, float, float, float]], latency: float
) -> None:
    try:
        result = margins(
            account(*held, collateral=(WETH,), latency=latency), market=Market(spot, vol, NOW)
        )
    except RiskError:
        return
    for values in (result.equity, result.mm, result.im, result.u_im):
        assert np.isfinite(values).all()
