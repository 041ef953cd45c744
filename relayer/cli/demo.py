"""`crossflow demo`: the whole story live on fresh local chains, shown as it
happens, then told as a timeline with the messages' latencies, the outcome for
each party, conservation, and the chart and report it wrote."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table

from relayer.chains.toolchain import foundry_tool
from relayer.cli import devnet as devnet_cli
from relayer.cli.shell import console, crossflow_command, shown
from relayer.demo.outcome import Outcome
from relayer.demo.run import DemoRun, run_demo
from relayer.deploy.collateral import MARKET_KEY
from relayer.settings import Settings

RESULTS_DIR = Path("demo-results")


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="the whole story live on fresh chains: deposits, trades, a crash, a margin call "
        "answered across chains, a cross-chain liquidation, settlement and payouts",
    )
    devnet_cli.add_overrides(demo)
    demo.add_argument(
        "--keep-running",
        action="store_true",
        help="leave the chains and the agents running to explore (`crossflow devnet down` stops)",
    )
    demo.add_argument(
        "--out", type=Path, help=f"folder for the chart and report (default: {RESULTS_DIR}/TIME)"
    )
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    devnet_settings = devnet_cli.settings_from(args, settings)
    out_dir = args.out or RESULTS_DIR / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = console()
    with _Progress(out) as progress:
        run = run_demo(
            settings,
            devnet_settings,
            out_dir=out_dir,
            keep_running=args.keep_running,
            progress=progress,
            config=args.config,
        )
    _tell(out, run)
    timeline = out_dir / "timeline.txt"
    with timeline.open("w") as file:
        _timeline(Console(file=file, width=140, highlight=False), run)
    holds = run.conservation is not None and run.conservation.holds
    out.print(
        f"\nConservation {'[green]holds' if holds else '[red]does NOT hold'}[/] on every vault "
        f"and the market's ledger, with nothing in flight. The story took {run.seconds:.0f} s."
    )
    out.print(f"Chart: {shown(run.chart or out_dir)}   report: {shown(run.report or out_dir)}")
    out.print(f"Timeline: {shown(timeline)}")
    if args.keep_running:
        _next_steps(out, run, foundry_tool("cast", settings.toolchain))
    return 0 if holds else 1


class _Progress:
    """A spinner on the step at hand; each finished step stays as one line."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._status = console.status("")
        self._title: str | None = None
        self._began = 0.0

    def __enter__(self) -> _Progress:
        self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish()
        self._status.stop()

    def step(self, title: str) -> None:
        self._finish()
        self._title, self._began = title, time.monotonic()
        self._status.update(f"[bold]{title}…")

    def say(self, text: str) -> None:
        self.console.print(f"    [dim]{text}")

    def _finish(self) -> None:
        if self._title is not None:
            seconds = time.monotonic() - self._began
            self.console.print(f"[green]✓[/] {self._title} [dim]({seconds:.1f} s)")
            self._title = None


def _tell(console: Console, run: DemoRun) -> None:
    console.print()
    _timeline(console, run)
    console.print()
    console.print(_messages(run))
    console.print()
    console.print(_outcomes(run.outcomes))


def _timeline(console: Console, run: DemoRun) -> None:
    trips = {t.id: t for t in run.timeline.trips}
    table = Table(title="What happened, as the chains recorded it", title_justify="left")
    for column, justify in (("t (s)", "right"), ("chain", "left"), ("block", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("event")
    table.add_column("arrived after", justify="right")
    for event in run.timeline.events:
        trip = trips.get(event.received or "")
        arrived = f"{trip.kind} {trip.latency:.2f} s" if trip and trip.latency is not None else ""
        table.add_row(
            f"{event.at - run.started:.2f}", event.chain, str(event.block), event.text, arrived
        )
    console.print(table)


def _messages(run: DemoRun) -> Table:
    table = Table(title="Messages across chains: dispatch block to delivery block")
    for column in ("message", "route", "count", "median", "worst"):
        table.add_column(column, justify="left" if column in ("message", "route") else "right")
    routes: dict[str, set[str]] = {}
    for trip in run.timeline.trips:
        routes.setdefault(trip.kind, set()).add(f"{trip.origin} → {trip.destination}")
    for latency in run.latencies:
        table.add_row(
            latency.kind,
            ", ".join(sorted(routes.get(latency.kind, ()))),
            str(latency.count),
            f"{latency.median:.2f} s",
            f"{latency.worst:.2f} s",
        )
    undelivered = [t for t in run.timeline.trips if t.delivered_at is None or t.failed]
    if undelivered:
        table.caption = f"{len(undelivered)} message(s) not delivered"
    return table


def _outcomes(outcomes: list[Outcome]) -> Table:
    table = Table(title="Outcome per party, from the chains' events")
    for column in ("party", "margin calls", "topped up", "liquidated", "seized", "settled"):
        table.add_column(column, justify="left" if column == "party" else "right")
    table.add_column("paid out on the collateral chain")
    for o in outcomes:
        seized = _amounts(o.seized) or (
            "received " + _amounts(o.received_seized) if o.received_seized else "-"
        )
        table.add_row(
            o.name,
            str(o.margin_calls),
            f"{o.topped_up:,.2f}" if o.topped_up else "-",
            "yes" if o.liquidated else "no",
            seized,
            f"{o.settled:,.2f}",
            _amounts(o.paid_out) or "-",
        )
    return table


def _amounts(by_token: dict[str, Decimal]) -> str:
    return ", ".join(f"{amount:,.4f} {token}" for token, amount in by_token.items())


def _next_steps(console: Console, run: DemoRun, cast: Path) -> None:
    crossflow = crossflow_command()
    steps = [
        ("status", "chains, messages, prices, accounts, conservation"),
        ("messages", "every message the relay carried"),
        ("market series", "the options listed; `market book ID` for one book"),
        ("prices", "the oracle's latest round on each chain"),
        ("conservation", "vaults against the market's ledger"),
        ("devnet down", "stop the chains and the agents (or `make down`)"),
    ]
    width = max(len(command) for command, _ in steps)
    console.print(
        "\nThe chains, the relayer, the feeder (a GBM now) and the keeper keep running:",
        soft_wrap=True,
    )
    # One line each, however narrow the terminal: they are meant to be pasted.
    for command, what in steps:
        console.print(f"  {crossflow} {command:<{width}}   [dim]{what}", soft_wrap=True)
    market = run.manifest.market_chain()
    console.print(
        f"  {shown(cast)} call {market.contracts[MARKET_KEY]} 'seriesCount()(uint256)' "
        f"--rpc-url {market.rpc_url}   [dim]any view, with cast",
        soft_wrap=True,
    )
