"""One agent's Prometheus metrics and health check, served on one port in a daemon
thread; the relay and the keeper each serve their own registry through it.

GET /metrics  Prometheus text format
GET /healthz  200 "ok" while the agent's loop completed recently, else 503
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Served(Protocol):
    """What the server needs of an agent's metrics."""

    registry: CollectorRegistry

    def healthy(self, max_silence: float) -> bool: ...


class MetricsServer:
    """Serves `metrics` in a daemon thread until `close()`."""

    def __init__(self, metrics: Served, host: str, port: int, max_silence: float) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler(metrics, max_silence))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve_metrics(
    metrics: Served, host: str, port: int | None, max_silence: float, log: logging.Logger
) -> MetricsServer | None:
    """A server for `metrics` on `port` (0: any free one), announced in `log`; None
    when the port is unset (no /metrics)."""
    if port is None:
        return None
    server = MetricsServer(metrics, host, port, max_silence)
    log.info("metrics on http://%s:%d/metrics", host, server.port)
    return server


def _handler(metrics: Served, max_silence: float) -> type[BaseHTTPRequestHandler]:
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
            del format, args  # request logs would drown the agent's own

    return Handler
