"""The oracle commands: `feed` (sign and post reports) and `prices` (read them back)."""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from web3 import Web3

from relayer.chains import devkeys
from relayer.chains.binding import load_live_manifest
from relayer.chains.chain import NODE_ERRORS, connect
from relayer.chains.compiler import load_contracts
from relayer.chains.keys import load_accounts
from relayer.chains.manifest import Manifest
from relayer.logs import configure_json_logging, stop_on_signals
from relayer.oracle.feeder import Feeder
from relayer.oracle.feeds import FEEDS, FeedSpec, FeedState, read_latest
from relayer.oracle.price_sources import open_source
from relayer.settings import Settings, with_overrides
from relayer.table import render_table

log = logging.getLogger(__name__)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feed = commands.add_parser("feed", help="sign price reports and post them to every chain")
    feed.add_argument("--network", help="manifest to use (default: the `network` setting)")
    feed.add_argument("--source", help="gbm, csv or constant (default: feed.source)")
    feed.add_argument("--csv", type=Path, help="the file to replay for --source csv")
    feed.add_argument("--heartbeat", type=float, help="seconds between rounds at the latest")
    feed.add_argument("--deviation-bps", type=float, help="a move that triggers a round")
    feed.add_argument("--speed", type=float, help="source seconds per wall second")
    feed.add_argument("--rounds", type=int, help="stop after this many spot rounds are posted")
    feed.set_defaults(handler=_feed)

    prices = commands.add_parser("prices", help="each chain's latest round of every feed")
    prices.add_argument("--network", help="manifest to use (default: the `network` setting)")
    prices.add_argument("--json", action="store_true", help="machine-readable output")
    prices.set_defaults(handler=_prices)


def _feed(args: argparse.Namespace, settings: Settings) -> int:
    configure_json_logging()
    feed_settings = with_overrides(
        settings.feed,
        "feed",
        source=args.source,
        csv=args.csv,
        heartbeat=args.heartbeat,
        deviation_bps=args.deviation_bps,
        speed=args.speed,
    )
    network = args.network or settings.network
    manifest = load_live_manifest(settings.manifest_dir, network, load_contracts())
    signers = load_accounts(
        feed_settings.signer_keys,
        network,
        devkeys.ORACLE_SIGNER_KEYS,
        what="oracle signer key",
        variable="CROSSFLOW_FEED__SIGNER_KEYS",
    )
    poster = load_accounts(
        [feed_settings.poster_key] if feed_settings.poster_key else [],
        network,
        [devkeys.FEEDER_KEY],
        what="poster key (pays for submit)",
        variable="CROSSFLOW_FEED__POSTER_KEY",
    )[0]
    # Everything that can be wrong is found before the first report is signed.
    source = open_source(feed_settings, int(time.time()))
    feeder = Feeder(
        feed_settings, manifest, load_contracts(), source, signers=signers, poster=poster
    )
    stop = stop_on_signals()
    log.info("feeding %s from %s", network, feed_settings.source)
    feeder.run(stop, max_rounds=args.rounds)
    log.info("stopped after %d spot round(s)", feeder.signed_rounds)
    return 0


def _prices(args: argparse.Namespace, settings: Settings) -> int:
    manifest = load_live_manifest(
        settings.manifest_dir, args.network or settings.network, load_contracts()
    )
    rows = read_prices(manifest, settings.feed.max_age)
    if args.json:
        print(json.dumps([row.as_json() for row in rows], indent=2))
    else:
        print(price_table(rows))
    return 0 if all(row.state == "fresh" for row in rows) else 1


def price_table(rows: list[PriceRow]) -> str:
    return render_table(
        ["chain", "feed", "round", "value", "updated (UTC)", "age s", "state"],
        [row.cells() for row in rows],
    )


@dataclass(frozen=True)
class PriceRow:
    """One feed on one chain, aged by that chain's own clock."""

    chain_id: int
    feed: FeedSpec
    latest: FeedState | None  # None while the chain does not answer
    age: int | None
    state: str  # fresh, STALE, no data or down

    def as_json(self) -> dict[str, object]:
        data = self.latest if self.latest is not None and self.latest.round_id > 0 else None
        return {
            "chain": self.chain_id,
            "feed": self.feed.name,
            "round": data.round_id if data else None,
            "answer": data.answer if data else None,
            "value": self.feed.from_answer(data.answer) if data else None,
            "updated_at": data.updated_at if data else None,
            "age": self.age,
            "state": self.state,
        }

    def cells(self) -> list[object]:
        row = self.as_json()
        updated = row["updated_at"]
        return [
            self.chain_id,
            self.feed.name,
            row["round"] or "-",
            "-" if row["value"] is None else row["value"],
            _utc(updated) if isinstance(updated, int) else "-",
            "-" if self.age is None else self.age,
            self.state,
        ]


def read_prices(manifest: Manifest, max_age: float) -> list[PriceRow]:
    """Every feed on every chain: its latest round, and whether that is fresh,
    stale, empty, or the chain is down."""
    abi = load_contracts().get("PriceFeed").abi
    rows: list[PriceRow] = []
    for chain in manifest.chains:
        try:
            web3 = connect(chain.rpc_url, chain.chain_id)
            chain_time = int(web3.eth.get_block("latest")["timestamp"])
            latest = [
                read_latest(
                    web3.eth.contract(
                        address=Web3.to_checksum_address(
                            manifest.address(chain, spec.manifest_key)
                        ),
                        abi=abi,
                    )
                )
                for spec in FEEDS
            ]
        except NODE_ERRORS:
            rows += [PriceRow(chain.chain_id, spec, None, None, "down") for spec in FEEDS]
            continue
        for spec, state in zip(FEEDS, latest, strict=True):
            if state.round_id == 0:
                rows.append(PriceRow(chain.chain_id, spec, state, None, "no data"))
                continue
            age = chain_time - state.updated_at
            rows.append(
                PriceRow(chain.chain_id, spec, state, age, "fresh" if age <= max_age else "STALE")
            )
    return rows


def _utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")
