"""`crossflow devnet`: start, stop and show the local chains."""

from __future__ import annotations

import argparse
import json

from relayer.chains import devnet
from relayer.chains.toolchain import foundry_tool
from relayer.cli.shell import crossflow_command
from relayer.demo.agents import stop_recorded_agents
from relayer.settings import DevnetSettings, Settings, with_overrides
from relayer.table import render_table


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dev = commands.add_parser("devnet", help="local Anvil chains").add_subparsers(
        required=True, metavar="ACTION"
    )
    start_chains = dev.add_parser(
        "up", help="start the chains in the background (or a half-dead devnet's dead ones)"
    )
    add_overrides(start_chains)
    start_chains.set_defaults(handler=_devnet_up)
    dev.add_parser("down", help="stop the chains `up` started").set_defaults(handler=_devnet_down)
    show = dev.add_parser("status", help="id, port, head block and up/down per chain")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=_devnet_status)


def add_overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--chains", type=int, help="number of chains (default 2)")
    parser.add_argument("--block-time", type=float, help="seconds per block (default: automine)")
    parser.add_argument("--base-port", type=int, help="port of the first chain (default 8545)")


def settings_from(args: argparse.Namespace, settings: Settings) -> DevnetSettings:
    return with_overrides(
        settings.devnet,
        "devnet",
        chains=args.chains,
        block_time=args.block_time,
        base_port=args.base_port,
    )


def _devnet_up(args: argparse.Namespace, settings: Settings) -> int:
    devnet_settings = settings_from(args, settings)
    start(devnet_settings, settings)
    return print_status(devnet_settings, as_json=False)


def start(devnet_settings: DevnetSettings, settings: Settings) -> None:
    """`devnet up`: a new devnet, or the dead chains of a half-dead one started again."""
    started = devnet.up(devnet_settings, foundry_tool("anvil", settings.toolchain))
    for node in started.restarted:
        print(
            f"restarted {node.spec.name} (chain {node.spec.chain_id}) as a new, empty chain; "
            f"deploy to it with `{crossflow_command()} deploy`"
        )


def _devnet_down(args: argparse.Namespace, settings: Settings) -> int:
    for agent in stop_recorded_agents(settings.devnet.state_dir):
        print(f"stopped `crossflow {agent}` (left running by the demo)")
    stopped = devnet.down(settings.devnet)
    if not stopped:
        print("no devnet was running")
    for each in stopped:
        node = each.node
        what = f"{node.spec.name} (chain {node.spec.chain_id}, pid {node.pid})"
        print(f"stopped {what}" if each.was_running else f"{what} had already stopped")
    return 0


def _devnet_status(args: argparse.Namespace, settings: Settings) -> int:
    return print_status(settings.devnet, as_json=args.json)


def print_status(settings: DevnetSettings, *, as_json: bool) -> int:
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
        print(f"no devnet is running; start one with `{crossflow_command()} devnet up`")
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
        down = [c.node.spec.name for c in chains if not c.up]
        if down:
            print(
                f"\n{', '.join(down)} {'is' if len(down) == 1 else 'are'} down: "
                f"`{crossflow_command()} devnet up` starts "
                + ("the devnet afresh" if len(down) == len(chains) else "it again, as a new chain")
            )
    return 0 if chains and all(c.up for c in chains) else 1
