"""The relay's Prometheus metrics and its health (served by `relayer.metrics_server`)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class RelayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "crossflow_messages",
            "Messages by route and the state they reached",
            ["route", "status"],
            registry=self.registry,
        )
        self.by_state = Gauge(
            "crossflow_messages_by_state",
            "Messages now in each state; failed: delivered, its handler awaiting a rerun",
            ["state"],
            registry=self.registry,
        )
        self.handler_retries = Counter(
            "crossflow_handler_retries",
            "Automatic reruns of failed handlers by route and outcome: delivered,"
            " still_reverts (simulated, not sent), reverted (sent, reverted on chain),"
            " rerun_elsewhere (someone else reran it first)",
            ["route", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "crossflow_relay_latency_seconds",
            "From Dispatch seen to process mined",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "crossflow_queue_depth",
            "Messages seen but not yet delivered, per destination",
            ["destination"],
            registry=self.registry,
        )
        self.head_lag = Gauge(
            "crossflow_head_lag_blocks",
            "Blocks between a chain's head and what the relayer indexed",
            ["chain"],
            registry=self.registry,
        )
        self.invalid_signatures = Counter(
            "crossflow_invalid_signatures",
            "Published attestations the destination mailbox would reject, by validator",
            ["destination", "validator"],
            registry=self.registry,
        )
        self.paused = Gauge(
            "crossflow_destination_paused",
            "1 while a destination's mailbox is paused and delivery waits",
            ["chain"],
            registry=self.registry,
        )
        self.last_iteration = Gauge(
            "crossflow_last_iteration_timestamp_seconds",
            "When the agent loop last completed",
            registry=self.registry,
        )

        self._last_iteration_at = time.time()

    def iteration_done(self) -> None:
        self._last_iteration_at = time.time()
        self.last_iteration.set(self._last_iteration_at)

    def healthy(self, max_silence: float) -> bool:
        return time.time() - self._last_iteration_at < max_silence
