"""DESIGN §7.1, read from the chains alone (no relay store): for each collateral
chain and each token its vault lists,

    vault balance = committed + reserves
    committed     = pool + CREDITs in flight + RELEASEs and SEIZEs in flight
    pool          = Σ credits                       (non-quote tokens)

and across every domain's quote token, Σ pools = Σ cash - bad debt.

A message is in flight until its destination mailbox delivered it and its handler
did not fail: a failed handler moved nothing, so a rate-limited RELEASE is still in
flight until the relay reruns it. Accounts are every address the market's events
name, plus the fee account and the insurance fund. All amounts are WAD integers,
so "holds" is exact equality.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from web3 import Web3
from web3.contract import Contract

from relayer.chains.chain import connect
from relayer.chains.compiler import Contracts, load_contracts
from relayer.chains.manifest import MARKET_ROLE, ChainDeployment, Manifest
from relayer.collateral.messages import AppMessage, Credit, Payout, decode
from relayer.collateral.tokens import VAULT_KEY
from relayer.errors import AppMessageError
from relayer.messaging.reader import ChainReader

MAILBOX_KEY = "Mailbox"
MARKET_KEY = "OptionsMarket"
WAD_DECIMALS = 18
# Market events whose arguments name accounts that may hold cash or credits.
ACCOUNT_EVENTS = {
    "CollateralCredited": ("account",),
    "OrderPlaced": ("owner",),
    "Traded": ("taker", "maker"),
    "Liquidated": ("account", "liquidator"),
}


@dataclass(frozen=True)
class Line:
    """One (collateral domain, token): WAD integers."""

    chain: str
    domain: int
    token: str
    is_quote: bool
    vault_balance: int
    reserves: int
    committed: int
    pool: int
    credits: int | None  # Σ credits on the market; None for the quote token (cash)
    credits_in_flight: int
    payouts_in_flight: int
    problems: tuple[str, ...]

    @property
    def holds(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Quote:
    """The quote token across domains: Σ pools = Σ cash - bad debt."""

    pools: int
    cash: int
    bad_debt: int
    accounts: int

    @property
    def holds(self) -> bool:
        return self.pools == self.cash - self.bad_debt


@dataclass(frozen=True)
class Report:
    lines: list[Line]
    quote: Quote
    problems: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return self.quote.holds and all(line.holds for line in self.lines)


def check_conservation(manifest: Manifest, contracts: Contracts | None = None) -> Report:
    compiled = contracts or load_contracts()
    market_chain = manifest.market_chain()
    market_web3 = connect(market_chain.rpc_url, market_chain.chain_id)
    market = _contract(
        market_web3, manifest.address(market_chain, MARKET_KEY), compiled, "IOptionsMarket"
    )
    market_box = _contract(
        market_web3, manifest.address(market_chain, MAILBOX_KEY), compiled, "Mailbox"
    )
    accounts = _accounts(market, market_chain.deployed_at_block)
    vault_sides = []
    for chain in (c for c in manifest.chains if c.role != MARKET_ROLE):
        web3 = connect(chain.rpc_url, chain.chain_id)
        box = _contract(web3, manifest.address(chain, MAILBOX_KEY), compiled, "Mailbox")
        vault_sides.append((web3, box, chain))
    credits_in_flight, payouts_in_flight = _in_flight(
        (market_web3, market_box, market_chain), vault_sides
    )
    lines = []
    quote_pools = 0
    for web3, _, chain in vault_sides:
        vault = _contract(web3, manifest.address(chain, VAULT_KEY), compiled, "ICollateralVault")
        for token in vault.functions.listedTokens().call():
            key = (chain.domain, token.lower())
            line = _line(
                chain,
                vault,
                market,
                compiled,
                token,
                accounts=accounts,
                credits_in_flight=credits_in_flight.get(key, 0),
                payouts_in_flight=payouts_in_flight.get(key, 0),
            )
            if line.is_quote:
                quote_pools += line.pool
            lines.append(line)
    functions = market.functions
    cash = sum(int(functions.cash(account).call()) for account in accounts)
    quote = Quote(quote_pools, cash, int(functions.badDebt().call()), len(accounts))
    return Report(lines, quote)


def _line(
    chain: ChainDeployment,
    vault: Contract,
    market: Contract,
    compiled: Contracts,
    token: str,
    *,
    accounts: set[str],
    credits_in_flight: int,
    payouts_in_flight: int,
) -> Line:
    web3 = vault.w3
    erc20 = web3.eth.contract(
        address=Web3.to_checksum_address(token), abi=compiled.get("FaucetToken").abi
    )
    scale = 10 ** (WAD_DECIMALS - int(erc20.functions.decimals().call()))
    balance = int(erc20.functions.balanceOf(vault.address).call()) * scale
    committed = int(vault.functions.committed(token).call()) * scale
    reserves = int(vault.functions.totalReserve(token).call()) * scale
    functions = market.functions
    pool = int(functions.pool(chain.domain, token).call())
    is_quote = functions.quoteToken(chain.domain).call().lower() == token.lower()
    credits = (
        None
        if is_quote
        else sum(int(functions.credit(account, chain.domain, token).call()) for account in accounts)
    )
    inbound, outbound = credits_in_flight, payouts_in_flight
    problems = []
    if balance != committed + reserves:
        problems.append(f"vault balance {balance} != committed {committed} + reserves {reserves}")
    if committed != pool + inbound + outbound:
        problems.append(
            f"committed {committed} != pool {pool} + credits in flight {inbound}"
            f" + payouts in flight {outbound}"
        )
    if credits is not None and pool != credits:
        problems.append(f"pool {pool} != Σ credits {credits}")
    return Line(
        chain=chain.name,
        domain=chain.domain,
        token=Web3.to_checksum_address(token),
        is_quote=is_quote,
        vault_balance=balance,
        reserves=reserves,
        committed=committed,
        pool=pool,
        credits=credits,
        credits_in_flight=inbound,
        payouts_in_flight=outbound,
        problems=tuple(problems),
    )


Side = tuple[Web3, Contract, ChainDeployment]  # a chain, its mailbox, its deployment
InFlight = dict[tuple[int, str], int]  # (collateral domain, lowercase token) -> WAD


def _in_flight(market: Side, vaults: list[Side]) -> tuple[InFlight, InFlight]:
    """CREDITs from each vault not executed on the market, and RELEASEs and SEIZEs to
    each vault not executed there, reading every mailbox's dispatches once."""
    credits: InFlight = {}
    payouts: InFlight = {}
    market_box, market_domain = market[1], market[2].domain
    for side in vaults:
        for _, body in _not_executed(side, {market_domain: market_box}):
            if isinstance(body, Credit):
                key = (side[2].domain, body.token.lower())
                credits[key] = credits.get(key, 0) + body.amount
    boxes = {chain.domain: box for _, box, chain in vaults}
    for destination, body in _not_executed(market, boxes):
        if isinstance(body, Payout):
            key = (destination, body.token.lower())
            payouts[key] = payouts.get(key, 0) + body.amount
    return credits, payouts


def _not_executed(origin: Side, boxes: dict[int, Contract]) -> Iterator[tuple[int, AppMessage]]:
    """(destination, body) of each app message `origin` dispatched to one of `boxes`
    that its destination mailbox has not executed (not delivered, or its handler failed)."""
    web3, box, chain = origin
    last = web3.eth.block_number
    for event in ChainReader(web3).dispatches(box.address, chain.deployed_at_block, last):
        message = event.message
        destination = boxes.get(message.destination)
        if destination is None or _executed(destination, message.id):
            continue
        try:
            body = decode(message.body)
        except AppMessageError:
            continue  # not an app message: moves no collateral
        yield message.destination, body


def _executed(mailbox: Contract, message_id: str) -> bool:
    functions = mailbox.functions
    return bool(functions.delivered(message_id).call()) and not functions.failed(message_id).call()


def _accounts(market: Contract, first_block: int) -> set[str]:
    """Every account the market's events name, with the fee account and the fund."""
    found = {market.functions.feeAccount().call(), market.functions.insuranceFund().call()}
    for name, fields in ACCOUNT_EVENTS.items():
        event = getattr(market.events, name)
        for log in _logs(event, first_block):
            found.update(log["args"][f] for f in fields)
    return {Web3.to_checksum_address(a) for a in found}


def _logs(event: Any, first_block: int) -> Iterable[Any]:
    return event.get_logs(from_block=first_block, to_block="latest")  # type: ignore[no-any-return]


def _contract(web3: Web3, address: str, compiled: Contracts, name: str) -> Contract:
    return web3.eth.contract(address=Web3.to_checksum_address(address), abi=compiled.get(name).abi)
