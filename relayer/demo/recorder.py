"""What the demo watches while the story plays, in a background thread:

- every chain's new blocks, each with the wall time it was first seen, so the
  timeline has one clock across chains (block timestamps are whole seconds) and a
  message's latency is the time between its dispatch and its delivery blocks;
- the parties' margin at every market block, as the market computes it (E, MM,
  IM and health), and the share of IM that is the latency buffer (IM less IM at τ = 0,
  from the Python risk model on the same holdings, prices and block).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError, Web3Exception

from relayer.chains.chain import connect
from relayer.errors import CrossflowError, RiskError
from relayer.keeper.store import CreditKey
from relayer.keeper.valuation import Snapshot, Valuer, read_holdings, read_params
from relayer.market.client import MarketClient
from relayer.risk.model import Market
from relayer.settings import RiskSettings

WATCH_INTERVAL_S = 0.02
SAMPLE_INTERVAL_S = 0.5


@dataclass(frozen=True)
class SeenBlock:
    chain_id: int
    number: int
    timestamp: int  # the block's own, whole seconds
    seen_at: float  # wall clock, when the watcher first saw it


@dataclass(frozen=True)
class Margin:
    equity: float
    mm: float
    im: float
    health: str
    buffer_share: float | None  # of IM; None when the model had no answer


@dataclass(frozen=True)
class Sample:
    at: float  # wall clock
    block: int  # on the market chain: the margin numbers are the chain's at this block
    spot: float
    margins: dict[str, Margin]  # by party name


@dataclass(frozen=True)
class Watched:
    """A chain as the recorder reads it: its own connection, not the story's."""

    chain_id: int
    rpc_url: str


@dataclass(frozen=True)
class _Sources:
    """What every market sample reads through, and what stays fixed meanwhile."""

    market: Contract
    feeds: list[Contract]
    decimals: list[int]
    risk: RiskSettings


