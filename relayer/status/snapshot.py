"""One status read of a deployment: every part read from the chains that answer,
what needs a chain that is down skipped and said so, and a verdict.

The status is not ok when a chain is down, a contract's code is not what the
manifest records, a part could not be read, or conservation does not hold. A
stale feed, a message in flight or a failed handler is shown, not judged: each
is normal for a while.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from relayer.chains.chain import NODE_ERRORS
from relayer.chains.compiler import Contracts, load_contracts
from relayer.chains.manifest import Manifest
from relayer.errors import ChainError, InvalidManifest, TransactionReverted
from relayer.keeper.setup import MARKET_KEY
from relayer.settings import Settings
from relayer.status.accounts import (
    account_activity,
    busiest_accounts,
    funds,
    market_client,
    open_margin_calls,
)
from relayer.status.chains import Live, probe_chains, read_contracts, reason
from relayer.status.conservation import read_conservation
from relayer.status.model import (
    AccountStatus,
    ConservationStatus,
    ContractStatus,
    FeedStatus,
    FundsStatus,
    MarginCallStatus,
    RouteStatus,
    Status,
)
from relayer.status.prices import read_feeds
from relayer.status.routes import read_routes

T = TypeVar("T")
# What a read raises that lost its node midway, or met a contract refusing the call.
READ_ERRORS = (*NODE_ERRORS, TransactionReverted)


class NoChainAnswers(ChainError):
    def __init__(self, network: str, rpc_urls: list[str]) -> None:
        super().__init__(
            f"no chain of network {network!r} answers (tried {', '.join(rpc_urls)})",
            "start the local chains with `crossflow devnet up`, or check the manifest's RPC URLs",
        )


def read_status(
    manifest: Manifest,
    settings: Settings,
    *,
    accounts: int = 10,
    contracts: Contracts | None = None,
    clock: Callable[[], float] = time.time,
) -> Status:
    """Everything `crossflow status` shows, with the `accounts` busiest accounts.
    Raises NoChainAnswers when not one chain answers; anything less is in the status."""
    compiled = contracts or load_contracts()
    now = clock()
    chains, live = probe_chains(manifest, now)
    if not live:
        raise NoChainAnswers(manifest.network, [c.rpc_shown for c in manifest.chains])
    read = _Read(manifest, live, compiled)
    read.problems += [
        f"{c.name} (chain {c.chain_id}) is down: {c.error}" for c in chains if not c.up
    ]
    contract_rows: list[ContractStatus] = read.part(
        "contracts", lambda: read_contracts(manifest, live, compiled), []
    )
    read.problems += [f"{c.chain} {c.problem}" for c in contract_rows if c.problem]
    routes: list[RouteStatus] = read.part(
        "messages", lambda: read_routes(manifest, live, compiled), []
    )
    max_age = settings.feed.max_age
    feeds: list[FeedStatus] = read.part(
        "prices", lambda: read_feeds(manifest, live, compiled, max_age), []
    )
    market = read.market(accounts)
    conservation = read.conservation()
    return Status(
        network=manifest.network,
        read_at=int(now),
        ok=not read.problems,
        problems=read.problems,
        notes=read.notes,
        chains=chains,
        contracts=contract_rows,
        routes=routes,
        feeds=feeds,
        accounts=market.accounts,
        accounts_total=market.accounts_total,
        margin_calls=market.margin_calls,
        funds=market.funds,
        conservation=conservation,
    )


@dataclass
class _MarketParts:
    accounts: list[AccountStatus] = field(default_factory=list)
    accounts_total: int = 0
    margin_calls: list[MarginCallStatus] = field(default_factory=list)
    funds: FundsStatus | None = None


@dataclass
class _Read:
    """One read in progress: what it reads from, and the problems and notes it finds."""

    manifest: Manifest
    live: Live
    contracts: Contracts
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def part(self, what: str, read: Callable[[], T], fallback: T) -> T:
        """`read()`, or `fallback` with the reason among the problems: a node that goes
        away midway costs its part, not the whole status."""
        try:
            return read()
        except READ_ERRORS as err:
            self.problems.append(f"{what} could not be read: {reason(err)}")
            return fallback

    def market(self, limit: int) -> _MarketParts:
        found = _MarketParts()
        if not any(MARKET_KEY in c.contracts for c in self.manifest.chains):
            self.notes.append(f"no {MARKET_KEY} deployed: no accounts, margin calls or funds")
            return found
        chain = self.manifest.market_chain()
        reached = self.live.get(chain.domain)
        if reached is None:
            self.notes.append(f"{chain.name} is down: no accounts, margin calls or funds")
            return found
        client = market_client(reached, self.contracts)
        first = chain.deployed_at_block

        def read() -> _MarketParts:
            activity = account_activity(client, first)
            accounts = busiest_accounts(client, activity, limit)
            if accounts.unvalued_because is not None:
                self.notes.append(f"accounts not valued: {accounts.unvalued_because}")
            return _MarketParts(
                accounts=accounts.busiest,
                accounts_total=len(activity),
                margin_calls=open_margin_calls(client, first, reached.head_time),
                funds=funds(client),
            )

        return self.part("the market", read, found)

    def conservation(self) -> ConservationStatus | None:
        down = [c.name for c in self.manifest.chains if c.domain not in self.live]
        if down:
            self.notes.append(f"conservation needs every chain up; down: {', '.join(down)}")
            return None
        try:
            report = self.part(
                "conservation", lambda: read_conservation(self.manifest, self.contracts), None
            )
        except InvalidManifest as err:  # nothing to conserve: no market or no vaults yet
            self.notes.append(f"conservation not checked: {err.message}")
            return None
        if report is not None and not report.holds:
            broken = [f"{line.chain} {line.token}" for line in report.lines if not line.holds]
            if not report.quote.holds:
                broken.append("the quote token across domains")
            self.problems.append(f"conservation does not hold: {', '.join(broken)}")
        return report
