"""The shape of one status read: plain, typed data that the renderer draws and
`--json` prints as it is.

Token and quote amounts are Decimals, exact, and JSON strings; block numbers,
counts, round ids, raw oracle answers and unix times are integers; ages and lags
are seconds. A value that could not be read (its chain is down) is None.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChainStatus(_Record):
    name: str
    chain_id: int
    domain: int
    role: str
    rpc_url: str
    up: bool
    head: int | None = None
    head_time: int | None = None  # the head block's timestamp
    lag: float | None = None  # seconds from head_time to when the status was read
    error: str | None = None  # why the chain counts as down


class ContractStatus(_Record):
    chain: str
    key: str  # the manifest's name for it: `Mailbox`, `PriceFeed:ETH/USD`, ...
    address: str
    code_matches: bool | None  # None while its chain is down
    problem: str | None = None  # what is wrong with the code at the address


class RouteStatus(_Record):
    """One channel between two mailboxes, read at both ends."""

    origin: str
    origin_domain: int
    destination: str
    destination_domain: int
    dispatched: int | None  # the origin mailbox's outbound nonce
    delivered: int | None  # the destination mailbox's inbound nonce
    in_flight: int | None  # dispatched - delivered
    failed: int | None  # delivered, handler reverted, not yet retried successfully


class FeedStatus(_Record):
    chain: str
    chain_id: int
    feed: str
    state: str  # fresh, stale, no data or down
    round_id: int | None = None
    answer: int | None = None  # as the feed stores it, `decimals` places
    value: Decimal | None = None
    updated_at: int | None = None
    age: int | None = None  # seconds, by the chain's own clock


class AccountStatus(_Record):
    address: str
    equity: Decimal | None  # None (and health `unvalued`) while the market cannot value it
    mm: Decimal | None
    im: Decimal | None
    health: str  # healthy, margin call, liquidatable, insolvent or unvalued
    cash: Decimal
    positions: int
    orders: int
    events: int  # market events naming the account: how busy it has been


class MarginCallStatus(_Record):
    account: str
    call_id: str
    deficit: Decimal  # IM - E when the call opened
    deadline: int
    seconds_left: int  # by the market chain's clock; negative once past


class FundsStatus(_Record):
    insurance_fund: str
    insurance_fund_balance: Decimal  # the fund account's cash on the market
    bad_debt: Decimal


class ConservationLine(_Record):
    """DESIGN §7.1 for one (collateral domain, token)."""

    chain: str
    domain: int
    token: str  # the manifest's symbol for it, else its address
    token_address: str
    is_quote: bool
    vault_balance: Decimal
    reserves: Decimal
    committed: Decimal
    pool: Decimal
    credits: Decimal | None  # None for the quote token: it is cash
    credits_in_flight: Decimal
    payouts_in_flight: Decimal
    holds: bool
    problems: list[str]


class QuoteConservation(_Record):
    """Across every domain's quote token: Σ pools = Σ cash - bad debt."""

    pools: Decimal
    cash: Decimal
    bad_debt: Decimal
    accounts: int
    holds: bool


class ConservationStatus(_Record):
    holds: bool
    lines: list[ConservationLine]
    quote: QuoteConservation


class Status(_Record):
    network: str
    read_at: int  # unix seconds, wall clock
    ok: bool  # no problems: every chain up, every contract matches, conservation holds
    problems: list[str]  # what makes the status not ok
    notes: list[str]  # what is not shown and why, when that is no problem
    chains: list[ChainStatus]
    contracts: list[ContractStatus]
    routes: list[RouteStatus]
    feeds: list[FeedStatus]
    accounts: list[AccountStatus]  # the busiest, by IM, then positions, then events
    accounts_total: int  # every account the market's events name
    margin_calls: list[MarginCallStatus]
    funds: FundsStatus | None
    conservation: ConservationStatus | None
