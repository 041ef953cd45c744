"""What every long-running agent shares: JSON log lines (one object per line, easy
to grep and to ship; keys never reach a log, settings hold them as SecretStr)
and a clean stop on SIGTERM or SIGINT."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from types import FrameType

log = logging.getLogger(__name__)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": round(record.created, 3),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)  # structured context: extra={"fields": {...}}
        if isinstance(fields, dict):
            entry |= fields
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_json_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM and SIGINT set: the agent finishes the iteration in
    hand, saves, and exits 0."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        del frame
        log.info("signal %s: finishing the iteration in hand", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop
