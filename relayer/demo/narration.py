"""One sentence per event that matters to the story, in the parties' names and in
human units; None for the events a reader would not miss (heartbeat price rounds,
configuration, the mailboxes' own bookkeeping)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from web3 import Web3

from relayer.chains.manifest import ChainDeployment, Manifest
from relayer.collateral.tokens import TEST_TOKEN_DECIMALS, token_symbols
from relayer.oracle.feeds import ETH_USD

WAD = Decimal(10**18)
UNIT = Decimal(10**TEST_TOKEN_DECIMALS)
MARGIN_CALL_ENDINGS = {1: "too late to act on", 2: "noticed", 3: "answered by a top-up"}

Args = Mapping[str, Any]


class Narrator:
    def __init__(self, manifest: Manifest, names: Mapping[str, str]) -> None:
        self.names = {address.lower(): name for address, name in names.items()}
        self.chains = {c.domain: c for c in manifest.chains}
        self.symbols = token_symbols(manifest)
        self.series: dict[int, Args] = {}
        self.last_price: dict[int, Decimal] = {}
        self._say: dict[str, Callable[[ChainDeployment, Args], str | None]] = {
            "AnswerUpdated": self._price,
            "CollateralDeposited": self._deposited,
            "ReserveDeposited": lambda c, a: (
                f"{self.who(a['account'])} parks {self.units(a['amount'])} "
                f"{self.symbol(c.domain, a['token'])} in reserve"
            ),
            "AutoTopUpSet": lambda c, a: (
                f"{self.who(a['account'])} turns auto top-up {'on' if a['enabled'] else 'off'}"
            ),
            "MarginCallReceived": self._margin_call_received,
            "ReserveCommitted": lambda c, a: (
                f"auto top-up: {self.units(a['amount'])} {self.symbol(c.domain, a['token'])} of "
                f"{self.who(a['account'])}'s reserve committed, sent as CREDIT"
            ),
            "CollateralReleased": lambda c, a: (
                f"{self.units(a['amount'])} {self.symbol(c.domain, a['token'])} paid out to "
                f"{self.who(a['recipient'])} (RELEASE)"
            ),
            "SeriesListed": self._listed,
            "CollateralCredited": lambda c, a: (
                f"{self.who(a['account'])} credited {self.wad(a['amount'])} "
                f"{self.symbol(a['domain'], a['token'])} from {self.chain(a['domain'])}"
            ),
            "Traded": self._traded,
            "Withdrawn": lambda c, a: (
                f"{self.who(a['account'])} withdraws {self.wad(a['amount'])} "
                f"{self.symbol(a['domain'], a['token'])} to {self.chain(a['domain'])}, "
                "sent as RELEASE"
            ),
            "MarginCallOpened": lambda c, a: (
                f"margin call on {self.who(a['account'])}: {self.wad(a['deficit'])} USD short "
                f"of IM, sent as MARGIN_CALL to {a['domains']} collateral chain(s)"
            ),
            "MarginCallClosed": lambda c, a: (
                f"{self.who(a['account'])}'s margin call closed"
                + (" by the liquidation" if a["liquidated"] else ": healthy again")
            ),
            "Liquidated": lambda c, a: (
                f"{self.who(a['liquidator'])} liquidates {self.share(a['fraction'])} of "
                f"{self.who(a['account'])}: positions {self.wad(a['positionsValue'])}, "
                f"credits {self.wad(a['creditsValue'])}, bonus {self.wad(a['bonus'])}, "
                f"pays {self.wad(a['price'])} USD"
            ),
            "CollateralSeized": self._seized,
            "SeriesSettled": lambda c, a: (
                f"{self.label(a['seriesId'])} settles at ETH {self.wad(a['price'])}"
            ),
            "PositionSettled": lambda c, a: (
                f"{self.who(a['account'])}'s position in {self.label(a['seriesId'])} settles: "
                f"{self.wad(a['payout'])} USD"
            ),
            "InsuranceFundUsed": lambda c, a: (
                f"the insurance fund covers {self.wad(a['amount'])} USD of "
                f"{self.who(a['account'])}'s loss"
            ),
            "BadDebtRecorded": lambda c, a: (
                f"{self.wad(a['amount'])} USD of {self.who(a['account'])}'s loss is bad debt"
            ),
            "MessageFailed": lambda c, a: "a message's handler reverted; the relay reruns it",
        }

    def say(self, chain: ChainDeployment, event: str, args: Args) -> str | None:
        speak = self._say.get(event)
        return speak(chain, args) if speak else None

    # the events that need more than one line

    def _price(self, chain: ChainDeployment, args: Args) -> str | None:
        price = Decimal(args["current"]) / Decimal(10**ETH_USD.decimals)
        previous = self.last_price.get(chain.domain)
        self.last_price[chain.domain] = price
        if previous == price:
            return None  # a heartbeat round
        return f"ETH/USD {price:,.2f} (signed round {args['roundId']})"

    def _deposited(self, chain: ChainDeployment, args: Args) -> str:
        return (
            f"{self.who(args['account'])} deposits {self.units(args['amount'])} "
            f"{self.symbol(chain.domain, args['token'])}, sent as CREDIT"
        )

    def _margin_call_received(self, chain: ChainDeployment, args: Args) -> str:
        ending = MARGIN_CALL_ENDINGS.get(int(args["status"]), "recorded")
        return (
            f"{self.who(args['account'])}'s margin call arrives ({self.wad(args['deficit'])} USD "
            f"short): {ending}"
        )

    def _listed(self, chain: ChainDeployment, args: Args) -> str:
        series_id = int(args["seriesId"])
        self.series[series_id] = args["series"]
        expiry = datetime.fromtimestamp(int(args["series"]["expiry"]), UTC)
        return f"{self.label(series_id)} listed, expiring {expiry:%H:%M:%S} UTC"

    def _traded(self, chain: ChainDeployment, args: Args) -> str:
        series = self.series.get(int(args["seriesId"]))
        lots, tick = Decimal(args["lots"]), Decimal(args["tick"])
        if series is None:
            return f"{self.who(args['taker'])} trades {lots} lots with {self.who(args['maker'])}"
        contracts = lots * Decimal(series["lotSize"]) / WAD
        price = tick * Decimal(series["tickSize"]) / WAD
        verb = "buys" if args["takerIsBid"] else "sells"
        return (
            f"{self.who(args['taker'])} {verb} {contracts.normalize():f} "
            f"{self.label(int(args['seriesId']))} at {price.normalize():f} "
            f"{'from' if args['takerIsBid'] else 'to'} {self.who(args['maker'])}"
        )

    def _seized(self, chain: ChainDeployment, args: Args) -> str:
        if "domain" in args:  # the market's side: a credit taken, a SEIZE sent
            return (
                f"{self.wad(args['amount'])} {self.symbol(args['domain'], args['token'])} of "
                f"{self.who(args['account'])}'s credit on {self.chain(args['domain'])} seized, "
                "sent as SEIZE"
            )
        return (
            f"{self.units(args['amount'])} {self.symbol(chain.domain, args['token'])} of "
            f"{self.who(args['account'])}'s collateral paid to {self.who(args['recipient'])} "
            "(SEIZE)"
        )

    # words

    def who(self, address: str) -> str:
        return self.names.get(address.lower(), Web3.to_checksum_address(address)[:10])

    def chain(self, domain: int) -> str:
        chain = self.chains.get(int(domain))
        return chain.name if chain else f"domain {domain}"

    def symbol(self, domain: int, token: str) -> str:
        return self.symbols.get((int(domain), token.lower()), token[:10])

    def label(self, series_id: int) -> str:
        series = self.series.get(series_id)
        if series is None:
            return f"series {series_id}"
        kind = "call" if series["isCall"] else "put"
        return f"{kind} {Decimal(series['strike']) / WAD:f}"

    @staticmethod
    def wad(value: int) -> str:
        return f"{Decimal(value) / WAD:,.2f}"

    @staticmethod
    def units(value: int) -> str:
        return f"{Decimal(value) / UNIT:,.4f}".rstrip("0").rstrip(".")

    @staticmethod
    def share(value: int) -> str:
        return f"{Decimal(value) / WAD:.0%}"
