"""The keeper of the options market (DESIGN §8): one small fixed loop, each poll

    follow the market's events → poke the feeds if their freshness changed →
    settle expired series and their positions → value every account twice
    (chain and Python model) → liquidate the largest shortfalls that fit the gas
    budget → open and close margin calls → cancel orders nobody covers

Knobs are `KeeperSettings`: poll interval, gas budget, liquidation fraction,
confirmations, block range and settlement batch.

`pokeFeeds` is sent when the feeds' freshness differs from what the keeper last
poked (its first poll included): the market's record of a stale period only
changes when a feed turns stale or fresh again, so more pokes would pay gas for
nothing, and the liquidation grace starts from the poke that sees the recovery.

Crash safety: every action is decided from chain state read in the same poll (a
margin call already open is not sent again, a settled series is not settled
again, a liquidation's gas estimate re-checks health on chain), and the event
checkpoint moves in one SQLite transaction with what was found below it. The
transactions sent are recorded in the state file so a restart shows them.

Vault handlers that failed on the rate limit are rerun by the relay service
(`relay.handler_retries_per_round`), not here: it holds the delivered messages.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError

from relayer.chains.chain import NODE_ERRORS
from relayer.chains.tx import Sender
from relayer.errors import DeliveryError, RiskError, TransactionReverted
from relayer.keeper.follower import MarketFollower
from relayer.keeper.metrics import KeeperMetrics
from relayer.keeper.store import Action, KeeperStore
from relayer.keeper.valuation import Params, Snapshot, Valuer, read_holdings, read_params
from relayer.market.client import HEALTH, Series, settlement_round
from relayer.market.ledger import LedgerClient
from relayer.market.units import to_wad
from relayer.risk.model import Market
from relayer.settings import KeeperSettings, RiskSettings

log = logging.getLogger(__name__)
UNHEALTHY = ("liquidatable", "insolvent")
COLLATERAL_FIX = (
    "the keeper's account must cover IM after taking positions over: deposit collateral "
    "for it (`crossflow deposit` with CROSSFLOW_COLLATERAL__USER_KEY set to the keeper key)"
)


@dataclass(frozen=True)
class Feeds:
    """The market's spot and implied-vol feeds (the market has no view of them)."""

    spot: Contract
    vol: Contract


@dataclass
class PollReport:
    block: int
    time: int
    accounts: int
    fresh: bool
    actions: list[Action] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)  # addresses
    snapshots: list[Snapshot] = field(default_factory=list)


