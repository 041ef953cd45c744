"""The keeper's Prometheus metrics and its health (served by `relayer.metrics_server`)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge


class KeeperMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter("crossflow_keeper_polls", "Polls completed", registry=self.registry)
        self.actions = Counter(
            "crossflow_keeper_actions",
            "Transactions the keeper sent, by kind and outcome (mined, reverted)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.disagreements = Counter(
            "crossflow_keeper_disagreements",
            "Accounts whose health state the Python model saw differently from the chain",
            registry=self.registry,
        )
        self.accounts = Gauge(
            "crossflow_keeper_accounts",
            "Known accounts by the chain's health state in the last poll",
            ["health"],
            registry=self.registry,
        )
        self.head_lag = Gauge(
            "crossflow_keeper_head_lag_blocks",
            "Blocks between the market chain's head and the keeper's checkpoint",
            registry=self.registry,
        )
        self.liquidation_gas = Gauge(
            "crossflow_keeper_liquidation_gas",
            "Estimated gas of the liquidations sent in the last poll",
            registry=self.registry,
        )
        self.last_poll = Gauge(
            "crossflow_keeper_last_poll_timestamp_seconds",
            "When the keeper last completed a poll",
            registry=self.registry,
        )
        self._last_poll_at = time.time()

    def poll_done(self) -> None:
        self._last_poll_at = time.time()
        self.polls.inc()
        self.last_poll.set(self._last_poll_at)

    def healthy(self, max_silence: float) -> bool:
        return time.time() - self._last_poll_at < max_silence

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """One sample's value, zero when it was never set: for tests and the CLI."""
        return self.registry.get_sample_value(name, labels or {}) or 0.0
