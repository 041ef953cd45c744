"""The demo's chart, one PNG: the price through the shared oracle with every
cross-chain message as a marker; each party's equity against its MM and IM, with
the events that happened to it; and the share of IM that is the latency buffer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from relayer.demo.recorder import Margin, Sample
from relayer.demo.timeline import Event, Trip

MESSAGE_COLOURS = {
    "CREDIT": "tab:green",
    "MARGIN_CALL": "tab:orange",
    "RELEASE": "tab:blue",
    "SEIZE": "tab:red",
}
LEGEND: dict[str, Any] = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "fontsize": 8}
# The events drawn on a party's panel, and how.
PARTY_MARKS = {
    "MarginCallOpened": ("margin call", "tab:orange", "v"),
    "MarginCallClosed": ("call closed", "tab:green", "^"),
    "Liquidated": ("liquidated", "tab:red", "X"),
    "PositionSettled": ("settled", "tab:purple", "s"),
    "Withdrawn": ("withdrew", "tab:blue", "o"),
}


def draw_chart(
    path: Path,
    *,
    samples: list[Sample],
    events: list[Event],
    trips: list[Trip],
    parties: dict[str, str],
    start: float,
) -> Path:
    """Writes the chart to `path`; times are seconds since `start` (wall clock)."""
    names = [name for name in parties if any(name in s.margins for s in samples)]
    rows = 2 + len(names)
    fig, axes = plt.subplots(
        rows, 1, sharex=True, figsize=(12, 2.3 * rows + 1), constrained_layout=True
    )
    times = [s.at - start for s in samples]
    _price(axes[0], times, samples, trips, start)
    for ax, name in zip(axes[1:-1], names, strict=True):
        points = [
            (t, s.margins[name]) for t, s in zip(times, samples, strict=True) if name in s.margins
        ]
        mine = [e for e in events if _concerns(e, parties[name])]
        _party(ax, f"{name} ({parties[name][:10]}…)", points, mine, start)
    _buffer(axes[-1], names, times, samples)
    axes[-1].set_xlabel("seconds since the demo started")
    fig.suptitle("crossflow demo: collateral on one chain, options on another", fontsize=13)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _price(
    ax: Axes, times: list[float], samples: list[Sample], trips: list[Trip], start: float
) -> None:
    ax.step(times, [s.spot for s in samples], where="post", color="black", label="ETH/USD")
    ax.set_ylabel("ETH/USD")
    ax.set_title("price on the market chain, and each message delivered across chains", loc="left")
    seen: set[str] = set()
    for trip in trips:
        if trip.delivered_at is None:
            continue
        colour = MESSAGE_COLOURS.get(trip.kind, "grey")
        label = trip.kind if trip.kind not in seen else None
        seen.add(trip.kind)
        ax.axvline(trip.delivered_at - start, color=colour, alpha=0.6, lw=1.2, label=label)
    ax.legend(**LEGEND)


def _party(
    ax: Axes, title: str, points: list[tuple[float, Margin]], events: list[Event], start: float
) -> None:
    xs = [t for t, _ in points]
    # Steps: a margin number holds from its block until the next one changes it.
    for values, style in (
        ([m.equity for _, m in points], {"color": "black", "lw": 1.8, "label": "equity"}),
        ([m.im for _, m in points], {"color": "tab:blue", "ls": "--", "label": "IM"}),
        ([m.mm for _, m in points], {"color": "tab:red", "ls": ":", "label": "MM"}),
    ):
        ax.step(xs, values, where="post", **style)
    ax.set_ylabel("USD")
    ax.set_title(title, loc="left")
    marked: set[str] = set()
    for event in events:
        mark = PARTY_MARKS.get(event.name)
        if mark is None:
            continue
        label, colour, marker = mark
        at = event.at - start
        equity = _nearest(points, at)
        ax.scatter(
            [at],
            [equity],
            color=colour,
            marker=marker,
            s=70,
            zorder=5,
            label=label if label not in marked else None,
        )
        marked.add(label)
    ax.legend(**LEGEND)


def _buffer(ax: Axes, names: list[str], times: list[float], samples: list[Sample]) -> None:
    for name in names:
        points = [
            (t, 100 * m.buffer_share)
            for t, s in zip(times, samples, strict=True)
            if (m := s.margins.get(name)) is not None and m.buffer_share is not None
        ]
        if points:
            ax.step([t for t, _ in points], [v for _, v in points], where="post", label=name)
    ax.set_ylabel("% of IM")
    ax.set_title(
        "latency buffer as a share of IM (only collateral seized across chains carries it)",
        loc="left",
    )
    ax.legend(**LEGEND)


def _concerns(event: Event, address: str) -> bool:
    return str(event.args.get("account", "")).lower() == address.lower()


def _nearest(points: list[tuple[float, Margin]], at: float) -> float:
    """The party's equity at the sample nearest to `at`."""
    if not points:
        return 0.0
    _, margin = min(points, key=lambda p: abs(p[0] - at))
    return margin.equity
