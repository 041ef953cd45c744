"""The `crossflow` command: one entry point for everything a user runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from relayer import __version__
from relayer.bench.summary import summary_table, write_into
from relayer.chains.compiler import load_contracts
from relayer.chains.toolchain import foundry_tool, install_native_solc, resolve_solc
from relayer.cli import collateral as collateral_cli
from relayer.cli import conservation as conservation_cli
from relayer.cli import demo as demo_cli
from relayer.cli import deploy as deploy_cli
from relayer.cli import devnet as devnet_cli
from relayer.cli import feed as feed_cli
from relayer.cli import keep as keep_cli
from relayer.cli import margin as margin_cli
from relayer.cli import market as market_cli
from relayer.cli import relay as relay_cli
from relayer.cli import status as status_cli
from relayer.errors import CrossflowError
from relayer.settings import Settings, load_settings
from relayer.table import render_table

Handler = Callable[[argparse.Namespace, Settings], int]
EXAMPLES = Path(__file__).parents[2] / "examples"
DEMO_ACCOUNT = EXAMPLES / "naked_strangle.toml"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
        handler: Handler = args.handler
        return handler(args, settings)
    except CrossflowError as err:
        print(f"crossflow: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crossflow", description="Local multi-chain testbed for cross-chain options."
    )
    parser.add_argument("--version", action="version", version=f"crossflow {__version__}")
    parser.add_argument(
        "--config", type=Path, help="TOML config file (default: ./crossflow.toml if present)"
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    devnet_cli.add_commands(commands)

    build = commands.add_parser("compile", help="compile contracts/src (cached)")
    build.add_argument("--force", action="store_true", help="ignore the cache")
    build.set_defaults(handler=_compile)

    tools = commands.add_parser("toolchain", help="show the tools crossflow uses")
    tools.add_argument(
        "--which",
        nargs="+",
        choices=["anvil", "forge", "cast", "solc"],
        help="print only these tools' paths, one per line (for scripts)",
    )
    tools.add_argument(
        "--install-solc",
        action="store_true",
        help="install a native solc with py-solc-x when online (the wasm shim serves otherwise)",
    )
    tools.set_defaults(handler=_toolchain)

    deploy_cli.add_command(commands)
    relay_cli.add_commands(commands)
    feed_cli.add_commands(commands)
    margin_cli.add_command(commands)
    market_cli.add_command(commands)
    collateral_cli.add_commands(commands)
    keep_cli.add_command(commands)
    conservation_cli.add_command(commands)
    status_cli.add_command(commands)

    bench = commands.add_parser("bench", help="benchmarks on fresh local chains").add_subparsers(
        required=True, metavar="WHAT"
    )
    relay_bench = bench.add_parser("relay", help="relay latency vs a floor, throughput, gas")
    relay_bench.add_argument("--samples", type=int, default=200, help="latency samples each")
    relay_bench.add_argument("--messages", type=int, default=3000, help="batched backlog")
    relay_bench.add_argument("--unbatched", type=int, default=300, help="unbatched backlog")
    relay_bench.add_argument("--poll-interval", type=float, default=0.01)
    relay_bench.add_argument(
        "--out", type=Path, default=Path("bench-results/relay.json"), help="JSON results"
    )
    relay_bench.set_defaults(handler=_bench_relay)
    risk_bench = bench.add_parser("risk", help="risk-engine gas, accuracy and model speed")
    risk_bench.add_argument(
        "--out", type=Path, default=Path("bench-results/risk.json"), help="JSON results"
    )
    risk_bench.set_defaults(handler=_bench_risk)
    market_bench = bench.add_parser("market", help="options market gas against its targets")
    market_bench.add_argument(
        "--out", type=Path, default=Path("bench-results/market.json"), help="JSON results"
    )
    market_bench.set_defaults(handler=_bench_market)
    crosschain_bench = bench.add_parser(
        "crosschain", help="cross-chain gas and time to liquidation against their targets"
    )
    crosschain_bench.add_argument(
        "--out", type=Path, default=Path("docs/bench/crosschain.json"), help="JSON results"
    )
    crosschain_bench.add_argument(
        "--runs", type=int, default=20, help="liquidations timed per block mode"
    )
    crosschain_bench.set_defaults(handler=_bench_crosschain)
    summary = bench.add_parser(
        "summary", help="the README's performance table, from the results in docs/bench"
    )
    summary.add_argument(
        "--write", type=Path, metavar="README", help="replace the table between its markers"
    )
    summary.set_defaults(handler=_bench_summary)

    demo_cli.add_command(commands)
    return parser


def _compile(args: argparse.Namespace, settings: Settings) -> int:
    _print_contracts(settings, force=args.force)
    return 0


def _print_contracts(settings: Settings, *, force: bool) -> None:
    solc = resolve_solc(settings.toolchain.solc)
    contracts = load_contracts(solc=solc, force=force)
    own = [
        a for a in contracts if a.source.startswith("contracts/") and a.deployed_bytecode != "0x"
    ]
    print(
        render_table(
            ["contract", "source", "runtime bytes"],
            [[a.name, a.source, (len(a.deployed_bytecode) - 2) // 2] for a in own],
        )
    )
    kind = "native" if solc.native else "wasm shim"
    print(
        f"\n{len(own)} deployable contracts in contracts/src, {len(contracts)} compiled in all "
        f"(with libraries, interfaces and imports) by solc {solc.version} ({kind})"
    )


def _toolchain(args: argparse.Namespace, settings: Settings) -> int:
    if args.install_solc and not install_native_solc():
        print("no native solc could be downloaded; using the npm solc (wasm) shim")
    solc = resolve_solc(settings.toolchain.solc)
    if args.which:
        for tool in args.which:
            print(solc.path if tool == "solc" else foundry_tool(tool, settings.toolchain))
        return 0
    rows: list[list[object]] = [
        [tool, foundry_tool(tool, settings.toolchain)] for tool in ("anvil", "forge", "cast")
    ]
    rows.append([f"solc {solc.version}", f"{solc.path} ({'native' if solc.native else 'wasm'})"])
    print(render_table(["tool", "path"], rows))
    return 0


def _bench_relay(args: argparse.Namespace, settings: Settings) -> int:
    from relayer.bench.relay import bench_relay_command, report  # noqa: PLC0415 - heavy, bench only

    result = bench_relay_command(
        args.samples, args.messages, args.unbatched, args.poll_interval, args.out
    )
    print(report(result))
    print(f"\nJSON: {args.out}")
    return 0


def _bench_risk(args: argparse.Namespace, settings: Settings) -> int:
    from relayer.bench.risk import bench_risk_command, report  # noqa: PLC0415 - bench only

    print(report(bench_risk_command(args.out)))
    print(f"\nJSON: {args.out}")
    return 0


def _bench_market(args: argparse.Namespace, settings: Settings) -> int:
    from relayer.bench.market import bench_market_command, report  # noqa: PLC0415 - bench only

    print(report(bench_market_command(args.out)))
    print(f"\nJSON: {args.out}")
    return 0


def _bench_summary(args: argparse.Namespace, settings: Settings) -> int:
    table = summary_table()
    if args.write is None:
        print(table)
    else:
        changed = write_into(args.write, table)
        print(f"{args.write}: {'updated' if changed else 'already up to date'}")
    return 0


def _bench_crosschain(args: argparse.Namespace, settings: Settings) -> int:
    from relayer.bench.crosschain import (  # noqa: PLC0415 - bench only
        bench_crosschain_command,
        report,
    )

    print(report(bench_crosschain_command(args.out, args.runs, settings)))
    print(f"\nJSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
