"""`read_status` on a live deployment: messages in flight until the relay delivers
them, accounts with the numbers the ledger gives, margin calls, conservation, a
chain that is down, and the JSON and the tables holding the same numbers."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account
from rich.console import Console
from web3 import Web3

from relayer.chains import devkeys
from relayer.chains.anvil import free_ports
from relayer.collateral.client import Flow
from relayer.collateral.tokens import USD
from relayer.settings import Settings
from relayer.status import Status, print_status, read_status
from relayer.status.model import RouteStatus
from relayer.status.snapshot import NoChainAnswers
from relayer.testbed.net import contracts
from tests.conftest import Chains
from tests.e2e.story import (
    DEPLOYER,
    KEEPER,
    list_put,
)
from tests.status.bed import deploy_world, post_prices, relay

pytestmark = pytest.mark.e2e

BOB = Account.from_key(devkeys.USER_KEYS[1].get_secret_value())
WEEK = 7 * 86_400


def route(status: Status, origin: str, destination: str) -> RouteStatus:
    (found,) = (r for r in status.routes if r.origin == origin and r.destination == destination)
    return found


def test_a_deposit_is_in_flight_until_the_relay_delivers_it(chains: Chains, tmp_path: Path) -> None:
    world = deploy_world(chains, tmp_path)
    carol = world.party(DEPLOYER)
    settings = Settings()

    fresh = read_status(world.manifest, settings)
    assert fresh.ok, fresh.problems
    assert all(c.up and c.head is not None for c in fresh.chains)
    assert fresh.contracts
    assert all(c.code_matches for c in fresh.contracts)
    assert {f.state for f in fresh.feeds} == {"no data"}
    assert fresh.conservation is not None
    assert fresh.conservation.holds

    world.fund(carol, world.usd, Decimal(1000))
    sent = read_status(world.manifest, settings)
    credit_route = route(sent, "collateral-1", "market")
    assert (credit_route.dispatched, credit_route.delivered) == (1, 0)
    assert (credit_route.in_flight, credit_route.failed) == (1, 0)
    assert route(sent, "market", "collateral-1").in_flight == 0
    assert sent.conservation is not None
    assert sent.conservation.holds
    (usd,) = (line for line in sent.conservation.lines if line.is_quote)
    assert usd.token == USD.symbol
    assert usd.credits_in_flight == 1000

    with relay(world, tmp_path) as deliver:
        deliver(lambda: carol.market.cash(carol.address) == 1000)
    delivered = read_status(world.manifest, settings)
    credit_route = route(delivered, "collateral-1", "market")
    assert (credit_route.dispatched, credit_route.delivered, credit_route.in_flight) == (1, 1, 0)
    assert delivered.ok, delivered.problems
    (account,) = delivered.accounts
    assert account.address == carol.address
    assert account.cash == 1000
    assert account.health == "unvalued"  # no prices yet: the market values nobody
    assert any("PriceFeedNoData" in note for note in delivered.notes)


def test_accounts_and_margin_calls_show_what_the_ledger_says(
    chains: Chains, tmp_path: Path
) -> None:
    world = deploy_world(chains, tmp_path)
    carol, bob, keeper = (world.party(a) for a in (DEPLOYER, BOB, KEEPER))
    post_prices(world, 3000)
    series = list_put(carol, chains.market, Decimal(3000), life=WEEK)
    with relay(world, tmp_path) as deliver:
        world.fund(carol, world.usd, Decimal(20_000))
        deliver(lambda: carol.market.cash(carol.address) == 20_000)
        carol.market.place(series, is_bid=True, price=Decimal(100), amount=Decimal(1))
        missing = world.missing_margin(bob, series, Decimal(100), Decimal(1))
        world.fund(bob, world.usd, missing.quantize(Decimal(1)) + 2)
        deliver(lambda: world.missing_margin(bob, series, Decimal(100), Decimal(1)) == 0)
    bob.market.place(series, is_bid=False, price=Decimal(100), amount=Decimal(1))
    post_prices(world, 2990)  # Bob's short put loses: below IM, above MM
    call = keeper.market.margin_call(bob.address)

    status = read_status(world.manifest, Settings(), accounts=1)
    assert status.ok, status.problems
    assert status.accounts_total == 2
    (busiest,) = status.accounts  # Bob: the largest IM
    ledger = bob.market.account(bob.address)
    assert busiest.address == bob.address
    assert (busiest.equity, busiest.mm, busiest.im) == (ledger.equity, ledger.mm, ledger.im)
    assert (busiest.health, busiest.positions) == ("margin call", 1)
    (opened,) = status.margin_calls
    assert (opened.account, opened.call_id, opened.deficit) == (
        bob.address,
        call.call_id,
        call.deficit,
    )
    assert route(status, "market", "collateral-1").in_flight == 1  # the MARGIN_CALL
    assert {(f.chain, f.feed, f.state) for f in status.feeds if f.feed == "ETH/USD"} == {
        ("collateral-1", "ETH/USD", "fresh"),
        ("market", "ETH/USD", "fresh"),
    }
    assert {f.value for f in status.feeds if f.feed == "ETH/USD"} == {Decimal(2990)}
    assert status.funds is not None
    assert status.funds.bad_debt == 0
    assert status.conservation is not None
    assert status.conservation.holds

    as_json = json.loads(json.dumps(status.model_dump(mode="json")))
    (shown,) = as_json["accounts"]
    assert [Decimal(shown[k]) for k in ("equity", "mm", "im")] == [
        ledger.equity,
        ledger.mm,
        ledger.im,
    ]
    assert Decimal(as_json["margin_calls"][0]["deficit"]) == call.deficit
    assert as_json["conservation"]["holds"] is True
    assert Status.model_validate(as_json) == status

    console = Console(record=True, width=200, file=io.StringIO())
    print_status(status, console)
    drawn = console.export_text()
    for title in ("Chains of test", "Messages per route", "Busiest accounts", "Conservation"):
        assert title in drawn
    assert f"{ledger.im:,.4f}".rstrip("0") in drawn
    assert drawn.rstrip().endswith("ok")


def test_a_release_whose_handler_failed_counts_as_failed_until_a_retry_passes(
    chains: Chains, tmp_path: Path
) -> None:
    world = deploy_world(chains, tmp_path)
    carol = world.party(DEPLOYER)
    owner = world.owner.vault
    assert owner.sender is not None
    post_prices(world, 3000)
    with relay(world, tmp_path) as deliver:
        world.fund(carol, world.usd, Decimal(1000))
        deliver(lambda: carol.market.cash(carol.address) == 1000)
        owner.sender.transact(owner.vault.functions.pause(Flow.OUTFLOWS), "pause")
        withdrawal = carol.market.withdraw(world.domain, world.usd, Decimal(100), carol.address)
        mailbox = world.collateral.web3.eth.contract(
            address=Web3.to_checksum_address(
                world.manifest.chain(world.domain).contracts["Mailbox"]
            ),
            abi=contracts().get("Mailbox").abi,
        )
        deliver(lambda: mailbox.functions.delivered(withdrawal.message_id).call())

        paused = read_status(world.manifest, Settings())
        release_route = route(paused, "market", "collateral-1")
        assert (release_route.delivered, release_route.in_flight) == (1, 0)
        assert release_route.failed == 1
        assert paused.conservation is not None
        assert paused.conservation.holds  # the RELEASE moved nothing: still in flight there
        (usd,) = (line for line in paused.conservation.lines if line.is_quote)
        assert usd.payouts_in_flight == 100

        owner.sender.transact(owner.vault.functions.unpause(Flow.OUTFLOWS), "unpause")
        deliver(lambda: not mailbox.functions.failed(withdrawal.message_id).call())
    rerun = read_status(world.manifest, Settings())
    assert route(rerun, "market", "collateral-1").failed == 0
    assert rerun.ok, rerun.problems


def test_a_chain_that_is_down_is_shown_down_and_the_status_is_not_ok(
    chains: Chains, tmp_path: Path
) -> None:
    world = deploy_world(chains, tmp_path)
    nobody_listens = f"http://127.0.0.1:{free_ports(1)[0]}"
    manifest = world.manifest.model_copy(deep=True)
    manifest.chains[1].rpc_url = nobody_listens  # the market chain

    status = read_status(manifest, Settings())
    assert not status.ok
    collateral, market = status.chains
    assert collateral.up
    assert not market.up
    assert market.head is None
    assert any("market (chain 31338) is down" in p for p in status.problems)
    assert {c.code_matches for c in status.contracts if c.chain == "market"} == {None}
    assert {f.state for f in status.feeds if f.chain == "market"} == {"down"}
    to_market = route(status, "collateral-1", "market")
    assert (to_market.dispatched, to_market.delivered, to_market.in_flight) == (0, None, None)
    assert status.funds is None
    assert status.conservation is None
    console = Console(record=True, width=200, file=io.StringIO())
    print_status(status, console)
    assert console.export_text().rstrip().endswith("NOT OK")

    for chain in manifest.chains:
        chain.rpc_url = nobody_listens
    with pytest.raises(NoChainAnswers, match="no chain of network 'test' answers"):
        read_status(manifest, Settings())
