"""Commands and paths as a user can type them: output that names a next step
must work when pasted into a fresh shell in the same directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console

PIPED_WIDTH = 160


def crossflow_command() -> str:
    """This console script by its path: only an activated virtualenv puts it on PATH,
    and a fresh shell has none."""
    script = Path(sys.executable).parent / "crossflow"
    return shown(script) if script.exists() else "crossflow"


def shown(path: Path) -> str:
    """`path` relative to the working directory when it lies below it, else absolute."""
    absolute = path.absolute()
    cwd = Path.cwd()
    return os.path.relpath(absolute, cwd) if absolute.is_relative_to(cwd) else str(absolute)


def console() -> Console:
    """Rich output at the terminal's width; a pipe or a log file has none, so the
    widest table gets room instead of rich's 80 columns."""
    return Console(width=None if sys.stdout.isatty() else PIPED_WIDTH, highlight=False)
