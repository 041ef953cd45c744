"""Argument parsing the `crossflow` commands share."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation

from relayer.settings import Settings


def network_of(args: argparse.Namespace, settings: Settings) -> str:
    """`--network` when given, else the `network` setting."""
    return str(args.network or settings.network)


def positive_decimal(text: str) -> Decimal:
    """An argparse type: a finite number above zero."""
    try:
        value = Decimal(text)
    except InvalidOperation as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from err
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be a positive number")
    return value
