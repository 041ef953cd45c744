"""The README tells the truth: its performance table is the one the committed
benchmark results give, and every file it points to is in the repository (a
user has nothing else)."""

from __future__ import annotations

import re
from pathlib import Path

from relayer.bench.summary import summary_table, table_in

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)#\s]+)\)")


def test_the_performance_table_is_generated_from_the_committed_results() -> None:
    assert table_in(README) == summary_table(), (
        "the README's table is stale: run `crossflow bench summary --write README.md`"
    )


def test_every_link_points_to_a_file_in_the_repository() -> None:
    targets = LINK.findall(README.read_text())
    assert "docs/demo/chart.png" in targets
    for target in targets:
        assert not target.startswith(("http", "../")), target
        assert (ROOT / target).exists(), f"README links to {target}, which is not here"
