"""The `crossflow` command: one entry point for everything a user runs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from relayer import __version__, deploy_cli, devnet, feed_cli, margin_cli, relay_cli
from relayer.compiler import load_contracts
from relayer.demo import run_demo
from relayer.errors import CrossflowError
from relayer.portfolio import load_portfolio, to_book
from relayer.risk import margin
from relayer.settings import DevnetSettings, Settings, load_settings, with_overrides
from relayer.store import Store
from relayer.table import render_table
from relayer.toolchain import foundry_tool, install_native_solc, resolve_solc

Handler = Callable[[argparse.Namespace, Settings], int]
DEMO_ACCOUNT = Path(__file__).parent.parent / "examples" / "naked_strangle.toml"


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

    dev = commands.add_parser("devnet", help="local Anvil chains").add_subparsers(
        required=True, metavar="ACTION"
    )
    start = dev.add_parser("up", help="start the chains in the background")
    _add_devnet_overrides(start)
    start.set_defaults(handler=_devnet_up)
    dev.add_parser("down", help="stop the chains `up` started").set_defaults(handler=_devnet_down)
    show = dev.add_parser("status", help="id, port, head block and up/down per chain")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=_devnet_status)

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

    demo = commands.add_parser("demo", help="bring up the devnet, compile, show status")
    _add_devnet_overrides(demo)
    demo.set_defaults(handler=_demo)
    return parser


def _add_devnet_overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--chains", type=int, help="number of chains (default 2)")
    parser.add_argument("--block-time", type=float, help="seconds per block (default: automine)")
    parser.add_argument("--base-port", type=int, help="port of the first chain (default 8545)")


def _devnet_settings(args: argparse.Namespace, settings: Settings) -> DevnetSettings:
    return with_overrides(
        settings.devnet,
        "devnet",
        chains=args.chains,
        block_time=args.block_time,
        base_port=args.base_port,
    )


def _devnet_up(args: argparse.Namespace, settings: Settings) -> int:
    devnet_settings = _devnet_settings(args, settings)
    devnet.up(devnet_settings, foundry_tool("anvil", settings.toolchain))
    return _print_status(devnet_settings, as_json=False)


def _devnet_down(args: argparse.Namespace, settings: Settings) -> int:
    stopped = devnet.down(settings.devnet)
    if not stopped:
        print("no devnet was running")
    for node in stopped:
        print(f"stopped {node.spec.name} (chain {node.spec.chain_id}, pid {node.pid})")
    return 0


def _devnet_status(args: argparse.Namespace, settings: Settings) -> int:
    return _print_status(settings.devnet, as_json=args.json)


def _print_status(settings: DevnetSettings, *, as_json: bool) -> int:
    chains = devnet.status(settings)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "name": c.node.spec.name,
                        "role": c.node.spec.role,
                        "chain_id": c.node.spec.chain_id,
                        "rpc_url": c.node.rpc_url,
                        "pid": c.node.pid,
                        "up": c.up,
                        "head": c.head,
                    }
                    for c in chains
                ],
                indent=2,
            )
        )
    elif not chains:
        print("no devnet is running; start one with `crossflow devnet up`")
    else:
        print(
            render_table(
                ["chain", "role", "chain id", "rpc url", "pid", "head", "state"],
                [
                    [
                        c.node.spec.name,
                        c.node.spec.role,
                        c.node.spec.chain_id,
                        c.node.rpc_url,
                        c.node.pid,
                        "-" if c.head is None else c.head,
                        "up" if c.up else "DOWN",
                    ]
                    for c in chains
                ],
            )
        )
    return 0 if chains and all(c.up for c in chains) else 1


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
    print(f"\n{len(contracts)} contracts compiled with solc {solc.version} ({kind})")


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
    from relayer.bench import bench_relay_command, report  # noqa: PLC0415 - heavy, bench only

    result = bench_relay_command(
        args.samples, args.messages, args.unbatched, args.poll_interval, args.out
    )
    print(report(result))
    print(f"\nJSON: {args.out}")
    return 0


def _bench_risk(args: argparse.Namespace, settings: Settings) -> int:
    from relayer.bench_risk import bench_risk_command, report  # noqa: PLC0415 - bench only

    print(report(bench_risk_command(args.out)))
    print(f"\nJSON: {args.out}")
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    devnet_settings = _devnet_settings(args, settings)
    if not any(c.up for c in devnet.status(devnet_settings)):
        devnet.up(devnet_settings, foundry_tool("anvil", settings.toolchain))
    _print_contracts(settings, force=False)
    print()
    code = _print_status(devnet_settings, as_json=False)
    print("\nRelaying a message each way (validators sign 2 of 3, the relayer delivers),")
    print("then three price rounds, each signed once (2 of 3 oracle keys) for both chains:\n")
    ids, manifest = run_demo(settings, devnet_settings)
    with Store.open(devnet_settings.state_dir / "relay.sqlite") as store:
        relay_cli.print_messages([row for i in ids if (row := store.message(i))])
    print()
    print(feed_cli.price_table(feed_cli.read_prices(manifest, settings.feed.max_age)))
    print(f"\nMargin of examples/{DEMO_ACCOUNT.name} at the market chain's price:\n")
    market, _ = margin_cli.market_from_feeds(manifest)
    portfolio = load_portfolio(DEMO_ACCOUNT)
    result = margin(to_book([portfolio], market.now), market, settings.risk, explain=True)
    print(margin_cli.explain(result, portfolio.latency_seconds, settings.risk))
    print(
        "\nThe chains keep running with everything deployed (deployments/local.json):"
        "\n  crossflow relay      run the validators and the relayer"
        "\n  crossflow feed       keep prices coming (GBM by default; --source csv|constant)"
        "\n  crossflow messages   what was relayed;  crossflow prices   what each chain holds"
        "\n  crossflow margin examples/covered_call.toml   another account, explained"
        "\n  crossflow devnet down (or make down) stops the chains."
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
