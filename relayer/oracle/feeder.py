"""`crossflow feed`: signed price reports, the same one on every chain.

Each iteration: take the source's ticks that are due → sign a new round for a
feed whose value moved `deviation_bps` or whose last round is `heartbeat` old
→ bring every chain's copy of every feed up to its newest report. A chain that
is down is skipped and retried; when it answers again it gets the newest report
(not every round it missed), so it catches up in one transaction per feed.
The chains themselves are the only state: a restarted feeder continues after
the highest round any chain holds.

Experiment controls, per chain id: `lag` holds that chain's copy back (it gets
the newest report at least `lag` seconds old), `skew_bps` moves its answers
(signed separately, so the chains disagree by exactly that much).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import BadFunctionCallOutput, ContractLogicError

from relayer.chains.chain import NODE_ERRORS, connect
from relayer.chains.compiler import Contracts
from relayer.chains.manifest import ChainDeployment, Manifest
from relayer.chains.tx import Sender
from relayer.errors import (
    AccountUnfunded,
    ChainIdMismatch,
    ConfigError,
    InvalidManifest,
    NodeUnreachable,
    SignerNotInFeed,
    TooFewSigners,
    TransactionReverted,
)
from relayer.oracle.feeds import FEEDS, FeedSpec
from relayer.oracle.price_sources import Tick
from relayer.oracle.report import PriceReport, sign_report
from relayer.settings import FeedSettings

log = logging.getLogger(__name__)

_HISTORY = 4096  # signed rounds kept per feed, for lagged chains
# A down chain is retried after 1, 2, 4 ... 30 s: one that hangs rather than
# refusing costs the other chains a request timeout per retry, not per iteration.
_RETRY_FIRST_S = 1.0
_RETRY_MAX_S = 30.0
_BPS = 10_000
# Someone (another feeder, or this one before a restart) posted a newer round.
_OVERTAKEN = {"PriceFeedRoundNotIncreasing", "PriceFeedTimeNotIncreasing"}


@dataclass(frozen=True)
class SignedReport:
    report: PriceReport
    signatures: list[bytes]
    signed_at: float  # wall clock, for lag


@dataclass
class _Copy:
    """One feed on one chain."""

    contract: Contract
    pending: tuple[int, float] | None = None  # (round, sent at) of a submit not yet seen
    refused: int = 0  # the newest round this chain refused for good


@dataclass
class _Chain:
    deployment: ChainDeployment
    sender: Sender | None = None  # None until the node first answers
    copies: dict[str, _Copy] = field(default_factory=dict)
    down_since: float | None = None
    failures: int = 0  # in a row, while down
    retry_at: float = 0.0

    def failed(self, now: float, err: Exception) -> None:
        if self.down_since is None:
            log.warning(
                "chain %d unreachable, posting to the others: %s", self.chain_id, str(err)[:200]
            )
            self.down_since = now
        self.retry_at = now + min(_RETRY_MAX_S, _RETRY_FIRST_S * 2**self.failures)
        self.failures += 1
        if self.sender is not None:
            self.sender.resync_nonce()

    def answered(self, now: float) -> None:
        if self.down_since is not None:
            down_for = now - self.down_since
            log.info("chain %d is back after %.1fs, catching up", self.chain_id, down_for)
        self.down_since = None
        self.failures = 0

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id


class _Pacer:
    """Hands out a source's ticks at wall times: the first now, the rest spaced
    as their timestamps are, divided by `speed`."""

    def __init__(self, ticks: Iterator[Tick], speed: float) -> None:
        self._ticks = ticks
        self._speed = speed
        self._next: Tick | None = next(ticks, None)
        self._origin: tuple[float, int] | None = None  # (wall time, tick timestamp)

    @property
    def exhausted(self) -> bool:
        return self._next is None

    def due(self, now: float) -> Tick | None:
        """The newest tick due by `now`, or None if none became due."""
        latest = None
        while self._next is not None:
            if self._origin is None:
                self._origin = (now, self._next.timestamp)
            wall, first = self._origin
            if wall + (self._next.timestamp - first) / self._speed > now:
                break
            latest, self._next = self._next, next(self._ticks, None)
        return latest


class Feeder:
    def __init__(
        self,
        settings: FeedSettings,
        manifest: Manifest,
        contracts: Contracts,
        source: Iterator[Tick],
        *,
        signers: Sequence[LocalAccount],
        poster: LocalAccount,
        feeds: Sequence[FeedSpec] = FEEDS,
        clock: float | None = None,
    ) -> None:
        self.settings = settings
        self.feeds = list(feeds)
        self.signers = sorted(signers, key=lambda signer: int(signer.address, 16))
        # Reports carry exactly the threshold's worth of signatures: extra ones cost
        # ~8k gas each on every chain and must all still be members.
        self._quorum = 0
        self.poster = poster
        self._abi = contracts.get("PriceFeed").abi
        self._pacer = _Pacer(source, settings.speed)
        self._tick: Tick | None = None
        self.history: dict[str, deque[SignedReport]] = {
            spec.name: deque(maxlen=_HISTORY) for spec in self.feeds
        }
        self._skewed: dict[tuple[int, str], SignedReport] = {}  # the last skewed copy
        self.signed_rounds = 0
        self.chains = [_Chain(deployment) for deployment in manifest.chains]
        _check_experiments(settings, manifest)
        now = time.time() if clock is None else clock
        for chain in self.chains:
            self._open(chain, manifest, now)
        if all(chain.sender is None for chain in self.chains):
            first = manifest.chains[0]
            raise NodeUnreachable(first.rpc_url, "no chain of the network answers")
        self._next_round = {spec.name: self._highest_round(spec) + 1 for spec in self.feeds}
        self._manifest = manifest

    def run(self, stop: threading.Event, max_rounds: int | None = None) -> None:
        """Loop until `stop`, or until the source is used up (or `max_rounds` spot
        rounds are signed) and every chain that answers holds the newest reports."""
        while not stop.is_set():
            started = time.monotonic()
            self.tick(time.time())
            finished = self._pacer.exhausted or (
                max_rounds is not None and self.signed_rounds >= max_rounds
            )
            if finished and self.in_sync():
                return
            stop.wait(max(0.0, self.settings.poll_interval - (time.monotonic() - started)))

    def tick(self, now: float) -> None:
        tick = self._pacer.due(now)
        if tick is not None:
            self._tick = tick
        if self._tick is not None:
            for spec in self.feeds:
                self._maybe_sign(spec, self._tick, now)
        for chain in self.chains:
            self._sync(chain, now)

    def in_sync(self) -> bool:
        """Every reachable chain holds every feed's newest report (lag allowing)."""
        now = time.time()
        for chain in self.chains:
            if chain.sender is None or chain.down_since is not None:
                continue
            for spec in self.feeds:
                target = self._target(chain, spec, now)
                copy = chain.copies[spec.name]
                if target is None or copy.refused >= target.report.round_id:
                    continue
                try:
                    if _latest_round(copy) < target.report.round_id:
                        return False
                except NODE_ERRORS:
                    continue  # gone down since; `_sync` notices and catches it up later
        return True

    # Signing.

    def _maybe_sign(self, spec: FeedSpec, tick: Tick, now: float) -> None:
        value = spec.value(tick)
        if value is None:
            return
        answer = spec.to_answer(value)
        updated_at = int(now)
        history = self.history[spec.name]
        if history:
            last = history[-1].report
            if updated_at <= last.updated_at:
                return  # one round per second at most: timestamps must increase
            moved = abs(answer - last.answer) * _BPS >= self.settings.deviation_bps * abs(
                last.answer
            )
            if not moved and updated_at - last.updated_at < self.settings.heartbeat:
                return
        report = PriceReport(spec.id, answer, updated_at, self._next_round[spec.name])
        self._next_round[spec.name] += 1
        history.append(SignedReport(report, self._sign(report), now))
        if spec is self.feeds[0]:
            self.signed_rounds += 1
        log.info(
            "signed %s round %d: %s",
            spec.name,
            report.round_id,
            spec.from_answer(answer),
            extra=_fields(feed=spec.name, round=report.round_id, answer=answer),
        )

    def _target(self, chain: _Chain, spec: FeedSpec, now: float) -> SignedReport | None:
        """The report `chain` should hold now: the newest one old enough for its lag,
        skewed for it if the experiment says so."""
        lag = self.settings.lag.get(chain.chain_id, 0.0)
        target = next(
            (r for r in reversed(self.history[spec.name]) if r.signed_at + lag <= now), None
        )
        skew = self.settings.skew_bps.get(chain.chain_id)
        if target is None or not skew:
            return target
        key = (chain.chain_id, spec.name)
        known = self._skewed.get(key)
        if known is None or known.report.round_id != target.report.round_id:
            original = target.report
            report = PriceReport(
                original.feed_id,
                round(original.answer * (1 + skew / _BPS)),
                original.updated_at,
                original.round_id,
            )
            self._skewed[key] = SignedReport(report, self._sign(report), target.signed_at)
        return self._skewed[key]

    # Posting.

    def _sync(self, chain: _Chain, now: float) -> None:
        if chain.down_since is not None and now < chain.retry_at:
            return
        try:
            if chain.sender is None:
                self._open(chain, self._manifest, now)
            sender = chain.sender
            if sender is None:
                return
            for spec in self.feeds:
                self._post(chain, sender, spec, now)
        except NODE_ERRORS as err:
            chain.failed(now, err)
            return
        chain.answered(now)

    def _post(self, chain: _Chain, sender: Sender, spec: FeedSpec, now: float) -> None:
        target = self._target(chain, spec, now)
        if target is None:
            return
        copy = chain.copies[spec.name]
        round_id = target.report.round_id
        if _latest_round(copy) >= round_id or copy.refused >= round_id:
            copy.pending = None
            return
        if copy.pending and copy.pending[0] == round_id:
            if now - copy.pending[1] < self.settings.resend_after:
                return
            sender.resync_nonce()  # the first submit was lost: reuse its nonce
        call = copy.contract.functions.submit(target.report.as_tuple(), target.signatures)
        try:
            gas = sender.estimate(call)
        except TransactionReverted as err:
            self._refused(chain, spec, copy, round_id, err.reason)
            return
        tx_hash = sender.send(call, gas)
        copy.pending = (round_id, now)
        log.info(
            "posted %s round %d to chain %d",
            spec.name,
            round_id,
            chain.chain_id,
            extra=_fields(
                feed=spec.name, round=round_id, chain=chain.chain_id, tx=tx_hash.to_0x_hex()
            ),
        )

    def _refused(
        self, chain: _Chain, spec: FeedSpec, copy: _Copy, round_id: int, reason: str
    ) -> None:
        if reason in _OVERTAKEN:
            # Continue above whatever the chain holds; this round is moot there.
            self._next_round[spec.name] = max(self._next_round[spec.name], _latest_round(copy) + 1)
            copy.refused = round_id
            return
        if reason == "PriceFeedFutureReport":
            return  # the chain's clock is behind ours; it passes the report soon
        copy.refused = round_id
        log.error(
            "chain %d refused %s round %d: %s",
            chain.chain_id,
            spec.name,
            round_id,
            reason,
            extra=_fields(feed=spec.name, round=round_id, chain=chain.chain_id),
        )

    # Connecting and checking.

    def _open(self, chain: _Chain, manifest: Manifest, now: float) -> None:
        """Connect to `chain` and check, before anything is posted, that our keys
        may sign every feed there and the poster can pay. A chain that does not
        answer is left for later; one that answers wrongly stops the feeder."""
        deployment = chain.deployment
        try:
            web3 = connect(deployment.rpc_url, deployment.chain_id)
            copies = {
                spec.name: _Copy(self._feed(web3, manifest, deployment, spec))
                for spec in self.feeds
            }
            for spec in self.feeds:
                self._check_signers(copies[spec.name].contract, spec, deployment.chain_id)
            if web3.eth.get_balance(self.poster.address) == 0:
                raise AccountUnfunded(self.poster.address, deployment.chain_id)
        except ChainIdMismatch:
            raise
        except NODE_ERRORS as err:
            chain.failed(now, err)
            return
        chain.copies = copies
        chain.sender = Sender(web3, self.poster, deployment.chain_id)

    def _feed(
        self, web3: Web3, manifest: Manifest, deployment: ChainDeployment, spec: FeedSpec
    ) -> Contract:
        address = Web3.to_checksum_address(manifest.address(deployment, spec.manifest_key))
        feed = web3.eth.contract(address=address, abi=self._abi)
        try:
            ours = bytes(feed.functions.feedId().call()) == spec.id
        except (ContractLogicError, BadFunctionCallOutput):
            ours = False  # no code there, or a contract without feedId()
        if not ours:
            raise InvalidManifest(
                f"network {manifest.network}",
                f"{address} on {deployment.name} is not the {spec.name} PriceFeed",
            )
        return feed

    def _check_signers(self, feed: Contract, spec: FeedSpec, chain_id: int) -> None:
        members = {Web3.to_checksum_address(m) for m in feed.functions.signers().call()}
        for signer in self.signers:
            if signer.address not in members:
                raise SignerNotInFeed(signer.address, spec.name, chain_id)
        threshold = int(feed.functions.threshold().call())
        if len(self.signers) < threshold:
            raise TooFewSigners(len(self.signers), spec.name, chain_id, threshold)
        self._quorum = max(self._quorum, threshold)

    def _sign(self, report: PriceReport) -> list[bytes]:
        return sign_report(report, self.signers[: self._quorum])

    def _highest_round(self, spec: FeedSpec) -> int:
        return max(
            (_latest_round(c.copies[spec.name]) for c in self.chains if c.sender is not None),
            default=0,
        )


def _fields(**fields: object) -> dict[str, object]:
    """Structured context for a JSON log line."""
    return {"fields": fields}


def _latest_round(copy: _Copy) -> int:
    return int(copy.contract.functions.latestRound().call())


def _check_experiments(settings: FeedSettings, manifest: Manifest) -> None:
    known = {chain.chain_id for chain in manifest.chains}
    for name, per_chain in (("lag", settings.lag), ("skew_bps", settings.skew_bps)):
        unknown = sorted(set(per_chain) - known)
        if unknown:
            raise ConfigError(
                f"feed.{name} names chain {unknown[0]}, which network {manifest.network} lacks",
                f"use one of the chain ids {sorted(known)}",
            )
