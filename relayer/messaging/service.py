"""`crossflow relay`: the indexer, the validators and the relayer in one loop.

Each iteration: index new `Dispatch` logs on every origin (orphaning what a
reorg removed) → validators sign what is final → the relayer delivers what has
a quorum → it reruns failed handlers whose simulated retry now passes
(`relayer.messaging.handler_retry`). State lives in the SQLite store, so a
restart resumes where it was.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from eth_account.signers.local import LocalAccount
from web3 import Web3

from relayer.chains import devkeys
from relayer.chains.chain import NODE_ERRORS, connect
from relayer.chains.compiler import Contracts
from relayer.chains.keys import load_accounts
from relayer.chains.manifest import ChainDeployment, Manifest
from relayer.chains.tx import Sender
from relayer.messaging.attestation import MailboxDomain
from relayer.messaging.delivery import Relayer
from relayer.messaging.destination import Destination
from relayer.messaging.faults import FaultInjector
from relayer.messaging.handler_retry import HandlerRetrier
from relayer.messaging.metrics import RelayMetrics
from relayer.messaging.reader import ChainReader
from relayer.messaging.revert_reasons import RevertReasons
from relayer.messaging.store import MessageState, Store
from relayer.messaging.validator import Validator, new_message
from relayer.messaging.watcher import DispatchWatcher
from relayer.settings import RelaySettings

log = logging.getLogger(__name__)
INDEXER_AGENT = "indexer"


class Role(StrEnum):
    ALL = "all"
    VALIDATOR = "validator"
    RELAYER = "relayer"


@dataclass
class _Chain:
    deployment: ChainDeployment
    web3: Web3
    mailbox: str
    reader: ChainReader


class RelayService:
    def __init__(
        self,
        settings: RelaySettings,
        manifest: Manifest,
        contracts: Contracts,
        store: Store,
        *,
        metrics: RelayMetrics,
        role: Role = Role.ALL,
    ) -> None:
        self.settings = settings
        self.store = store
        self.metrics = metrics
        abi = contracts.get("Mailbox").abi
        self.reasons = RevertReasons(artifact.abi for artifact in contracts)
        self.chains = []
        for deployment in manifest.chains:
            web3 = connect(deployment.rpc_url, deployment.chain_id)
            mailbox = manifest.address(deployment, "Mailbox")
            self.chains.append(_Chain(deployment, web3, mailbox, ChainReader(web3)))
        store.bind({chain.deployment.domain: chain.mailbox for chain in self.chains})
        self.indexers: list[DispatchWatcher] = []
        self.validator: Validator | None = None
        self.relayer: Relayer | None = None
        self.handler_retrier: HandlerRetrier | None = None
        if role in (Role.ALL, Role.VALIDATOR):
            self.validator = self._validator(manifest.network)
        if role in (Role.ALL, Role.RELAYER):
            # The relayer's own view at 0 confirmations: it sees messages (and
            # reorgs) first, and starts the latency clock when a Dispatch is mined.
            self.indexers = [self._watcher(c, INDEXER_AGENT, 0) for c in self.chains]
            self.relayer = self._relayer(abi, manifest.network)
            self.handler_retrier = HandlerRetrier(
                self.relayer.destinations,
                store,
                settings,
                metrics=metrics,
                reasons=self.reasons,
            )

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set; the iteration in hand always completes."""
        while not stop.is_set():
            started = time.monotonic()
            self.iteration()
            stop.wait(max(0.0, self.settings.poll_interval - (time.monotonic() - started)))

    def iteration(self) -> None:
        for chain in self.chains:
            chain.reader.forget()
        for indexer in self.indexers:
            self._index(indexer)
        if self.validator is not None:
            self.validator.tick()
        if self.relayer is not None:
            self.relayer.tick()
        if self.handler_retrier is not None:
            self.handler_retrier.tick()
        self._observe()

    def _index(self, watcher: DispatchWatcher) -> None:
        try:
            poll = watcher.poll()
        except NODE_ERRORS as err:
            log.warning("indexer: origin %s unreachable: %s", watcher.domain, str(err)[:200])
            return
        if poll.reorged_from is not None:
            orphaned = self.store.orphan_from_block(watcher.domain, poll.reorged_from)
            log.warning(
                "reorg on %s from block %s: %d message(s) orphaned",
                watcher.domain,
                poll.reorged_from,
                len(orphaned),
            )
        for event in poll.events:
            if self.store.record_seen(new_message(event)):
                self.metrics.messages.labels(event.message.route, "seen").inc()
        watcher.commit(poll)

    def _observe(self) -> None:
        counts = self.store.counts_by_state()
        pending = sum(
            counts[s] for s in (MessageState.SEEN, MessageState.ATTESTED, MessageState.SUBMITTED)
        )
        self.metrics.queue_depth.labels("all").set(pending)
        for state, count in counts.items():
            self.metrics.by_state.labels(state).set(count)
        for indexer in self.indexers:
            self.metrics.head_lag.labels(str(indexer.domain)).set(indexer.lag_blocks)
        self.metrics.iteration_done()

    def _watcher(self, chain: _Chain, agent: str, confirmations: int) -> DispatchWatcher:
        return DispatchWatcher(
            agent=agent,
            reader=chain.reader,
            mailbox=chain.mailbox,
            domain=chain.deployment.domain,
            store=self.store,
            start_block=chain.deployment.deployed_at_block,
            confirmations=confirmations,
            use_finalized_tag=self.settings.use_finalized_tag,
            max_block_range=self.settings.max_block_range,
        )

    def _validator(self, network: str) -> Validator:
        keys = load_accounts(
            self.settings.validator_keys,
            network,
            devkeys.VALIDATOR_KEYS,
            what="validator key",
            variable="CROSSFLOW_RELAY__VALIDATOR_KEYS",
        )
        agent = "validator-" + "-".join(sorted(k.address[2:10].lower() for k in keys))
        watchers = [
            self._watcher(c, agent, self.settings.confirmations_for(c.deployment.chain_id))
            for c in self.chains
        ]
        destinations = {
            c.deployment.domain: MailboxDomain(c.deployment.chain_id, c.mailbox)
            for c in self.chains
        }
        return Validator(keys, watchers, destinations, self.store)

    def _relayer(self, abi: list[dict[str, object]], network: str) -> Relayer:
        account = relayer_account(self.settings, network)
        destinations = [
            Destination(
                domain=c.deployment.domain,
                sender=Sender(c.web3, account, c.deployment.chain_id, self.settings.gas_headroom),
                mailbox=c.web3.eth.contract(address=Web3.to_checksum_address(c.mailbox), abi=abi),
            )
            for c in self.chains
        ]
        return Relayer(
            destinations,
            self.store,
            self.settings,
            faults=FaultInjector(self.settings.faults),
            metrics=self.metrics,
            reasons=self.reasons,
        )


def relayer_account(settings: RelaySettings, network: str) -> LocalAccount:
    """The account that pays for delivery (and for an operator's `messages retry`)."""
    (account,) = load_accounts(
        [settings.relayer_key] if settings.relayer_key else [],
        network,
        [devkeys.RELAYER_KEY],
        what="relayer key",
        variable="CROSSFLOW_RELAY__RELAYER_KEY",
    )
    return account
