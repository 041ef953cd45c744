"""Reading a contract's past events for a status read, from the block its
deployment started at to the head."""

from __future__ import annotations

from typing import Any


def events_since(event: Any, first_block: int, **filters: Any) -> list[Any]:
    """The logs of `event` (a web3 contract event) from `first_block` on, decoded."""
    return list(event.get_logs(from_block=first_block, to_block="latest", **filters))