@dataclass
class Recorder:
    chains: list[Watched]
    market_chain_id: int
    market_address: str
    market_abi: list[dict[str, object]]
    spot_feed: tuple[str, list[dict[str, object]]]  # address, abi
    vol_feed: tuple[str, list[dict[str, object]]]
    parties: dict[str, str]  # name -> address
    credit_keys: list[tuple[int, str]]  # (domain, token) every party may hold
    blocks: dict[tuple[int, int], SeenBlock] = field(default_factory=dict)
    heads: dict[int, int] = field(default_factory=dict)  # chain id -> newest block seen
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _stop_sampling: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for loop in (self._watch_loop, self._sample_loop):
            thread = threading.Thread(target=loop, name=f"demo{loop.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stops after one last look at every chain, then values the blocks it found."""
        watcher, sampler = self._threads
        self._stop.set()
        watcher.join()
        self._stop_sampling.set()
        sampler.join()

    def seen_at(self, chain_id: int, number: int) -> float | None:
        block = self.blocks.get((chain_id, number))
        return block.seen_at if block else None

    def _watch_loop(self) -> None:
        webs = {c.chain_id: connect(c.rpc_url, c.chain_id) for c in self.chains}
        heads = {chain_id: -1 for chain_id in webs}
        looked = {chain_id: time.time() for chain_id in webs}
        while True:
            stopping = self._stop.is_set()
            for chain_id, web3 in webs.items():
                heads[chain_id], looked[chain_id] = self._watch(
                    chain_id, web3, heads[chain_id], looked[chain_id]
                )
            if stopping:
                return
            self._stop.wait(WATCH_INTERVAL_S)

    def _watch(self, chain_id: int, web3: Web3, last: int, looked: float) -> tuple[int, float]:
        """New blocks since `last`; each was mined between the previous look and this
        one, so it is stamped with their midpoint (an error of at most half an interval)."""
        try:
            head = int(web3.eth.block_number)
            now = time.time()
            for number in range(last + 1, head + 1):
                block = web3.eth.get_block(number)
                seen = (looked + now) / 2 if last >= 0 else now
                self.blocks[(chain_id, number)] = SeenBlock(
                    chain_id, number, int(block["timestamp"]), seen
                )
        except (CrossflowError, OSError, Web3Exception) as err:
            self._fail(f"chain {chain_id}: {err}")
            return last, looked
        self.heads[chain_id] = head  # after its blocks: a reader finds each one recorded
        return head, now

    def _sample_loop(self) -> None:
        """Every market block the watcher has seen, valued as of that block: the chart
        misses no state, however briefly it lasted (a margin call answered in 0.2 s)."""
        web3 = connect(next(c.rpc_url for c in self.chains if c.chain_id == self.market_chain_id))
        market = _contract(web3, self.market_address, self.market_abi)
        feeds = [_contract(web3, *feed) for feed in (self.spot_feed, self.vol_feed)]
        # Read once: decimals never change, and the owner does not touch the risk
        # parameters while the story plays.
        sources = _Sources(
            market,
            feeds,
            [int(feed.functions.decimals().call()) for feed in feeds],
            read_params(market).risk,
        )
        last = int(web3.eth.block_number)
        while True:
            stopping = self._stop_sampling.is_set()
            for number in range(last + 1, self.heads.get(self.market_chain_id, last) + 1):
                self._sample(sources, self.blocks[(self.market_chain_id, number)])
                last = number
            if stopping:
                return
            self._stop_sampling.wait(SAMPLE_INTERVAL_S)

    def _sample(self, sources: _Sources, block: SeenBlock) -> None:
        try:
            spot, vol = (
                _answer(feed, decimals, block.number)
                for feed, decimals in zip(sources.feeds, sources.decimals, strict=True)
            )
            prices = Market(spot, vol, block.timestamp)
            margins = self._margins(sources, prices, block.number)
        except Exception as err:  # any: the story goes on, and the report lists the gap
            self._fail(f"margin sample at block {block.number}: {err!r}")
            return
        self.samples.append(Sample(block.seen_at, block.number, spot, margins))

    def _margins(self, sources: _Sources, prices: Market, block: int) -> dict[str, Margin]:
        market = sources.market
        series = {s.id: s for s in MarketClient(market, at_block=block).all_series()}
        valuer = Valuer(market, series, block)
        snapshots: list[Snapshot] = []
        for address in self.parties.values():
            snapshot = read_holdings(market, address, series, block)
            keys = [CreditKey(address, domain, token) for domain, token in self.credit_keys]
            valuer.read(snapshot, keys)
            snapshots.append(snapshot)
        shares = _buffer_shares(valuer, snapshots, prices, sources.risk)
        margins = {}
        for name, snapshot, share in zip(self.parties, snapshots, shares, strict=True):
            numbers = snapshot.chain
            if numbers is None:
                continue
            margins[name] = Margin(numbers.equity, numbers.mm, numbers.im, numbers.health, share)
        return margins

    def _fail(self, what: str) -> None:
        # The story goes on without a sample; the report lists what was missed.
        if len(self.failures) < 100:  # noqa: PLR2004 - enough to diagnose, bounded
            self.failures.append(what)


def _buffer_shares(
    valuer: Valuer, snapshots: list[Snapshot], prices: Market, risk: RiskSettings
) -> list[float | None]:
    """(IM - IM at τ = 0) / IM per snapshot, by the model at the market's parameters."""
    at_zero = [replace(s, latency=0, model=None) for s in snapshots]
    try:
        valuer.model(snapshots, prices, risk)
        valuer.model(at_zero, prices, risk)
    except RiskError:
        return [None] * len(snapshots)
    shares: list[float | None] = []
    for with_tau, without in zip(snapshots, at_zero, strict=True):
        im, im0 = (s.model.im if s.model else 0.0 for s in (with_tau, without))
        shares.append((im - im0) / im if im > 0 else None)
    return shares


def _contract(web3: Web3, address: str, abi: list[dict[str, object]]) -> Contract:
    return web3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)


def _answer(feed: Contract, decimals: int, block: int) -> float:
    try:
        answer = int(feed.functions.latestRoundData().call(block_identifier=block)[1])
    except (ContractLogicError, ContractCustomError):  # no round yet
        return 0.0
    return float(answer / 10**decimals)
