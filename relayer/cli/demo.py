"""`crossflow demo`: the whole flow, live, on the devnet's chains."""

from __future__ import annotations

import argparse
from pathlib import Path

from relayer.chains import devnet
from relayer.chains.manifest import manifest_path
from relayer.cli import devnet as devnet_cli
from relayer.cli import feed as feed_cli
from relayer.cli import margin as margin_cli
from relayer.cli import relay as relay_cli
from relayer.cli.shell import crossflow_command, shown
from relayer.errors import DemoNeedsTwoChains
from relayer.messaging.store import Store
from relayer.risk.model import margin
from relayer.risk.portfolio import load_portfolio, to_book
from relayer.settings import DevnetSettings, Settings
from relayer.testbed.demo import run_demo

EXAMPLES = Path(__file__).parents[2] / "examples"
DEMO_ACCOUNT = EXAMPLES / "naked_strangle.toml"


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="the whole flow, live: chains up, contracts deployed, a message relayed each "
        "way, signed prices on every chain, an account's margin explained",
    )
    devnet_cli.add_overrides(demo)
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    devnet_settings = devnet_cli.settings_from(args, settings)
    chains = devnet.status(devnet_settings)
    count = len(chains) if any(c.up for c in chains) else devnet_settings.chains
    if count < 2:  # noqa: PLR2004 - a collateral chain and the market
        raise DemoNeedsTwoChains(count)
    started_here = not any(c.up for c in chains)
    if chains and all(c.up for c in chains):
        if args.chains is not None and args.chains != len(chains):
            print(
                f"using the running devnet of {len(chains)} chains; for {args.chains}, "
                f"stop it first with `{crossflow_command()} devnet down`\n"
            )
    else:
        devnet_cli.start(devnet_settings, settings)
    try:
        return _run_demo(settings, devnet_settings)
    except BaseException:
        # Chains the demo brought up are its own to clean up when it fails.
        if started_here:
            devnet.down(devnet_settings)
        raise


def _run_demo(settings: Settings, devnet_settings: DevnetSettings) -> int:
    code = devnet_cli.print_status(devnet_settings, as_json=False)
    nodes = [c.node for c in devnet.status(devnet_settings)]
    every = "both chains" if len(nodes) == 2 else f"all {len(nodes)} chains"  # noqa: PLR2004
    print(
        f"\nRelaying a message each way between {nodes[0].spec.name} and {nodes[1].spec.name} "
        "(validators sign 2 of 3, the relayer delivers),"
    )
    print(f"then three price rounds, each signed once (2 of 3 oracle keys) for {every}:\n")
    ids, manifest = run_demo(settings, devnet_settings)
    with Store.open(devnet_settings.state_dir / "relay.sqlite") as store:
        relay_cli.print_messages([row for i in ids if (row := store.message(i))])
    print()
    print(feed_cli.price_table(feed_cli.read_prices(manifest, settings.feed.max_age)))
    print(f"\nMargin of {shown(DEMO_ACCOUNT)} at the market chain's price:\n")
    market, _ = margin_cli.market_from_feeds(manifest)
    portfolio = load_portfolio(DEMO_ACCOUNT)
    result = margin(to_book([portfolio], market.now), market, settings.risk, explain=True)
    print(margin_cli.explain(result, portfolio.latency_seconds, settings.risk))
    print(_next_steps(manifest_path(settings.manifest_dir, "local")))
    return code


def _next_steps(manifest: Path) -> str:
    crossflow = crossflow_command()
    steps = [
        ("relay", "run the validators and the relayer"),
        ("feed", "keep prices coming (GBM by default; --source csv|constant)"),
        ("messages", "what was relayed"),
        ("prices", "what each chain holds"),
        (f"margin {shown(EXAMPLES / 'covered_call.toml')}", "another account, explained"),
        ("devnet down", "stop the chains (or `make down`)"),
    ]
    width = max(len(command) for command, _ in steps)
    lines = [f"  {crossflow} {command:<{width}}   {what}" for command, what in steps]
    return "\n".join(
        [
            f"\nThe chains keep running with everything deployed ({shown(manifest)}). Next:",
            *lines,
        ]
    )
