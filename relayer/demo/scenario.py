"""The story the demo plays, step by step, through the same clients a user has;
the keeper, the relayer and the feeder do their part as processes.

1. A market maker and two traders deposit on the collateral chain; Alice parks a
   reserve with auto top-up; two puts are listed; the traders sell to the maker,
   each with just enough margin.
2. The feeder replays a crash path through the shared oracle.
3. Alice's margin call crosses to the collateral chain; her reserve tops her up.
4. Bob falls below maintenance; the keeper liquidates him and his WETH is seized
   to the keeper on the collateral chain (on both, with three chains).
5. The series expire and settle; everyone withdraws what they are owed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from relayer.chains import devkeys
from relayer.demo.agents import Agents
from relayer.demo.errors import DemoStepTimedOut
from relayer.demo.parties import Party, World
from relayer.testbed.net import Chain

CRASH_PATH = Path(__file__).parents[2] / "examples" / "eth_crash.csv"
START_PRICE = Decimal(3000)
CRASH_PRICE = Decimal(2800)  # the path's last price: Alice in a margin call, Bob liquidated
SERIES_LIFE_S = 35  # listing to expiry: steps 1 to 4 take about 10 s
FEED_HEARTBEAT_S = "2"  # a round at least this often: settlement needs one after expiry
LOT = Decimal("0.1")
BANKROLL = Decimal(20_000)  # USD the maker and the keeper each deposit
STEP_TIMEOUT_S = 60.0
SETTLEMENT_TIMEOUT_S = SERIES_LIFE_S + 60.0

Say = Callable[[str], None]


@dataclass(frozen=True)
class Cast:
    owner: LocalAccount  # deployed everything, lists the series, mints test tokens
    maker: LocalAccount
    alice: LocalAccount  # short an out-of-the-money put; her reserve tops her up
    bob: LocalAccount  # short at-the-money puts on WETH; liquidated
    keeper: LocalAccount  # `crossflow keep`'s key: the liquidator

    @classmethod
    def local(cls) -> Cast:
        keys = (
            devkeys.DEPLOYER_KEY,
            devkeys.MARKET_MAKER_KEY,
            devkeys.USER_KEYS[0],
            devkeys.USER_KEYS[1],
            devkeys.USER_KEYS[2],  # KeeperSettings' local default
        )
        return cls(*(Account.from_key(k.get_secret_value()) for k in keys))

    def names(self) -> dict[str, str]:
        """Who each address is, for the timeline."""
        return {
            str(self.maker.address): "the maker",
            str(self.alice.address): "Alice",
            str(self.bob.address): "Bob",
            str(self.keeper.address): "the keeper",
            str(self.owner.address): "the owner",
        }


@dataclass(frozen=True)
class Series:
    put_low: int  # 2700: Alice's
    put_atm: int  # 3000: Bob's
    expiry: int


class Story:
    """Plays the steps on `worlds` (one per collateral chain; the first holds the
    USD and Alice's reserve, Bob's WETH is split over all of them)."""

    def __init__(self, worlds: list[World], cast: Cast, agents: Agents, say: Say) -> None:
        self.worlds = worlds
        self.home = worlds[0]
        self.cast = cast
        self.agents = agents
        self.say = say
        self.maker, self.alice, self.bob, self.keeper, self.owner = (
            self.home.party(a) for a in (cast.maker, cast.alice, cast.bob, cast.keeper, cast.owner)
        )
        self.weth_each = Decimal(1) / len(worlds)

    def prices(self) -> None:
        """The feeder posts the starting price to every chain."""
        self.agents.start("feed", "--source", "constant", "--heartbeat", FEED_HEARTBEAT_S)
        self.wait(
            "the first price round on every chain", lambda: self._spot_everywhere(START_PRICE)
        )

    def deposit_and_trade(self) -> Series:
        home, owner = self.home, self.owner
        now = int(home.market_chain.web3.eth.get_block("latest")["timestamp"])
        expiry = now + SERIES_LIFE_S
        put_low, put_atm = (self._list_put(owner, Decimal(k), expiry) for k in (2700, 3000))
        series = Series(put_low, put_atm, expiry)
        self.say(f"listed puts 2700 and 3000 expiring in {SERIES_LIFE_S} s")
        home.fund(self.maker, home.usd, BANKROLL)
        home.fund(self.keeper, home.usd, BANKROLL)
        for world in self.worlds:
            bob = world.party(self.cast.bob)
            world.mint(world.weth, bob.address, self.weth_each)
            bob.vault.deposit(world.weth, self.weth_each)
        self.say("the maker and the keeper deposit 20,000 USD; Bob deposits 1 WETH")
        self.wait("the deposits credited on the market", self._credited)
        self.maker.market.place(series.put_low, is_bid=True, price=Decimal(2), amount=Decimal(1))
        self.maker.market.place(series.put_atm, is_bid=True, price=Decimal(5), amount=Decimal(5))
        self._sell_with_just_enough_margin(self.alice, series.put_low, Decimal(2), Decimal(1), 60)
        self._sell_with_just_enough_margin(self.bob, series.put_atm, Decimal(5), Decimal(5), 2)
        home.mint(home.usd, self.alice.address, Decimal(1000))
        self.alice.vault.deposit_reserve(home.usd, Decimal(1000))
        self.alice.vault.set_auto_top_up(True)
        self.say("Alice sells 1 put 2700 at 2, Bob 5 puts 3000 at 5, to the maker")
        self.say("Alice parks 1,000 USD in reserve with auto top-up")
        return series

    def crash(self) -> None:
        self.agents.stop("feed")
        self.agents.start(
            "feed", "--source", "csv", "--csv", str(CRASH_PATH), "--heartbeat", FEED_HEARTBEAT_S
        )
        self.say(f"the feeder replays {CRASH_PATH.name}: ETH {START_PRICE} -> {CRASH_PRICE}")
        self.wait("the crash on every chain", lambda: self._spot_everywhere(CRASH_PRICE))

    def margin_call_answered(self) -> None:
        alice, usd = self.alice, self.home.usd
        self.wait(
            "Alice's reserve to top her up",
            lambda: alice.vault.reserve(alice.address, usd) < Decimal(1000),
        )
        self.wait(
            "Alice healthy again and her margin call closed",
            lambda: (
                alice.market.account(alice.address).health == "healthy"
                and alice.market.margin_call_of(alice.address) is None
            ),
        )
        topped_up = Decimal(1000) - alice.vault.reserve(alice.address, usd)
        self.say(f"Alice's reserve committed {topped_up:,.2f} USD; her call is closed")

    def liquidation(self) -> None:
        bob = self.bob
        # His credits go only by liquidation (settlement at expiry would also empty
        # his positions, but leave the WETH credited).
        self.wait(
            "Bob's liquidation",
            lambda: (
                all(bob.market.credit(bob.address, w.domain, w.weth) == 0 for w in self.worlds)
                and not bob.market.account(bob.address).positions
            ),
        )
        for world in self.worlds:
            self.wait(
                f"Bob's WETH paid to the keeper on {world.collateral.node.spec.name}",
                self._seized_to_keeper(world),
            )
        self.say("Bob's positions and WETH went to the keeper")

    def settle_and_pay_out(self, series: Series) -> dict[str, Decimal]:
        parties = [self.maker, self.alice, self.bob, self.keeper]
        self.wait(
            "settlement at expiry",
            lambda: all(not p.market.account(p.address).positions for p in parties),
            timeout=SETTLEMENT_TIMEOUT_S,
        )
        self.say("both series settled at expiry")
        owed = {p.address: p.market.cash(p.address) for p in parties}
        before = {p.address: p.vault.balance(self.home.usd, p.address) for p in parties}
        for party in parties:
            for order in party.market.orders(party.address):
                party.market.cancel(order.id)
            if owed[party.address] > 0:
                party.market.withdraw(
                    self.home.domain, self.home.usd, owed[party.address], party.address
                )
        self.wait(
            "every withdrawal paid on the collateral chain",
            lambda: all(
                p.vault.balance(self.home.usd, p.address) == before[p.address] + owed[p.address]
                for p in parties
            ),
        )
        self.say("everyone withdrew what the market owed them")
        return owed

    def wait(self, what: str, done: Callable[[], bool], timeout: float = STEP_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.agents.check_alive()
            if time.monotonic() > deadline:
                raise DemoStepTimedOut(what, timeout, self.agents.log_dir)
            time.sleep(0.1)

    def _spot_everywhere(self, price: Decimal) -> bool:
        chains: list[Chain] = [w.collateral for w in self.worlds] + [self.home.market_chain]
        return all(self.home.spot(chain) == price for chain in chains)

    def _credited(self) -> bool:
        bob = self.bob
        return (
            self.maker.market.cash(self.maker.address) == BANKROLL
            and self.keeper.market.cash(self.keeper.address) == BANKROLL
            and all(
                bob.market.credit(bob.address, w.domain, w.weth) == self.weth_each
                for w in self.worlds
            )
        )

    def _seized_to_keeper(self, world: World) -> Callable[[], bool]:
        keeper = world.party(self.cast.keeper)
        return lambda: keeper.vault.balance(world.weth, keeper.address) == self.weth_each

    def _list_put(self, owner: Party, strike: Decimal, expiry: int) -> int:
        return owner.market.list_series(
            strike=strike,
            expiry=expiry,
            is_call=False,
            tick_size=LOT,
            lot_size=LOT,
            max_price=Decimal(1000),
        )

    def _sell_with_just_enough_margin(
        self, seller: Party, series: int, price: Decimal, amount: Decimal, slack: int
    ) -> None:
        """The seller deposits what its order needs, plus `slack` dollars, and sells."""
        missing = self.home.missing_margin(seller, series, price, amount)
        self.home.fund(seller, self.home.usd, missing.quantize(Decimal(1)) + slack)
        self.wait(
            "enough margin to sell",
            lambda: self.home.missing_margin(seller, series, price, amount) == 0,
        )
        seller.market.place(series, is_bid=False, price=price, amount=amount)
