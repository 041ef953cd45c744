"""What the story did to each party, taken from the chains' events alone: who was
margin-called, topped up, liquidated, seized from, settled and paid out."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from relayer.demo.timeline import Event, Timeline, Trip

WAD = Decimal(10**18)


@dataclass
class Outcome:
    name: str
    address: str
    deposited: dict[str, Decimal] = field(default_factory=dict)  # "WETH on c-31337" -> amount
    margin_calls: int = 0
    topped_up: Decimal = Decimal(0)  # quote value the vaults' top-ups covered
    liquidated: bool = False
    seized: dict[str, Decimal] = field(default_factory=dict)  # taken from this party
    received_seized: dict[str, Decimal] = field(default_factory=dict)  # paid to it as liquidator
    settled: Decimal = Decimal(0)  # what its positions paid (negative: paid out) at expiry
    paid_out: dict[str, Decimal] = field(default_factory=dict)  # RELEASEs paid to it


def outcomes(
    timeline: Timeline, parties: dict[str, str], symbols: dict[tuple[int, str], str]
) -> list[Outcome]:
    """One Outcome per party (name -> address); `symbols` names tokens by (domain,
    address), as `token_symbols` gives them."""
    by_address = {address.lower(): Outcome(name, address) for name, address in parties.items()}

    def party(address: str) -> Outcome | None:
        return by_address.get(str(address).lower())

    def token(event: Event) -> str:
        address = str(event.args["token"])
        symbol = symbols.get((event.domain, address.lower()), address[:10])
        return f"{symbol} on {event.chain}"

    for event in timeline.events:
        a = event.args
        if event.name == "CollateralDeposited" and (p := party(a["account"])):
            _add(p.deposited, token(event), Decimal(a["amount"]) / WAD)
        elif event.name == "MarginCallOpened" and (p := party(a["account"])):
            p.margin_calls += 1
        elif event.name == "MarginCallReceived" and (p := party(a["account"])):
            p.topped_up += Decimal(a["covered"]) / WAD
        elif event.name == "Liquidated" and (p := party(a["account"])):
            p.liquidated = True
        elif event.name == "CollateralSeized" and "domain" not in a:  # paid on the vault
            if p := party(a["account"]):
                _add(p.seized, token(event), Decimal(a["amount"]) / WAD)
            if p := party(a["recipient"]):
                _add(p.received_seized, token(event), Decimal(a["amount"]) / WAD)
        elif event.name == "PositionSettled" and (p := party(a["account"])):
            p.settled += Decimal(a["payout"]) / WAD
        elif event.name == "CollateralReleased" and (p := party(a["recipient"])):
            _add(p.paid_out, token(event), Decimal(a["amount"]) / WAD)
    return list(by_address.values())


@dataclass(frozen=True)
class Latency:
    kind: str
    count: int
    median: float
    worst: float


def latencies(trips: list[Trip]) -> list[Latency]:
    """Per message kind: how long delivery took, dispatch block to delivery block."""
    seconds: dict[str, list[float]] = defaultdict(list)
    for trip in trips:
        if trip.latency is not None:
            seconds[trip.kind].append(trip.latency)
    return [Latency(k, len(v), median(v), max(v)) for k, v in sorted(seconds.items())]


def _add(into: dict[str, Decimal], key: str, amount: Decimal) -> None:
    into[key] = into.get(key, Decimal(0)) + amount
