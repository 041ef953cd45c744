"""Conversions between what users type (USD, contracts, as decimals) and what the
market stores (WADs): exact, so a price of 150.1 is 150.1e18 and not one wei off."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

WAD = 10**18


def to_wad(value: Decimal | str | int) -> int:
    """`value` in WAD, exactly; ValueError if it has more than 18 decimals."""
    try:
        scaled = Decimal(value) * WAD
    except InvalidOperation as err:
        raise ValueError(f"{value!r} is not a number") from err
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than 18 decimals")
    return int(scaled)


def from_wad(value: int) -> Decimal:
    return Decimal(value) / WAD
