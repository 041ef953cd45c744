"""`crossflow status`: the whole deployment at a glance (chains, contracts, messages,
prices, accounts, margin calls, funds, conservation); exit 1 when a chain is down
or something is wrong, such as conservation not holding."""

from __future__ import annotations

import argparse
import json

from relayer.chains.binding import load_live_manifest
from relayer.chains.compiler import load_contracts
from relayer.cli.args import network_of
from relayer.cli.shell import console
from relayer.settings import Settings
from relayer.status.render import print_status
from relayer.status.snapshot import read_status

DEFAULT_ACCOUNTS = 10


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = commands.add_parser(
        "status",
        help="chains, contracts, messages per route, prices, accounts, margin calls, "
        "funds and conservation, read from the chains",
    )
    status.add_argument("--network", help="manifest to use (default: the `network` setting)")
    status.add_argument(
        "--accounts",
        type=_at_least_one,
        default=DEFAULT_ACCOUNTS,
        metavar="N",
        help=f"show the N busiest accounts (default {DEFAULT_ACCOUNTS})",
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=_status)


def _status(args: argparse.Namespace, settings: Settings) -> int:
    contracts = load_contracts()
    manifest = load_live_manifest(settings.manifest_dir, network_of(args, settings), contracts)
    status = read_status(manifest, settings, accounts=args.accounts, contracts=contracts)
    if args.json:
        print(json.dumps(status.model_dump(mode="json"), indent=2))
    else:
        print_status(status, console())
    return 0 if status.ok else 1


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from err
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be 1 or more")
    return value
