"""One read of a deployment for `crossflow status` and the demo: the chains and
their heads, the contracts' code, the messages on every route, the oracle's last
rounds, the busiest accounts' health, open margin calls, the insurance fund and
bad debt, and conservation, as one typed `Status`, drawn as rich tables.

`read_status(manifest, settings)` reads; `render_status` / `print_status` draw;
`Status.model_dump(mode="json")` is the `--json` output. A chain that is down is
shown down and what needs it is skipped, never a crash.

Imports deploy-level packages (keeper, conservation), the agents' clients,
chains and the bottom layer; never testbed, bench, demo or cli."""

from relayer.status.model import Status
from relayer.status.render import print_status, render_status
from relayer.status.snapshot import read_status

__all__ = ["Status", "print_status", "read_status", "render_status"]
