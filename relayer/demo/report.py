"""The demo's JSON report: everything the run measured, in one file a script can
read: the chains, each party's outcome, the narrated timeline, every message's
trip with its latency, the margin samples behind the chart, and conservation."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from relayer.conservation.check import Report as Conservation
from relayer.demo.outcome import Latency, Outcome
from relayer.demo.recorder import Sample
from relayer.demo.timeline import Timeline
from relayer.files import write_json_atomic
from relayer.market.units import from_wad

REPORT_FORMAT = 1


def write_report(
    path: Path,
    *,
    summary: dict[str, Any],
    outcomes: list[Outcome],
    timeline: Timeline,
    latencies: list[Latency],
    samples: list[Sample],
    conservation: Conservation,
    start: float,
) -> Path:
    """`summary` holds the run's own facts (chains, steps, durations, files)."""
    report = {
        "format": REPORT_FORMAT,
        **summary,
        "parties": [_plain(asdict(o)) for o in outcomes],
        "timeline": [{**_plain(asdict(e)), "t": round(e.at - start, 3)} for e in timeline.events],
        "messages": [{**_plain(asdict(t)), "latency_s": t.latency} for t in timeline.trips],
        "latency": [asdict(latency) for latency in latencies],
        "samples": [
            {
                "t": round(s.at - start, 3),
                "block": s.block,
                "spot": s.spot,
                "margins": _plain(asdict(s)["margins"]),
            }
            for s in samples
        ],
        "conservation": {
            "holds": conservation.holds,
            "lines": [
                {
                    "chain": line.chain,
                    "token": line.token,
                    "quote": line.is_quote,
                    "vault_balance": str(from_wad(line.vault_balance)),
                    "credits_in_flight": str(from_wad(line.credits_in_flight)),
                    "payouts_in_flight": str(from_wad(line.payouts_in_flight)),
                    "holds": line.holds,
                    "problems": list(line.problems),
                }
                for line in conservation.lines
            ],
        },
    }
    write_json_atomic(path, report, indent=2)
    path.chmod(0o644)  # a result to share, not a secret
    return path


def _plain(value: Any) -> Any:
    """Decimals as strings (exact), everything else as JSON has it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