class Keeper:
    def __init__(
        self,
        settings: KeeperSettings,
        client: LedgerClient,
        feeds: Feeds,
        store: KeeperStore,
        *,
        metrics: KeeperMetrics | None = None,
        start_block: int = 0,
        risk: RiskSettings | None = None,
    ) -> None:
        """`risk` replaces the market's own parameters in the Python model only (to
        study a disagreement); the chain's verdict is acted on either way."""
        if client.sender is None:
            raise DeliveryError("the keeper needs a key to act", "set CROSSFLOW_KEEPER__KEY")
        self.settings = settings
        self.client = client
        self.sender: Sender = client.sender
        self.market = client.market
        self.web3 = self.sender.web3
        self.feeds = feeds
        self.store = store
        self.metrics = metrics or KeeperMetrics()
        self.risk = risk
        store.bind(self.market.address)
        self.follower = MarketFollower(
            self.web3,
            self.market,
            store,
            start_block=start_block,
            confirmations=settings.confirmations,
            max_block_range=settings.max_block_range,
        )
        self._decimals = {
            name: int(feed.functions.decimals().call())
            for name, feed in (("spot", feeds.spot), ("vol", feeds.vol))
        }
        self._warned: set[str] = set()
        self._report = PollReport(0, 0, 0, fresh=False)

    @property
    def address(self) -> str:
        return self.sender.address

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set; the poll in hand always completes. A node that
        is down is waited for."""
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.poll()
            except NODE_ERRORS as err:
                log.warning("market chain unreachable: %s", str(err)[:200])
            except TransactionReverted as err:  # a read the chain refused: next poll retries
                log.warning("poll cut short: %s", err)
            stop.wait(max(0.0, self.settings.poll_interval - (time.monotonic() - started)))

    def poll(self) -> PollReport:
        followed = self.follower.follow()
        self.metrics.head_lag.set(followed.lag_blocks)
        latest = self.web3.eth.get_block("latest")
        now, block = int(latest["timestamp"]), int(latest["number"])
        accounts = self.store.accounts()
        params = read_params(self.market)
        fresh, market = self._feeds(params, now, block)
        self._report = report = PollReport(block, now, len(accounts), fresh)
        self._poke(fresh)
        series = {s.id: s for s in self.client.all_series()}
        holdings = [read_holdings(self.market, a, series) for a in accounts]
        if self._settle(series, holdings, now):
            series = {s.id: s for s in self.client.all_series()}
            holdings = [read_holdings(self.market, a, series) for a in accounts]
            # Value after the settlement, at one block again.
            latest = self.web3.eth.get_block("latest")
            now, block = int(latest["timestamp"]), int(latest["number"])
            fresh, market = self._feeds(params, now, block)
        if fresh:
            report.snapshots = self._value(holdings, series, market, params, block)
            self._liquidate(report.snapshots)
            self._margin_calls(report.snapshots, now)
            self._cancel_uncovered(report.snapshots)
        else:
            log.warning("feeds stale: no account valued, liquidations wait for fresh prices")
        self._observe(report)
        return report

    # feeds

    def _feeds(self, params: Params, now: int, block: int) -> tuple[bool, Market]:
        """Whether both feeds are fresh at `now` as the market judges it, and the prices,
        as of `block`."""
        values, fresh = {}, True
        for name, feed, max_age in (
            ("spot", self.feeds.spot, params.spot_max_age),
            ("vol", self.feeds.vol, params.vol_max_age),
        ):
            try:
                latest = feed.functions.latestRoundData().call(block_identifier=block)
            except (ContractLogicError, ContractCustomError):
                latest = (0, 0, 0, 0, 0)  # no round yet
            round_id, answer, _, updated_at, answered_in = latest
            values[name] = answer / 10 ** self._decimals[name]
            fresh = fresh and (
                updated_at != 0
                and answered_in >= round_id
                and answer > 0
                and (updated_at >= now or now - updated_at <= max_age)
            )
        return fresh, Market(values["spot"], values["vol"], now)

    def _poke(self, fresh: bool) -> None:
        if self.store.poked_fresh() == fresh:
            return
        detail = "feeds fresh" if fresh else "feeds stale"
        if self._act("pokeFeeds", "feeds", self.client.poke_feeds, detail):
            self.store.set_poked_fresh(fresh)

    # settlement

    def _settle(self, series: dict[int, Series], holdings: list[Snapshot], now: int) -> bool:
        """Settles expired series, then every known position in a settled one; whether
        anything was sent."""
        sent = False
        for s in series.values():
            if s.settled or s.expiry > now:
                continue
            round_id = settlement_round(self.feeds.spot, s.expiry)
            if round_id == 0:
                log.info("series %d expired; waiting for a spot round at or after expiry", s.id)
                continue
            settle = partial(self.client.settle_series, s.id, round_id)
            if self._act("settleSeries", f"series {s.id}", settle, f"round {round_id}"):
                series[s.id] = self.client.series(s.id)
                sent = True
        holders: dict[int, list[str]] = defaultdict(list)
        for snapshot in holdings:
            for series_id in snapshot.lots:
                if series[series_id].settled:
                    holders[series_id].append(snapshot.address)
        batch = self.settings.settle_batch
        for series_id, accounts in sorted(holders.items()):
            for start in range(0, len(accounts), batch):
                chunk = accounts[start : start + batch]
                settle = partial(self.client.settle_positions, series_id, chunk)
                detail = f"{len(chunk)} account(s)"
                sent |= self._act("settlePositions", f"series {series_id}", settle, detail)
        return sent

    # valuation

    def _value(
        self,
        holdings: list[Snapshot],
        series: dict[int, Series],
        market: Market,
        params: Params,
        block: int,
    ) -> list[Snapshot]:
        keys = defaultdict(list)
        for key in self.store.credit_keys():
            keys[key.account].append(key)
        valuer = Valuer(self.market, series, block)
        valued = []
        for snapshot in holdings:
            try:
                valuer.read(snapshot, keys[snapshot.address])
            except TransactionReverted as err:
                log.warning("%s not valued this poll: %s", snapshot.address, err.reason)
                continue
            valued.append(snapshot)
        holdings = valued
        try:
            valuer.model(holdings, market, self.risk or params.risk)
        except RiskError as err:
            log.warning("the Python model has no answer this poll: %s", err)
            return holdings
        for snapshot in holdings:
            if snapshot.model and snapshot.chain and snapshot.model.health != snapshot.chain.health:
                self._report.disagreements.append(snapshot.address)
                self.metrics.disagreements.inc()
                log.warning(
                    "model and chain disagree on %s: chain %s, model %s",
                    snapshot.address,
                    snapshot.chain,
                    snapshot.model,
                    extra={"fields": _disagreement(snapshot)},
                )
        return holdings

    # actions

    def _liquidate(self, snapshots: list[Snapshot]) -> None:
        """Largest shortfall (MM - E) first, each estimated, until the budget is spent."""
        unhealthy = [
            s
            for s in snapshots
            if s.chain and s.chain.health in UNHEALTHY and s.address != self.address
        ]
        unhealthy.sort(key=lambda s: s.shortfall, reverse=True)
        fraction, spent = Decimal(self.settings.liquidation_fraction), 0
        for rank, snapshot in enumerate(unhealthy):
            address = snapshot.address
            recipients = {domain: self.address for domain in self.client.domains_of(address)}
            fn = self.market.functions.liquidate(
                address, to_wad(fraction), list(recipients.items())
            )
            try:
                gas = self.sender.estimate(fn)
            except TransactionReverted as err:
                if err.reason == "MarketLiquidationsPaused":
                    log.warning(
                        "liquidations paused (a feed recovered within the grace period):"
                        " %d account(s) wait",
                        len(unhealthy) - rank,
                    )
                    break
                if err.reason == "MarketInsufficientMargin":
                    self._warn_once("collateral", "keeper %s cannot liquidate %s: %s", address)
                else:
                    log.info("not liquidating %s: %s", address, err.reason)
                continue
            if spent + gas > self.settings.gas_budget:
                log.info(
                    "gas budget of %d reached: %d liquidation(s) left for the next poll",
                    self.settings.gas_budget,
                    len(unhealthy) - rank,
                )
                break
            take = partial(self._take, address, fraction, recipients, gas)
            detail = f"fraction {fraction}, shortfall {snapshot.shortfall:,.4f}, gas {gas}"
            if self._act("liquidate", address, take, detail):
                spent += gas
                snapshot.orders = 0  # a liquidation cancels them
        self.metrics.liquidation_gas.set(spent)

    def _margin_calls(self, snapshots: list[Snapshot], now: int) -> None:
        for snapshot in snapshots:
            if snapshot.chain is None or snapshot.chain.health not in ("healthy", "margin call"):
                continue
            address = snapshot.address
            open_call = self.client.margin_call_of(address)
            if snapshot.chain.health == "margin call" and (
                open_call is None or now > open_call.deadline
            ):
                deficit = snapshot.chain.im - snapshot.chain.equity
                fn = self.market.functions.marginCall(address)
                self._act("marginCall", address, partial(self._send, fn), f"deficit {deficit:,.4f}")
            elif snapshot.chain.health == "healthy" and open_call is not None:
                close = partial(self.client.close_margin_call, address)
                self._act("closeMarginCall", address, close, f"call {open_call.call_id}")

    def _cancel_uncovered(self, snapshots: list[Snapshot]) -> None:
        for snapshot in snapshots:
            if snapshot.covers_orders or snapshot.orders == 0:
                continue
            fn = self.market.functions.cancelOrdersOf(snapshot.address)
            margin = snapshot.open_order_margin
            detail = f"{snapshot.orders} order(s), open-order margin {margin:,.4f}"
            self._act("cancelOrdersOf", snapshot.address, partial(self._send, fn), detail)

    def _take(self, account: str, fraction: Decimal, recipients: dict[int, str], gas: int) -> str:
        return self.client.liquidate(account, fraction, recipients, gas=gas).tx_hash

    def _send(self, fn: ContractFunction) -> str:
        receipt = self.sender.transact(fn, fn.fn_name)
        return str(receipt["transactionHash"].to_0x_hex())

    def _act(self, kind: str, target: str, send: Callable[[], str], detail: str = "") -> bool:
        """Sends one transaction; a revert is logged and counted, never raised."""
        try:
            tx_hash = send()
        except TransactionReverted as err:
            self.metrics.actions.labels(kind, "reverted").inc()
            log.warning("%s %s reverted: %s", kind, target, err.reason)
            return False
        action = Action(time.time(), self._report.block, kind, target, tx_hash, detail)
        self.store.record_action(action)
        self._report.actions.append(action)
        self.metrics.actions.labels(kind, "mined").inc()
        fields = {"action": kind, "target": target, "tx": tx_hash, "detail": detail}
        log.info("%s %s in %s (%s)", kind, target, tx_hash, detail, extra={"fields": fields})
        if kind == "liquidate":
            self._warned.discard("collateral")
        return True

    def _warn_once(self, what: str, message: str, target: str) -> None:
        if what in self._warned:
            log.info(message, self.address, target, "see the earlier warning")
            return
        self._warned.add(what)
        log.warning(message, self.address, target, COLLATERAL_FIX)

    def _observe(self, report: PollReport) -> None:
        by_health = dict.fromkeys(HEALTH, 0)
        for snapshot in report.snapshots:
            if snapshot.chain:
                by_health[snapshot.chain.health] += 1
        for health, count in by_health.items():
            self.metrics.accounts.labels(health).set(count)
        self.metrics.poll_done()
        fields = {
            "block": report.block,
            "accounts": report.accounts,
            "fresh": report.fresh,
            "actions": [f"{a.kind} {a.target}" for a in report.actions],
            "disagreements": len(report.disagreements),
        } | {h.replace(" ", "_"): n for h, n in by_health.items()}
        log.info(
            "poll at block %d: %d account(s), %d action(s)",
            report.block,
            report.accounts,
            len(report.actions),
            extra={"fields": fields},
        )


def _disagreement(snapshot: Snapshot) -> dict[str, object]:
    fields: dict[str, object] = {"account": snapshot.address}
    for side, numbers in (("chain", snapshot.chain), ("model", snapshot.model)):
        if numbers is not None:
            fields |= {
                f"{side}_health": numbers.health,
                f"{side}_equity": numbers.equity,
                f"{side}_mm": numbers.mm,
                f"{side}_im": numbers.im,
            }
    return fields
