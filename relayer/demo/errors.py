"""What can stop the demo, each saying what to do about it."""

from __future__ import annotations

from pathlib import Path

from relayer.errors import DeliveryError, DevnetError


class DemoNeedsTwoChains(DevnetError):
    def __init__(self, chains: int) -> None:
        super().__init__(
            f"the demo needs at least 2 chains (collateral and market), not {chains}",
            "run it with --chains 2 or 3",
        )


class DemoNeedsFreshChains(DevnetError):
    def __init__(self, state_file: Path) -> None:
        super().__init__(
            f"a devnet recorded in {state_file} is running; the demo plays its story on "
            "fresh chains",
            "stop it with `crossflow devnet down` (or `make down`) and run the demo again",
        )


class DemoStepTimedOut(DeliveryError):
    def __init__(self, what: str, seconds: float, log_dir: Path) -> None:
        super().__init__(
            f"the demo waited {seconds:g} s for {what}, and it did not happen",
            f"the agents' logs are in {log_dir}; `crossflow status` shows the chains",
        )


class DemoAgentDied(DeliveryError):
    def __init__(self, name: str, log: Path, last_line: str) -> None:
        super().__init__(
            f"`crossflow {name}` stopped during the demo: {last_line or 'no output'}",
            f"its log is {log}",
        )


class UnexpectedRefusal(DeliveryError):
    def __init__(self, contract: str, what: str, data: str) -> None:
        super().__init__(
            f"{contract} refused {what} with {data}", "the demo's story no longer fits the market"
        )
