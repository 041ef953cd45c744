"""`crossflow margin`: one account's margin, explained: its value in every
scenario, the worst one, and how much of the requirement the cross-chain
latency buffer adds. Amounts are in USD, the quote currency of the ETH/USD feed."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from web3 import Web3

from relayer.chains.binding import load_live_manifest
from relayer.chains.chain import connect
from relayer.chains.compiler import load_contracts
from relayer.chains.manifest import Manifest
from relayer.errors import ConfigError, NoMarketData
from relayer.oracle.feeds import ETH_IV, ETH_USD, read_latest
from relayer.risk.model import SPOT_STEPS, VOL_STEPS, Health, Margin, Market, margin
from relayer.risk.portfolio import load_portfolio, to_book
from relayer.settings import RiskSettings, Settings
from relayer.table import render_table


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = commands.add_parser("margin", help="one account's margin, scenario by scenario")
    show.add_argument("portfolio", type=Path, help="TOML portfolio (see examples/)")
    show.add_argument("--spot", type=float, help="spot price (default: the market chain's feed)")
    show.add_argument("--vol", type=float, help="implied vol, e.g. 0.6 (default: the feed)")
    show.add_argument("--network", help="manifest whose feeds to read (default: `network`)")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=_margin)


def _margin(args: argparse.Namespace, settings: Settings) -> int:
    portfolio = load_portfolio(args.portfolio)
    market, source = _market(args, settings)
    result = margin(to_book([portfolio], market.now), market, settings.risk, explain=True)
    if args.json:
        print(json.dumps(_as_json(result, market, settings.risk), indent=2))
    else:
        print(f"{args.portfolio}: spot {market.spot:,.2f}, vol {market.vol:.1%} ({source})\n")
        print(explain(result, portfolio.latency_seconds, settings.risk))
    return 0


def _market(args: argparse.Namespace, settings: Settings) -> tuple[Market, str]:
    if args.spot is not None and args.vol is not None:
        return Market(args.spot, args.vol, int(time.time())), "given"
    missing = " and ".join(f"--{name}" for name in ("spot", "vol") if getattr(args, name) is None)
    network = args.network or settings.network
    try:
        manifest = load_live_manifest(settings.manifest_dir, network, load_contracts())
        market, source = market_from_feeds(manifest)
    except ConfigError as err:
        raise NoMarketData(missing, err.message) from err
    return Market(
        args.spot if args.spot is not None else market.spot,
        args.vol if args.vol is not None else market.vol,
        market.now,
    ), source


def market_from_feeds(manifest: Manifest) -> tuple[Market, str]:
    """Spot and implied vol from the market chain's feeds, at that chain's time."""
    chain = next((c for c in manifest.chains if c.role == "market"), manifest.chains[0])
    web3 = connect(chain.rpc_url, chain.chain_id)
    abi = load_contracts().get("PriceFeed").abi
    spot, vol = (
        read_latest(
            web3.eth.contract(
                address=Web3.to_checksum_address(manifest.address(chain, spec.manifest_key)),
                abi=abi,
            )
        )
        for spec in (ETH_USD, ETH_IV)
    )
    if spot.round_id == 0 or vol.round_id == 0:
        raise ConfigError(
            f"the feeds on {chain.name} have no price yet",
            "run `crossflow feed`, or pass --spot and --vol",
        )
    now = int(web3.eth.get_block("latest")["timestamp"])
    market = Market(ETH_USD.from_answer(spot.answer), ETH_IV.from_answer(vol.answer), now)
    return market, f"feeds on {chain.name}, round {spot.round_id}"


def explain(result: Margin, latency: float, risk: RiskSettings) -> str:
    """The breakdown of the first account in `result`, whose slowest route takes
    `latency` seconds."""
    values = result.im_scenarios[0].reshape(SPOT_STEPS.size, VOL_STEPS.size)
    equity = float(result.equity[0])
    u_im = float(result.u_im[0])
    worst = int(result.worst_im[0])
    headers = ["spot move", *(f"vol {y * risk.vol_shock:+.0%}" for y in VOL_STEPS)]
    rows = []
    for i, step in enumerate(SPOT_STEPS):
        cells: list[object] = [f"{step * u_im:+.1%}"]
        for j in range(VOL_STEPS.size):
            mark = " <- worst" if i * VOL_STEPS.size + j == worst else ""
            cells.append(f"{values[i, j] - equity:+,.2f}{mark}")
        rows.append(cells)
    lines = [
        f"value change in USD in each IM scenario (u = {u_im:.2%}):",
        render_table(headers, rows),
        "",
        f"equity        {equity:>14,.2f} USD",
    ]
    for name, base in (("mm", risk.u_base_mm), ("im", risk.u_base_im)):
        required = float(getattr(result, name)[0])
        buffer = required - float(result.extra[f"{name}_no_latency"][0])
        u = float(getattr(result, f"u_{name}")[0])
        lines.append(
            f"{name.upper():<13} {required:>14,.2f} USD   u {u:.2%} = {base:.0%} widened by "
            f"latency ({latency:,.0f} s), which adds {buffer:,.2f} USD"
        )
    grid_im = equity - float(values.min()) + float(result.floor[0])
    if float(result.im[0]) > grid_im + 1e-9 * max(1.0, abs(grid_im)):
        lines.append("IM is raised to MM: the MM grid finds a worse scenario than the IM grid")
    lines.append(f"short floor   {float(result.floor[0]):>14,.2f} USD   (inside MM and IM)")
    lines.append(f"health        {Health(int(result.health[0])).name:>14}")
    return "\n".join(lines)


def _as_json(result: Margin, market: Market, risk: RiskSettings) -> dict[str, object]:
    return {
        "spot": market.spot,
        "vol": market.vol,
        "time": market.now,
        "equity": float(result.equity[0]),
        "mm": float(result.mm[0]),
        "im": float(result.im[0]),
        "mm_latency_part": float(result.mm[0] - result.extra["mm_no_latency"][0]),
        "im_latency_part": float(result.im[0] - result.extra["im_no_latency"][0]),
        "u_mm": float(result.u_mm[0]),
        "u_im": float(result.u_im[0]),
        "short_floor": float(result.floor[0]),
        "health": Health(int(result.health[0])).name,
        "scenarios": [
            {
                "spot_move": float(step * result.u_im[0]),
                "vol_move": float(y * risk.vol_shock),
                "value": float(result.im_scenarios[0][i * VOL_STEPS.size + j]),
            }
            for i, step in enumerate(SPOT_STEPS)
            for j, y in enumerate(VOL_STEPS)
        ],
        "worst": int(np.asarray(result.worst_im)[0]),
    }
