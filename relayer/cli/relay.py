"""The message-layer commands: `relay`, and `messages` with its ways out of stuck states."""

from __future__ import annotations

import argparse
import json
import logging

from relayer.chains.binding import load_live_manifest
from relayer.chains.compiler import load_contracts
from relayer.errors import InvalidConfig
from relayer.logs import configure_json_logging, stop_on_signals
from relayer.messaging.message import route_label
from relayer.messaging.metrics import RelayMetrics
from relayer.messaging.rescue import requeue, rerun_handler
from relayer.messaging.service import RelayService, Role
from relayer.messaging.store import MessageRow, MessageState, Store
from relayer.metrics_server import serve_metrics
from relayer.settings import Settings
from relayer.table import render_table

log = logging.getLogger(__name__)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    relay = commands.add_parser("relay", help="run the validators and the relayer")
    relay.add_argument("--network", help="manifest to use (default: the `network` setting)")
    relay.add_argument(
        "--role",
        choices=[r.value for r in Role],
        default=Role.ALL.value,
        help="run only the validators or only the relayer",
    )
    relay.set_defaults(handler=_relay)

    show = commands.add_parser(
        "messages", help="recent messages with state, route and latency; requeue, retry"
    )
    show.add_argument("--limit", type=int, default=20, help="how many, newest first (default 20)")
    show.add_argument(
        "--state", choices=[s.value for s in MessageState], help="only messages in this state"
    )
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=_messages)
    actions = show.add_subparsers(metavar="ACTION")
    requeue = actions.add_parser(
        "requeue", help="put dead-lettered messages back in line, by id or a whole channel"
    )
    requeue.add_argument("ids", nargs="*", metavar="ID", help="message ids")
    requeue.add_argument(
        "--channel",
        nargs=2,
        type=int,
        metavar=("ORIGIN", "DESTINATION"),
        help="every dead letter from domain ORIGIN to domain DESTINATION",
    )
    requeue.set_defaults(handler=_requeue)
    retry = actions.add_parser(
        "retry",
        help="rerun the failed handler of a delivered message now, with more gas than"
        " the relayer's automatic reruns give it",
    )
    retry.add_argument("id", metavar="ID", help="message id")
    retry.add_argument("--gas", type=int, help="transaction gas limit (default: estimated)")
    retry.add_argument("--network", help="manifest to use (default: the `network` setting)")
    retry.set_defaults(handler=_retry)


def _relay(args: argparse.Namespace, settings: Settings) -> int:
    configure_json_logging()
    network = args.network or settings.network
    manifest = load_live_manifest(settings.manifest_dir, network, load_contracts())
    metrics = RelayMetrics()
    stop = stop_on_signals()
    with Store.open(settings.relay.store) as store:
        service = RelayService(
            settings.relay, manifest, load_contracts(), store, metrics=metrics, role=Role(args.role)
        )
        server = serve_metrics(
            metrics,
            settings.relay.metrics_host,
            settings.relay.metrics_port,
            max(10.0, 20 * settings.relay.poll_interval),
            log,
        )
        log.info("relaying on %s (%s)", network, args.role)
        try:
            service.run(stop)
        finally:
            if server is not None:
                server.close()
    log.info("stopped")
    return 0


def _messages(args: argparse.Namespace, settings: Settings) -> int:
    with Store.open(settings.relay.store) as store:
        rows = store.messages(args.limit, MessageState(args.state) if args.state else None)
    if args.json:
        print(json.dumps([_as_json(row) for row in rows], indent=2))
        return 0
    print_messages(rows)
    return 0


def _requeue(args: argparse.Namespace, settings: Settings) -> int:
    if not args.ids and args.channel is None:
        raise InvalidConfig("command-line options", "name message ids or --channel")
    channel = tuple(args.channel) if args.channel else None
    with Store.open(settings.relay.store) as store:
        ids = requeue(store, args.ids, channel)
    print(f"requeued {len(ids)} message(s); a running relayer delivers them in channel order")
    return 0


def _retry(args: argparse.Namespace, settings: Settings) -> int:
    manifest = load_live_manifest(
        settings.manifest_dir, args.network or settings.network, load_contracts()
    )
    with Store.open(settings.relay.store) as store:
        contracts = load_contracts()
        tx_hash = rerun_handler(settings.relay, manifest, contracts, store, args.id, gas=args.gas)
    print(f"handler of {args.id} ran in {tx_hash}")
    return 0


def print_messages(rows: list[MessageRow]) -> None:
    if not rows:
        print("no messages yet")
        return
    print(
        render_table(
            ["id", "route", "nonce", "state", "retries", "latency ms", "last error"],
            [
                [
                    row.id[:12],
                    route_label(row.origin, row.destination),
                    row.nonce,
                    row.state.value,
                    row.attempts + row.handler_retries,
                    _latency_ms(row) or "-",
                    row.last_error[:60],
                ]
                for row in rows
            ],
        )
    )


def _latency_ms(row: MessageRow) -> int | None:
    if row.delivered_at is None or row.seen_at is None:
        return None
    return round((row.delivered_at - row.seen_at) * 1000)


def _as_json(row: MessageRow) -> dict[str, object]:
    return {
        "id": row.id,
        "origin": row.origin,
        "destination": row.destination,
        "nonce": row.nonce,
        "state": row.state.value,
        "attempts": row.attempts,
        "handler_retries": row.handler_retries,
        "next_handler_retry_at": (
            row.next_handler_retry_at if row.state is MessageState.FAILED else None
        ),
        "latency_ms": _latency_ms(row),
        "last_error": row.last_error,
        "origin_block": row.origin_block,
        "submit_tx": row.submit_tx,
    }
