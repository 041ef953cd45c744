"""`crossflow conservation`: whether DESIGN §7.1 holds on the live deployment, per
(domain, token), with what is in flight; exit 1 when it does not."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from relayer.chains.binding import load_live_manifest
from relayer.chains.compiler import load_contracts
from relayer.conservation.check import Report, check_conservation
from relayer.market.units import from_wad
from relayer.settings import Settings
from relayer.table import render_table


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "conservation",
        help="check vault balances against the market's ledger and what is in flight",
    )
    check.add_argument("--network", help="manifest to use (default: the `network` setting)")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace, settings: Settings) -> int:
    contracts = load_contracts()
    manifest = load_live_manifest(
        settings.manifest_dir, args.network or settings.network, contracts
    )
    report = check_conservation(manifest, contracts)
    if args.json:
        print(json.dumps(_as_json(report), indent=2))
    else:
        print(_as_table(report))
    return 0 if report.holds else 1


def _as_table(report: Report) -> str:
    rows = [
        [
            line.chain,
            "USD (cash)" if line.is_quote else line.token,
            from_wad(line.vault_balance),
            from_wad(line.reserves),
            from_wad(line.committed),
            from_wad(line.pool),
            "-" if line.credits is None else from_wad(line.credits),
            from_wad(line.credits_in_flight),
            from_wad(line.payouts_in_flight),
            "holds" if line.holds else "; ".join(line.problems),
        ]
        for line in report.lines
    ]
    table = render_table(
        [
            "chain",
            "token",
            "vault",
            "reserves",
            "committed",
            "pool",
            "credits",
            "CREDIT in flight",
            "payouts in flight",
            "§7.1",
        ],
        rows,
    )
    quote = report.quote
    verdict = "holds" if quote.holds else "DOES NOT HOLD"
    return (
        f"{table}\n\nquote token: Σ pools {from_wad(quote.pools)} = Σ cash "
        f"{from_wad(quote.cash)} - bad debt {from_wad(quote.bad_debt)} over "
        f"{quote.accounts} accounts: {verdict}"
    )


def _as_json(report: Report) -> dict[str, object]:
    return {
        "holds": report.holds,
        "lines": [{**asdict(line), "holds": line.holds} for line in report.lines],
        "quote": {**asdict(report.quote), "holds": report.quote.holds},
    }
