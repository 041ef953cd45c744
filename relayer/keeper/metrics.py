"""The keeper's Prometheus metrics and health check, served on one port.

GET /metrics  Prometheus text format
GET /healthz  200 "ok" while a poll completed recently
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


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


class MetricsServer:
    """Serves `metrics` in a daemon thread until `close()`."""

    def __init__(self, metrics: KeeperMetrics, host: str, port: int, max_silence: float) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler(metrics, max_silence))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(metrics: KeeperMetrics, max_silence: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                self._reply(200, CONTENT_TYPE_LATEST, generate_latest(metrics.registry))
            elif self.path == "/healthz":
                ok = metrics.healthy(max_silence)
                self._reply(200 if ok else 503, "text/plain", b"ok\n" if ok else b"stalled\n")
            else:
                self._reply(404, "text/plain", b"not found\n")

        def _reply(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            del format, args  # request logs would drown the keeper's own

    return Handler
