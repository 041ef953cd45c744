"""One account's portfolio as a user writes it (TOML), and turning portfolios
into the risk model's vectorised Book."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from relayer.errors import InvalidPortfolio, PortfolioNotFound
from relayer.risk.model import Book
from relayer.settings import first_problem

SECONDS_PER_DAY = 86_400
# TOML has nan and inf literals; the margin model has no answer for either.
_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Position(BaseModel):
    model_config = _STRICT

    kind: Literal["call", "put"]
    strike: float = Field(gt=0)
    days: float = Field(ge=0, description="days to expiry from the market time")
    quantity: float = Field(description="contracts; negative is short")


class Collateral(BaseModel):
    model_config = _STRICT

    token: str
    amount: float = Field(ge=0)
    haircut: float = Field(0.0, ge=0, lt=1)
    tracks_spot: bool = Field(False, description="the underlying itself, priced at spot")
    price: float = Field(1.0, gt=0, description="quote price, for tokens that do not track spot")


class Portfolio(BaseModel):
    model_config = _STRICT

    cash: float = 0.0
    latency_seconds: float = Field(
        0.0, ge=0, description="τ of the slowest collateral route: relay + finality + grace"
    )
    positions: list[Position] = Field(default_factory=list)
    collateral: list[Collateral] = Field(default_factory=list)


def load_portfolio(path: Path) -> Portfolio:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as err:
        raise PortfolioNotFound(path, err.strerror or type(err).__name__) from err
    except tomllib.TOMLDecodeError as err:
        raise InvalidPortfolio(path, f"not valid TOML: {err}") from err
    try:
        return Portfolio.model_validate(data)
    except ValidationError as err:
        raise InvalidPortfolio(path, first_problem(err)) from err


def to_book(portfolios: Sequence[Portfolio], now: int) -> Book:
    """The portfolios as one Book; tokens are matched by name across accounts."""
    tokens: dict[str, Collateral] = {}
    for portfolio in portfolios:
        for held in portfolio.collateral:
            tokens.setdefault(held.token, held)
    slots = max((len(p.positions) for p in portfolios), default=0)
    accounts = len(portfolios)
    quantity = np.zeros((accounts, slots))
    strike = np.ones((accounts, slots))
    expiry = np.full((accounts, slots), float(now))
    is_call = np.zeros((accounts, slots), dtype=bool)
    amounts = np.zeros((accounts, len(tokens)))
    index = {token: j for j, token in enumerate(tokens)}
    for a, portfolio in enumerate(portfolios):
        for p, position in enumerate(portfolio.positions):
            quantity[a, p] = position.quantity
            strike[a, p] = position.strike
            expiry[a, p] = now + position.days * SECONDS_PER_DAY
            is_call[a, p] = position.kind == "call"
        for held in portfolio.collateral:
            amounts[a, index[held.token]] += held.amount
    return Book(
        cash=np.array([p.cash for p in portfolios]),
        quantity=quantity,
        strike=strike,
        expiry=expiry,
        is_call=is_call,
        collateral=amounts,
        haircut=np.array([t.haircut for t in tokens.values()]),
        tracks_spot=np.array([t.tracks_spot for t in tokens.values()]),
        price=np.array([t.price for t in tokens.values()]),
        latency=np.array([p.latency_seconds for p in portfolios]),
    )
