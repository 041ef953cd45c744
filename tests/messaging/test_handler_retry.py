"""Failed handlers on live chains: a handler that reverts until some state changes
(a rate-limited stand-in for a vault's outflow bucket) is recorded failed, not
delivered; the channel moves on; the relayer reruns it by itself once a simulated
retry passes, spending no gas before; the CLI and the metrics say so at each step."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from eth_abi.abi import encode
from eth_account import Account
from eth_utils.crypto import keccak

from relayer.chains import devkeys
from relayer.chains.tx import Sender
from relayer.messaging.revert_reasons import RevertReasons
from relayer.messaging.service import RelayService
from relayer.messaging.store import MessageState, Store
from relayer.testbed.net import contracts, deploy_net, relay_settings, run_until, service
from tests.conftest import COLLATERAL_CHAIN_ID as COLLATERAL
from tests.conftest import MARKET_CHAIN_ID as MARKET
from tests.conftest import Chains
from tests.console import assert_one_line_error
from tests.messaging.test_relay_liveness import crossflow, state

pytestmark = pytest.mark.e2e

ROUTE = f"{COLLATERAL}->{MARKET}"
RELAYER = Account.from_key(devkeys.RELAYER_KEY.get_secret_value())
DEPLOYER = Account.from_key(devkeys.DEPLOYER_KEY.get_secret_value())
# Reruns every few tens of milliseconds, so a test sees many of them in a second.
FAST_RERUNS = {"handler_retry_base": 0.02, "handler_retry_max": 0.1}


def sample(relay: RelayService, name: str, **labels: str) -> float:
    return relay.metrics.registry.get_sample_value(name, labels) or 0.0


def iterate_for(relay: RelayService, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        relay.iteration()
        time.sleep(0.01)


def test_a_rate_limited_handler_is_failed_until_the_limit_refills_then_rerun_by_the_relayer(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path)
    limited = net.deploy_helper(MARKET, "RateLimitedRecipient", 1)
    first = net.dispatch(COLLATERAL, MARKET, b"release 1", recipient=limited.address)
    over = net.dispatch(COLLATERAL, MARKET, b"release 2", recipient=limited.address)
    net.dispatch(COLLATERAL, MARKET, b"behind it")
    settings = relay_settings(tmp_path, **FAST_RERUNS)
    web3 = chains.market.web3
    with Store.open(settings.store) as store:
        relay = service(net, settings, store)
        run_until([relay], lambda: net.received(MARKET, COLLATERAL) == [b"behind it"])
        assert state(store, first.id) is MessageState.DELIVERED
        assert state(store, over.id) is MessageState.FAILED  # delivered, but not handled
        net.dispatch(COLLATERAL, MARKET, b"later")  # the channel does not wait for it
        run_until([relay], lambda: net.received(MARKET, COLLATERAL) == [b"behind it", b"later"])

        relayer_nonce = web3.eth.get_transaction_count(RELAYER.address)
        iterate_for(relay, 0.5)
        assert web3.eth.get_transaction_count(RELAYER.address) == relayer_nonce  # no gas burnt
        failed = store.message(over.id)
        assert failed is not None
        assert failed.state is MessageState.FAILED
        assert failed.handler_retries >= 3
        assert failed.attempts == 0
        assert "RateLimitedRecipientExhausted(origin=31337, body=0x72656c656173652032" in (
            failed.last_error
        )
        assert sample(relay, "crossflow_messages_by_state", state="failed") == 1
        assert sample(relay, "crossflow_messages_total", route=ROUTE, status="failed") == 1
        assert sample(relay, "crossflow_messages_total", route=ROUTE, status="delivered") == 3
        still = sample(
            relay, "crossflow_handler_retries_total", route=ROUTE, outcome="still_reverts"
        )
        assert still == failed.handler_retries
        listed = json.loads(crossflow(tmp_path, "messages", "--state", "failed", "--json").stdout)
        assert [(m["id"], m["state"]) for m in listed] == [(over.id, "failed")]
        assert listed[0]["handler_retries"] >= failed.handler_retries
        assert listed[0]["next_handler_retry_at"] is not None

        Sender(web3, DEPLOYER, MARKET).transact(limited.functions.refill(1), "refill")
        run_until([relay], lambda: state(store, over.id) is MessageState.DELIVERED)
        relay.iteration()
        assert [bytes(b) for b in limited.functions.handled().call()] == [
            b"release 1",
            b"release 2",
        ]
        assert store.timeline(over.id)[-1].detail.startswith("handler rerun by the relayer in tx")
        assert sample(relay, "crossflow_messages_by_state", state="failed") == 0
        assert sample(relay, "crossflow_messages_by_state", state="delivered") == 4
        assert (
            sample(relay, "crossflow_handler_retries_total", route=ROUTE, outcome="delivered") == 1
        )
        assert sample(relay, "crossflow_messages_total", route=ROUTE, status="delivered") == 4

    shown = json.loads(crossflow(tmp_path, "messages", "--json").stdout)
    assert {m["state"] for m in shown} == {"delivered"}
    again = crossflow(tmp_path, "messages", "retry", over.id)
    assert_one_line_error(again, "does not hold message", "as failed")


def test_automatic_reruns_give_a_handler_no_more_gas_than_a_delivery_does(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path)
    thirsty = net.deploy_helper(MARKET, "ThirstyRecipient", 400_000)  # handler gas is 200k
    costly = net.dispatch(COLLATERAL, MARKET, b"needs 400k", recipient=thirsty.address)
    settings = relay_settings(tmp_path, **FAST_RERUNS)
    web3 = chains.market.web3
    with Store.open(settings.store) as store:
        relay = service(net, settings, store)
        run_until([relay], lambda: state(store, costly.id) is MessageState.FAILED)
        relayer_nonce = web3.eth.get_transaction_count(RELAYER.address)
        iterate_for(relay, 0.4)
        assert web3.eth.get_transaction_count(RELAYER.address) == relayer_nonce
        row = store.message(costly.id)
        assert row is not None
        assert row.state is MessageState.FAILED
        assert row.handler_retries >= 1
        assert "handler still reverts within" in row.last_error
        assert "FailedCall() 0xd6bda275, maybe out of gas: `crossflow messages retry" in (
            row.last_error
        )

    rerun = crossflow(tmp_path, "messages", "retry", costly.id)  # the operator's decision
    assert rerun.returncode == 0, rerun.stderr
    assert thirsty.functions.handled().call() == 1
    with Store.open(settings.store) as store:
        assert state(store, costly.id) is MessageState.DELIVERED
        assert store.timeline(costly.id)[-1].detail.startswith("handler rerun by an operator")


def test_a_handler_rerun_by_someone_else_is_recorded_delivered(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path)
    limited = net.deploy_helper(MARKET, "RateLimitedRecipient", 0)
    held = net.dispatch(COLLATERAL, MARKET, b"release", recipient=limited.address)
    settings = relay_settings(tmp_path, handler_retry_base=30.0, handler_retry_max=30.0)
    with Store.open(settings.store) as store:
        relay = service(net, settings, store)
        run_until([relay], lambda: state(store, held.id) is MessageState.FAILED)
        iterate_for(relay, 0.1)  # one rerun simulated; the next is half a minute away
        row = store.message(held.id)
        assert row is not None
        assert row.handler_retries == 1
        user = Sender(chains.market.web3, DEPLOYER, MARKET)
        user.transact(limited.functions.refill(1), "refill")
        user.transact(net.mailboxes[MARKET].functions.retry(row.raw), "retry")
        rerun = crossflow(tmp_path, "messages", "retry", held.id)
        assert_one_line_error(rerun, "does not hold message")
        assert state(store, held.id) is MessageState.DELIVERED
        assert store.timeline(held.id)[-1].detail == "handler rerun, found on chain"


def test_a_handler_that_failed_in_another_relayers_batch_is_recorded_failed(
    chains: Chains, tmp_path: Path
) -> None:
    """Our batch still carries a message another relayer delivered first: the mailbox
    skips it, and the store must ask the chain whether its handler failed."""
    net = deploy_net(list(chains), tmp_path)
    ours = relay_settings(tmp_path / "ours")
    other = relay_settings(tmp_path / "other")
    with Store.open(ours.store) as our_store, Store.open(other.store) as other_store:
        stale, quick = service(net, ours, our_store), service(net, other, other_store)
        net.dispatch(COLLATERAL, MARKET, b"first")
        run_until([stale], lambda: net.received(MARKET, COLLATERAL) == [b"first"])
        rejected = net.dispatch(COLLATERAL, MARKET, b"\xff rejected by the recipient")
        run_until([quick], lambda: state(other_store, rejected.id) is MessageState.FAILED)
        run_until([stale], lambda: state(our_store, rejected.id) is MessageState.FAILED)
        row = our_store.message(rejected.id)
        assert row is not None
        assert row.submit_tx is not None  # it went out in our batch and was skipped


def test_revert_data_is_named_from_the_compiled_contracts() -> None:
    reasons = RevertReasons(artifact.abi for artifact in contracts())
    selector = keccak(b"RecordingRecipientRejected(uint32,address,bytes)")[:4]
    data = selector + encode(["uint32", "address", "bytes"], [7, "0x" + "ab" * 20, b"\xff"])
    assert reasons.name(data) == "RecordingRecipientRejected"
    assert reasons.describe(data) == (
        f"RecordingRecipientRejected(origin=7, sender=0x{'ab' * 20}, body=0xff) 0x{data.hex()}"
    )
    text = bytes.fromhex("08c379a0") + encode(["string"], ["nope"])
    assert reasons.describe(text) == f"Error('nope') 0x{text.hex()}"
    assert reasons.describe(b"\x01\x02\x03\x04") == "0x01020304"
    assert (
        reasons.describe(selector + b"\x00") == f"RecordingRecipientRejected 0x{selector.hex()}00"
    )
