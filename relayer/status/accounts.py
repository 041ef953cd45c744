"""The market's side of a status read: the busiest accounts with the health the
chain gives them, the margin calls still open, the insurance fund and bad debt.

Accounts are found as the keeper finds them, from the market's events (the
keeper's own list lives in its state file, which may be on another machine); how
many events name an account is how busy it has been."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from web3 import Web3

from relayer.chains.compiler import Contracts
from relayer.errors import TransactionReverted
from relayer.keeper.follower import ACCOUNT_ARGS, ZERO_ADDRESS
from relayer.keeper.setup import MARKET_KEY
from relayer.market.client import Account
from relayer.market.ledger import LedgerClient
from relayer.status.chains import LiveChain
from relayer.status.events import events_since
from relayer.status.model import AccountStatus, FundsStatus, MarginCallStatus

UNVALUED = "unvalued"


def market_client(market_chain: LiveChain, contracts: Contracts) -> LedgerClient:
    """A read-only client of the market on `market_chain`. Its views call the price
    feeds, so the feeds' errors join the ABI: a revert then names `PriceFeedNoData`
    instead of showing a bare selector."""
    address = market_chain.deployment.contracts[MARKET_KEY]
    feed_errors = [e for e in contracts.get("IPriceFeed").abi if e.get("type") == "error"]
    market = market_chain.web3.eth.contract(
        address=Web3.to_checksum_address(address),
        abi=contracts.get("IOptionsMarket").abi + feed_errors,
    )
    return LedgerClient(market)


def account_activity(client: LedgerClient, first_block: int) -> Counter[str]:
    """Every account the market's events name, with how many events name it."""
    activity: Counter[str] = Counter()
    nobody = Web3.to_checksum_address(ZERO_ADDRESS)
    for name, fields in ACCOUNT_ARGS.items():
        for log in events_since(getattr(client.market.events, name), first_block):
            for field in fields:
                address = Web3.to_checksum_address(log["args"][field])
                if address != nobody:
                    activity[address] += 1
    return activity


@dataclass(frozen=True)
class Accounts:
    busiest: list[AccountStatus]
    unvalued_because: str | None  # why the market could not value some of them, if so


def busiest_accounts(client: LedgerClient, activity: Counter[str], limit: int) -> Accounts:
    """The `limit` accounts with the largest IM, then the most positions, then the
    most events: the ones whose health matters most. While the market cannot value
    accounts (no prices yet, or stale ones) they are listed unvalued, by activity."""
    found = []
    unvalued_because = None
    for address, events in activity.items():
        try:
            found.append(_valued(client.account(address), events))
        except TransactionReverted as err:
            unvalued_because = err.reason
            found.append(_unvalued(client, address, events))
    found.sort(key=_busiest_first, reverse=True)
    return Accounts(found[:limit], unvalued_because)


def _busiest_first(account: AccountStatus) -> tuple[Decimal, int, int]:
    im = Decimal(-1) if account.im is None else account.im
    return im, account.positions, account.events


def _valued(account: Account, events: int) -> AccountStatus:
    return AccountStatus(
        address=account.address,
        equity=account.equity,
        mm=account.mm,
        im=account.im,
        health=account.health,
        cash=account.cash,
        positions=len(account.positions),
        orders=len(account.orders),
        events=events,
    )


def _unvalued(client: LedgerClient, address: str, events: int) -> AccountStatus:
    series_ids, _ = client.market.functions.positionsOf(address).call()
    return AccountStatus(
        address=address,
        equity=None,
        mm=None,
        im=None,
        health=UNVALUED,
        cash=client.cash(address),
        positions=len(series_ids),
        orders=len(client.orders(address)),
        events=events,
    )


def open_margin_calls(client: LedgerClient, first_block: int, now: int) -> list[MarginCallStatus]:
    """Every margin call open now (`now` is the market chain's time), soonest
    deadline first: the accounts any call was ever opened for, asked again."""
    called = {
        Web3.to_checksum_address(log["args"]["account"])
        for log in events_since(client.market.events.MarginCallOpened, first_block)
    }
    found = []
    for account in sorted(called):
        call = client.margin_call_of(account)
        if call is None:
            continue
        found.append(
            MarginCallStatus(
                account=account,
                call_id=call.call_id,
                deficit=call.deficit,
                deadline=call.deadline,
                seconds_left=call.deadline - now,
            )
        )
    return sorted(found, key=lambda c: c.deadline)


def funds(client: LedgerClient) -> FundsStatus:
    fund = Web3.to_checksum_address(client.market.functions.insuranceFund().call())
    return FundsStatus(
        insurance_fund=fund, insurance_fund_balance=client.cash(fund), bad_debt=client.bad_debt()
    )
