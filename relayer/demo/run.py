"""One demo run: fresh chains, everything deployed, the agents started as
processes, the story played and watched, conservation checked, and the timeline,
chart and report written into the run's folder. Chains and agents are stopped at
the end, or on any failure, unless the user asked to keep them running."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from relayer.chains import devnet
from relayer.chains.chain import connect
from relayer.chains.compiler import Contracts, load_contracts
from relayer.chains.manifest import Manifest, manifest_path
from relayer.chains.toolchain import foundry_tool
from relayer.collateral.tokens import token_symbols
from relayer.conservation.check import Report as Conservation
from relayer.conservation.check import check_conservation
from relayer.demo.agents import AGENTS_FILE, Agents
from relayer.demo.chart import draw_chart
from relayer.demo.errors import DemoNeedsFreshChains, DemoNeedsTwoChains
from relayer.demo.outcome import Latency, Outcome, latencies, outcomes
from relayer.demo.parties import World
from relayer.demo.recorder import Recorder, Sample, Watched
from relayer.demo.report import write_report
from relayer.demo.scenario import CRASH_PRICE, Cast, Story
from relayer.demo.timeline import Timeline, read_timeline
from relayer.deploy.collateral import MARKET_KEY
from relayer.deploy.everything import deploy_everything
from relayer.oracle.feeds import ETH_IV, ETH_USD
from relayer.settings import DevnetSettings, Settings
from relayer.testbed.net import Chain, targets

NETWORK = "local"
KEEPER_POLL_S = "0.5"


class Progress(Protocol):
    def step(self, title: str) -> None: ...
    def say(self, text: str) -> None: ...


@dataclass
class DemoRun:
    """What a finished run holds; the CLI prints it, the tests check it."""

    out_dir: Path
    manifest: Manifest
    chains: list[Chain]
    parties: dict[str, str]  # name -> address
    steps: list[tuple[str, float]] = field(default_factory=list)  # title, seconds
    timeline: Timeline = field(default_factory=lambda: Timeline([], []))
    samples: list[Sample] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    latencies: list[Latency] = field(default_factory=list)
    conservation: Conservation | None = None
    chart: Path | None = None
    report: Path | None = None
    started: float = field(default_factory=time.time)
    seconds: float = 0.0
    agents_file: Path | None = None
    recorder_missed: list[str] = field(default_factory=list)  # reads that failed, bounded


def run_demo(
    settings: Settings,
    devnet_settings: DevnetSettings,
    *,
    out_dir: Path,
    keep_running: bool,
    progress: Progress,
    config: Path | None = None,
) -> DemoRun:
    if devnet_settings.chains < 2:  # noqa: PLR2004 - a collateral chain and the market
        raise DemoNeedsTwoChains(devnet_settings.chains)
    state_file = devnet_settings.state_dir / devnet.STATE_FILE
    if any(c.up for c in devnet.status(devnet_settings)):
        raise DemoNeedsFreshChains(state_file)
    clock = _Clock(progress)
    clock.step(f"starting {devnet_settings.chains} chains")
    devnet.up(devnet_settings, foundry_tool("anvil", settings.toolchain))
    agents = Agents(
        devnet_settings.state_dir,
        _agent_env(devnet_settings),
        ["--config", str(config)] if config else [],
        detach=keep_running,
    )
    try:
        run = _play(settings, devnet_settings, agents, out_dir, clock)
    except BaseException:
        _leave(agents, devnet_settings, keep_running=keep_running)
        raise
    if keep_running:
        # Prices keep coming for whoever explores: a GBM from where the story ended.
        agents.stop("feed")
        agents.start("feed", "--source", "gbm", CROSSFLOW_FEED__PRICE=str(CRASH_PRICE))
    _leave(agents, devnet_settings, keep_running=keep_running)
    run.agents_file = devnet_settings.state_dir / AGENTS_FILE if keep_running else None
    return run


def _leave(agents: Agents, devnet_settings: DevnetSettings, *, keep_running: bool) -> None:
    """Hands the agents and chains over to `crossflow devnet down`, or stops them."""
    if keep_running:
        agents.record(devnet_settings.state_dir)
    else:
        agents.stop_all()
        devnet.down(devnet_settings)


def _play(
    settings: Settings,
    devnet_settings: DevnetSettings,
    agents: Agents,
    out_dir: Path,
    clock: _Clock,
) -> DemoRun:
    nodes = devnet.read_state(devnet_settings.state_dir / devnet.STATE_FILE)
    chains = [Chain(n, connect(n.rpc_url, n.spec.chain_id)) for n in nodes]
    clock.step("deploying vaults, market, mailboxes and feeds")
    compiled = load_contracts()
    manifest = deploy_everything(
        targets(chains),
        network=NETWORK,
        manifest_dir=settings.manifest_dir,
        settings=settings,
        contracts=compiled,
    )
    clock.say(f"manifest: {manifest_path(settings.manifest_dir, NETWORK)}")
    cast = Cast.local()
    market_chain = next(c for c in chains if c.node.spec.role == "market")
    collateral = [c for c in chains if c is not market_chain]
    worlds = [World.of(manifest, collateral[0], market_chain, cast.owner, compiled)]
    worlds += [worlds[0].on(chain) for chain in collateral[1:]]
    names = cast.names()
    parties = {name: address for address, name in names.items() if name != "the owner"}
    run = DemoRun(out_dir, manifest, chains, parties)
    recorder = _recorder(manifest, compiled, parties, worlds)
    clock.step("starting the relayer, the feeder and the keeper")
    agents.start("relay")
    recorder.start()
    story = Story(worlds, cast, agents, clock.say)
    try:
        story.prices()
        # After the first prices: a keeper that saw the feeds empty would see them
        # recover, and hold liquidations for the grace period after that.
        agents.start("keep")
        clock.step("1. deposits, listings and trades")
        series = story.deposit_and_trade()
        clock.step("2. the crash, through the shared oracle")
        story.crash()
        clock.step("3. Alice's margin call crosses and her reserve tops her up")
        story.margin_call_answered()
        clock.step("4. Bob is liquidated; his WETH is seized on the collateral chain")
        story.liquidation()
        clock.step("5. expiry: settlement, and everyone withdraws")
        story.settle_and_pay_out(series)
        clock.step("checking conservation")
        run.conservation = check_conservation(manifest, compiled)
    finally:
        recorder.stop()
    clock.step("writing the timeline, chart and report")
    run.samples = recorder.samples
    run.recorder_missed = recorder.failures
    run.timeline = read_timeline(manifest, compiled, recorder, names)
    run.outcomes = outcomes(run.timeline, parties, token_symbols(manifest))
    run.latencies = latencies(run.timeline.trips)
    run.started = clock.started
    run.chart = draw_chart(
        out_dir / "chart.png",
        samples=run.samples,
        events=run.timeline.events,
        trips=run.timeline.trips,
        parties=parties,
        start=clock.started,
    )
    run.steps = clock.finish()
    run.seconds = time.time() - clock.started
    run.report = write_report(
        out_dir / "report.json",
        summary=_summary(run),
        outcomes=run.outcomes,
        timeline=run.timeline,
        latencies=run.latencies,
        samples=run.samples,
        conservation=run.conservation,
        start=clock.started,
    )
    return run


def _agent_env(devnet_settings: DevnetSettings) -> dict[str, str]:
    """The user's environment, pointed at this devnet's manifest and state files,
    with the keeper polling often enough for a story told in a minute."""
    state = devnet_settings.state_dir
    return {
        **os.environ,
        "CROSSFLOW_NETWORK": NETWORK,
        "CROSSFLOW_RELAY__STORE": str(state / "relay.sqlite"),
        "CROSSFLOW_KEEPER__STATE_FILE": str(state / "keeper.sqlite"),
        "CROSSFLOW_KEEPER__POLL_INTERVAL": KEEPER_POLL_S,
    }


def _recorder(
    manifest: Manifest, compiled: Contracts, parties: dict[str, str], worlds: list[World]
) -> Recorder:
    market = manifest.market_chain()
    return Recorder(
        chains=[Watched(c.chain_id, c.rpc_url) for c in manifest.chains],
        market_chain_id=market.chain_id,
        market_address=market.contracts[MARKET_KEY],
        market_abi=compiled.get("IOptionsMarket").abi,
        spot_feed=(market.contracts[ETH_USD.manifest_key], compiled.get("PriceFeed").abi),
        vol_feed=(market.contracts[ETH_IV.manifest_key], compiled.get("PriceFeed").abi),
        parties=parties,
        credit_keys=[(w.domain, token) for w in worlds for token in (w.usd, w.weth)],
    )


def _summary(run: DemoRun) -> dict[str, object]:
    return {
        "started_at": run.started,
        "seconds": round(run.seconds, 2),
        "steps": [{"title": title, "seconds": round(s, 2)} for title, s in run.steps],
        "chains": [
            {
                "name": c.node.spec.name,
                "role": c.node.spec.role,
                "chain_id": c.node.spec.chain_id,
                "rpc_url": c.node.rpc_url,
            }
            for c in run.chains
        ],
        "parties": run.parties,
        "chart": run.chart.name if run.chart else None,
        "recorder_missed": run.recorder_missed,
    }


class _Clock:
    """Times each step and passes it on to the progress display."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.started = time.time()
        self._steps: list[tuple[str, float]] = []
        self._current: tuple[str, float] | None = None

    def step(self, title: str) -> None:
        self._close()
        self._current = (title, time.monotonic())
        self.progress.step(title)

    def say(self, text: str) -> None:
        self.progress.say(text)

    def finish(self) -> list[tuple[str, float]]:
        self._close()
        return list(self._steps)

    def _close(self) -> None:
        if self._current is not None:
            title, began = self._current
            self._steps.append((title, time.monotonic() - began))
            self._current = None
