"""Messages per route, from the mailboxes at both ends and nothing else (the relay's
store may live on another machine): what the origin dispatched, what the
destination delivered, the difference in flight, and the deliveries whose handler
failed and has not yet passed on a retry."""

from __future__ import annotations

from web3 import Web3
from web3.contract import Contract

from relayer.chains.compiler import Contracts
from relayer.chains.manifest import Manifest
from relayer.status.chains import Live
from relayer.status.events import events_since
from relayer.status.model import RouteStatus

MAILBOX_KEY = "Mailbox"


def read_routes(manifest: Manifest, live: Live, contracts: Contracts) -> list[RouteStatus]:
    """Every ordered pair of chains with a mailbox, in manifest order."""
    chains = [c for c in manifest.chains if MAILBOX_KEY in c.contracts]
    abi = contracts.get("Mailbox").abi
    boxes: dict[int, Contract] = {
        chain.domain: live[chain.domain].web3.eth.contract(
            address=Web3.to_checksum_address(chain.contracts[MAILBOX_KEY]), abi=abi
        )
        for chain in chains
        if chain.domain in live
    }
    failed = {
        chain.domain: failed_by_origin(boxes[chain.domain], chain.deployed_at_block)
        for chain in chains
        if chain.domain in boxes
    }
    routes = []
    for origin in chains:
        for destination in (c for c in chains if c.domain != origin.domain):
            sent = boxes.get(origin.domain)
            received = boxes.get(destination.domain)
            dispatched = (
                None
                if sent is None
                else int(sent.functions.outboundNonce(destination.domain).call())
            )
            delivered = (
                None
                if received is None
                else int(received.functions.inboundNonce(origin.domain).call())
            )
            routes.append(
                RouteStatus(
                    origin=origin.name,
                    origin_domain=origin.domain,
                    destination=destination.name,
                    destination_domain=destination.domain,
                    dispatched=dispatched,
                    delivered=delivered,
                    in_flight=(
                        None if dispatched is None or delivered is None else dispatched - delivered
                    ),
                    failed=(
                        None
                        if received is None
                        else failed[destination.domain].get(origin.domain, 0)
                    ),
                )
            )
    return routes


def failed_by_origin(mailbox: Contract, first_block: int) -> dict[int, int]:
    """Per origin domain, the messages this mailbox holds as failed now. A
    `MessageFailed` names no origin, so each one's `Process` (same id) does; a
    successful retry makes `failed(id)` false again."""
    reported = {
        bytes(log["args"]["id"]) for log in events_since(mailbox.events.MessageFailed, first_block)
    }
    still = [i for i in reported if mailbox.functions.failed(i).call()]
    if not still:
        return {}
    counts: dict[int, int] = {}
    processed = events_since(mailbox.events.Process, first_block, argument_filters={"id": still})
    for log in processed:
        origin = int(log["args"]["origin"])
        counts[origin] = counts.get(origin, 0) + 1
    return counts
