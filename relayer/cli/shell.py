"""Commands and paths as a user can type them: output that names a next step
must work when pasted into a fresh shell in the same directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path


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
