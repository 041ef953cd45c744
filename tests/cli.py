"""Running the real `crossflow` console script from tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CROSSFLOW = Path(sys.executable).parent / "crossflow"


def clean_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without a developer's CROSSFLOW_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSFLOW_")}
    return env | overrides


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("crossflow: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
