"""`crossflow keep`: the keeper of the options market, one JSON log line per action
and a summary per poll; `--once` polls once and exits."""

from __future__ import annotations

import argparse
import logging

from relayer.chains.binding import load_live_manifest
from relayer.chains.compiler import load_contracts
from relayer.keeper.metrics import KeeperMetrics
from relayer.keeper.setup import keeper_from_manifest
from relayer.keeper.store import KeeperStore
from relayer.logs import configure_json_logging, stop_on_signals
from relayer.metrics_server import serve_metrics
from relayer.settings import Settings

log = logging.getLogger(__name__)
EARLIER_ACTIONS_SHOWN = 10


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keep = commands.add_parser(
        "keep",
        help="run the keeper: margin calls, liquidations, order cancels, settlement",
    )
    keep.add_argument("--network", help="manifest to use (default: the `network` setting)")
    keep.add_argument("--once", action="store_true", help="poll once, then exit")
    keep.set_defaults(handler=_keep)


def _keep(args: argparse.Namespace, settings: Settings) -> int:
    configure_json_logging()
    network = args.network or settings.network
    contracts = load_contracts()
    manifest = load_live_manifest(settings.manifest_dir, network, contracts)
    metrics = KeeperMetrics()
    with KeeperStore.open(settings.keeper.state_file) as store:
        keeper = keeper_from_manifest(settings.keeper, manifest, contracts, store, metrics)
        log.info(
            "keeping the market %s on %s as %s",
            keeper.market.address,
            network,
            keeper.address,
            extra={"fields": {"state_file": str(settings.keeper.state_file)}},
        )
        for action in store.actions(EARLIER_ACTIONS_SHOWN):
            log.info(
                "earlier: %s %s in %s (%s)",
                action.kind,
                action.target,
                action.tx_hash,
                action.detail,
                extra={"fields": {"block": action.block}},
            )
        if args.once:
            keeper.poll()
            return 0
        keeper_settings = settings.keeper
        server = serve_metrics(
            metrics,
            keeper_settings.metrics_host,
            keeper_settings.metrics_port,
            max(30.0, 10 * keeper_settings.poll_interval),
            log,
        )
        try:
            keeper.run(stop_on_signals())
        finally:
            if server is not None:
                server.close()
    log.info("stopped")
    return 0
