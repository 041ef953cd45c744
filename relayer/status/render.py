"""A `Status` drawn as rich tables, one per part, then the verdict: green is fine,
yellow is worth a look, red is a problem. Addresses are shortened in the account
tables (the JSON has them whole); amounts show at most four decimals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from relayer.status.model import ConservationStatus, FundsStatus, Status

HEALTH_STYLES = {
    "healthy": "green",
    "margin call": "yellow",
    "liquidatable": "red",
    "insolvent": "bold red",
    "unvalued": "dim",
}
FEED_STYLES = {"fresh": "green", "stale": "yellow", "no data": "dim", "down": "red"}


def render_status(status: Status) -> list[RenderableType]:
    """The tables and the verdict, in the order they read best top to bottom."""
    parts: list[RenderableType] = [
        _chains(status),
        _contracts(status),
        _routes(status),
        _feeds(status),
    ]
    if status.funds is not None:  # the market was read
        parts += [_accounts(status), _margin_calls(status), _funds(status.funds)]
    if status.conservation is not None:
        parts.append(_conservation(status.conservation))
    parts.append(_verdict(status))
    return parts


def print_status(status: Status, console: Console | None = None) -> None:
    shown_on = console or Console()
    for part in render_status(status):
        shown_on.print(part)


def _chains(status: Status) -> Table:
    table = _table(f"Chains of {status.network}", "chain", "id", "role", "RPC URL")
    for column in ("head", "lag s"):
        table.add_column(column, justify="right")
    table.add_column("state")
    for chain in status.chains:
        table.add_row(
            chain.name,
            str(chain.chain_id),
            chain.role,
            chain.rpc_url,
            _count(chain.head),
            "-" if chain.lag is None else f"{chain.lag:,.1f}",
            Text("up", "green") if chain.up else Text("down", "red"),
        )
    return table


def _contracts(status: Status) -> Table:
    table = _table("Contracts", "chain", "contract", "address", "code")
    for contract in status.contracts:
        if contract.code_matches is None:
            code = Text("unknown: chain down", "dim")
        elif contract.code_matches:
            code = Text("matches", "green")
        else:
            code = Text(contract.problem or "differs", "red")
        table.add_row(contract.chain, contract.key, contract.address, code)
    return table


def _routes(status: Status) -> Table:
    table = _table("Messages per route", "route")
    for column in ("dispatched", "delivered", "in flight", "failed"):
        table.add_column(column, justify="right")
    for route in status.routes:
        table.add_row(
            f"{route.origin} → {route.destination}",
            _count(route.dispatched),
            _count(route.delivered),
            _flagged(route.in_flight, "yellow"),
            _flagged(route.failed, "red"),
        )
    return table


def _feeds(status: Status) -> Table:
    table = _table("Oracle: last round per chain", "chain", "feed")
    for column in ("round", "value", "updated (UTC)", "age s"):
        table.add_column(column, justify="right")
    table.add_column("state")
    for feed in status.feeds:
        table.add_row(
            feed.chain,
            feed.feed,
            _count(feed.round_id),
            "-" if feed.value is None else f"{feed.value:,.4f}",
            "-" if feed.updated_at is None else _utc(feed.updated_at),
            _count(feed.age),
            Text(feed.state, FEED_STYLES.get(feed.state, "")),
        )
    return table


def _accounts(status: Status) -> RenderableType:
    if not status.accounts:
        return Text("Accounts: none on the market yet")
    title = f"Busiest accounts ({len(status.accounts)} of {status.accounts_total}, by IM)"
    table = _table(title, "account")
    for column in ("E", "MM", "IM"):
        table.add_column(column, justify="right")
    table.add_column("health")
    for column in ("positions", "orders", "cash"):
        table.add_column(column, justify="right")
    for account in status.accounts:
        table.add_row(
            _short(account.address),
            _amount(account.equity),
            _amount(account.mm),
            _amount(account.im),
            Text(account.health, HEALTH_STYLES.get(account.health, "")),
            str(account.positions),
            str(account.orders),
            _amount(account.cash),
        )
    return table


def _margin_calls(status: Status) -> RenderableType:
    if not status.margin_calls:
        return Text("Open margin calls: none", "green")
    table = _table("Open margin calls", "account", "call")
    for column in ("deficit", "deadline (UTC)", "left s"):
        table.add_column(column, justify="right")
    for call in status.margin_calls:
        table.add_row(
            _short(call.account),
            _short(call.call_id),
            _amount(call.deficit),
            _utc(call.deadline),
            Text(str(call.seconds_left), "yellow" if call.seconds_left >= 0 else "red"),
        )
    return table


def _funds(funds: FundsStatus) -> Table:
    table = _table("Insurance fund and bad debt", "insurance fund")
    for column in ("balance", "bad debt"):
        table.add_column(column, justify="right")
    table.add_row(
        funds.insurance_fund,
        _amount(funds.insurance_fund_balance),
        _flagged_amount(funds.bad_debt),
    )
    return table


def _conservation(report: ConservationStatus) -> Table:
    quote = report.quote
    caption = (
        f"quote token: Σ pools {_amount(quote.pools)} = Σ cash {_amount(quote.cash)} "
        f"- bad debt {_amount(quote.bad_debt)} over {quote.accounts} accounts: "
        + ("holds" if quote.holds else "DOES NOT HOLD")
    )
    table = _table("Conservation (DESIGN §7.1)", "chain", "token")
    table.caption = caption
    for column in ("vault", "reserves", "committed", "pool", "credits"):
        table.add_column(column, justify="right")
    for column in ("CREDITs in flight", "payouts in flight"):
        table.add_column(column, justify="right")
    table.add_column("§7.1")
    for line in report.lines:
        table.add_row(
            line.chain,
            f"{line.token} (cash)" if line.is_quote else line.token,
            _amount(line.vault_balance),
            _amount(line.reserves),
            _amount(line.committed),
            _amount(line.pool),
            "-" if line.credits is None else _amount(line.credits),
            _amount(line.credits_in_flight),
            _amount(line.payouts_in_flight),
            Text("holds", "green") if line.holds else Text("; ".join(line.problems), "red"),
        )
    return table


def _verdict(status: Status) -> Text:
    text = Text()
    for note in status.notes:
        text.append(f"· {note}\n", "dim")
    for problem in status.problems:
        text.append(f"✗ {problem}\n", "red")
    text.append("ok" if status.ok else "NOT OK", "bold green" if status.ok else "bold red")
    return text


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in columns:
        table.add_column(column)
    return table


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _flagged(value: int | None, style: str) -> Text:
    """A count drawn in `style` when it is above zero."""
    return Text(_count(value), style if value else "")


def _flagged_amount(value: Decimal) -> Text:
    return Text(_amount(value), "red" if value else "")


def _amount(value: Decimal | None) -> str:
    """At most four decimals, and none that are trailing zeros: 20,373 and 368.6688."""
    if value is None:
        return "-"
    shown = f"{value:,.4f}".rstrip("0").rstrip(".")
    return "0" if shown == "-0" else shown


def _short(hex_string: str) -> str:
    return f"{hex_string[:6]}…{hex_string[-4:]}"


def _utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")
