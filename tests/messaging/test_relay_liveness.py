"""No single message, sender, validator or pause may halt a channel: the four ways
that used to stop one for good, each against live chains and the real relay loop,
and the operator's ways out of what is left (requeue, retry with more gas)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from eth_utils.crypto import keccak

from relayer.chains import devkeys
from relayer.chains.tx import Sender
from relayer.messaging.attestation import MailboxDomain, sign_attestation
from relayer.messaging.service import RelayService, Role
from relayer.messaging.store import MessageRow, MessageState, Store
from relayer.testbed.net import (
    VALIDATORS,
    MessagingNet,
    deploy_net,
    relay_settings,
    run_until,
    service,
)
from tests.conftest import COLLATERAL_CHAIN_ID as COLLATERAL
from tests.conftest import MARKET_CHAIN_ID as MARKET
from tests.conftest import Chains
from tests.console import CROSSFLOW, assert_one_line_error, clean_environment

pytestmark = pytest.mark.e2e

MAX_BODY = 8192
DEPLOYER = Account.from_key(devkeys.DEPLOYER_KEY.get_secret_value())
BLOCK_GAS_LIMIT = 30_000_000  # anvil's default


def crossflow(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_environment(
        CROSSFLOW_NETWORK="test",
        CROSSFLOW_MANIFEST_DIR=str(tmp_path),
        CROSSFLOW_RELAY__STORE=str(tmp_path / "relay.sqlite"),
        CROSSFLOW_RELAY__RELAYER_KEY=devkeys.RELAYER_KEY.get_secret_value(),
    )
    return subprocess.run(
        [str(CROSSFLOW), *args], env=env, capture_output=True, text=True, check=False
    )


def state(store: Store, message_id: str) -> MessageState | None:
    row = store.message(message_id)
    return row.state if row else None


def rows(store: Store) -> list[MessageRow]:
    return store.messages(limit=1000)


def hash_chain(bodies: list[bytes]) -> bytes:
    """CountingRecipient's digest of `bodies` handled once each, in this order."""
    digest = b"\0" * 32
    for body in bodies:
        digest = keccak(digest + body)
    return digest


# 1. a handler that burns all the gas it is given


def test_a_gas_burning_handler_is_recorded_failed_and_a_thirsty_one_retried_with_more_gas(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path)
    burner = net.deploy_helper(MARKET, "GasBurnerRecipient", 0)
    thirsty = net.deploy_helper(MARKET, "ThirstyRecipient", 400_000)
    hog = net.dispatch(COLLATERAL, MARKET, b"burn", recipient=burner.address)
    net.dispatch(COLLATERAL, MARKET, b"after the hog")
    costly = net.dispatch(COLLATERAL, MARKET, b"needs 400k", recipient=thirsty.address)
    net.dispatch(COLLATERAL, MARKET, b"after the thirsty one")
    settings = relay_settings(tmp_path)
    with Store.open(settings.store) as store:
        relay = service(net, settings, store)
        run_until([relay], lambda: len(net.received(MARKET, COLLATERAL)) == 2)
        assert net.received(MARKET, COLLATERAL) == [b"after the hog", b"after the thirsty one"]
        assert state(store, hog.id) is MessageState.FAILED
        assert state(store, costly.id) is MessageState.FAILED
        assert all(row.attempts == 0 for row in rows(store))
        (submit_tx,) = {row.submit_tx for row in rows(store) if row.submit_tx}
        receipt = chains.market.web3.eth.get_transaction_receipt(HexStr(submit_tx))
        assert receipt["gasUsed"] < 1_500_000  # four messages, one of them a hog

    retried = crossflow(tmp_path, "messages", "retry", costly.id)
    assert retried.returncode == 0, retried.stderr
    assert thirsty.functions.handled().call() == 1
    again = crossflow(tmp_path, "messages", "retry", hog.id, "--gas", "3000000")
    assert_one_line_error(again, "retry reverted")
    with Store.open(settings.store) as store:
        assert state(store, costly.id) is MessageState.DELIVERED
        assert state(store, hog.id) is MessageState.FAILED


# 2. a flood of maximum-size messages


@pytest.mark.parametrize(
    ("bound", "max_tx_bytes"), [("bytes", 120_000), ("gas", 2_000_000)], ids=["bytes", "gas"]
)
def test_a_flood_of_maximum_size_messages_drains_in_bounded_batches(
    chains: Chains, tmp_path: Path, bound: str, max_tx_bytes: int
) -> None:
    net = deploy_net(list(chains), tmp_path)
    counter = net.deploy_helper(MARKET, "CountingRecipient")
    bodies = []
    for part in range(3):
        prefix = bytes([part + 1]) * (MAX_BODY - 32)
        net.dispatch_many(COLLATERAL, MARKET, 30, prefix, recipient=counter.address)
        bodies += [prefix + i.to_bytes(32, "big") for i in range(30)]
    settings = relay_settings(tmp_path, max_tx_bytes=max_tx_bytes)
    with Store.open(settings.store) as store:
        relay = service(net, settings, store)
        run_until([relay], lambda: counter.functions.count(COLLATERAL).call() == 90, timeout=90)
        messages = rows(store)
    assert {row.state for row in messages} == {MessageState.DELIVERED}
    assert all(row.attempts == 0 for row in messages)
    assert bytes(counter.functions.digest(COLLATERAL).call()) == hash_chain(bodies)

    web3 = chains.market.web3
    sent = [
        web3.eth.get_transaction(HexStr(tx))
        for tx in {r.submit_tx for r in messages if r.submit_tx}
    ]
    assert len(sent) > 1
    assert all(len(tx["input"]) <= max_tx_bytes for tx in sent)
    assert all(tx["gas"] <= BLOCK_GAS_LIMIT * settings.block_gas_share for tx in sent)
    if bound == "gas":
        assert max(len(tx["input"]) for tx in sent) > 120_000  # bytes did not bind here


# 3. a long pause


class RelayerClock:
    """The relayer's own clock, run ahead so a test can wait ten minutes in seconds."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_a_ten_minute_pause_is_waited_out_and_delivery_resumes_in_order(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path)
    guardian = Sender(chains.market.web3, DEPLOYER, MARKET)
    guardian.transact(net.mailboxes[MARKET].functions.pause(), "pause")
    before = [f"before {i}".encode() for i in range(5)]
    for body in before:
        net.dispatch(COLLATERAL, MARKET, body)
    settings = relay_settings(tmp_path)  # the defaults gave up on paused messages in ~1 min
    with Store.open(settings.store) as store:
        relay = service(net, settings, store)
        clock = RelayerClock()
        assert relay.relayer is not None
        relay.relayer.clock = clock
        paused_at = clock.now
        while clock.now < paused_at + 600:
            relay.iteration()
            clock.now += 5
        assert all(row.attempts == 0 for row in rows(store))
        assert store.counts_by_state()["dead_lettered"] == 0
        gauge = {"chain": str(MARKET)}
        assert relay.metrics.registry.get_sample_value("crossflow_destination_paused", gauge) == 1

        Sender(chains.market.web3, DEPLOYER, MARKET).transact(
            net.mailboxes[MARKET].functions.unpause(), "unpause"
        )
        after = [b"sent after the unpause"]
        net.dispatch(COLLATERAL, MARKET, after[0])
        run_until([relay], lambda: net.received(MARKET, COLLATERAL) == before + after, timeout=30)
        assert relay.metrics.registry.get_sample_value("crossflow_destination_paused", gauge) == 0


# 4. one faulty validator below the threshold


def lowest_first() -> list[LocalAccount]:
    return sorted(VALIDATORS, key=lambda account: int(account.address, 16))


def publish_for_all(
    store: Store, validator: LocalAccount, signature: Callable[[str], bytes]
) -> None:
    for row in rows(store):
        if validator.address not in store.attestations(row.id):
            store.add_attestation(row.id, validator.address, signature(row.id))


def split_roles(
    net: MessagingNet, settings_path: Path, keys: list[LocalAccount]
) -> tuple[RelayService, RelayService]:
    settings = relay_settings(settings_path, validator_keys=[k.key.hex() for k in keys])
    store = Store.open(settings.store)
    return (
        service(net, settings, store, role=Role.VALIDATOR),
        service(net, settings, store, role=Role.RELAYER),
    )


@pytest.mark.parametrize("fault", ["malformed", "wrong chain"])
def test_a_faulty_validator_is_passed_over_while_two_honest_ones_deliver(
    chains: Chains, tmp_path: Path, fault: str
) -> None:
    net = deploy_net(list(chains), tmp_path, threshold=2)
    faulty, *honest = lowest_first()  # the relayer used to take the lowest signers first
    wrong_chain = MailboxDomain(1, net.mailboxes[MARKET].address)
    bad: Callable[[str], bytes] = {
        "malformed": lambda _: b"\x07" * 65,
        "wrong chain": lambda mid: sign_attestation(faulty, wrong_chain, mid),
    }[fault]
    bodies = [f"m{i}".encode() for i in range(6)]
    for body in bodies:
        net.dispatch(COLLATERAL, MARKET, body)
    validators, relayer = split_roles(net, tmp_path, honest)
    store = relayer.store
    deadline = time.monotonic() + 30
    while net.received(MARKET, COLLATERAL) != bodies:
        assert time.monotonic() < deadline, "the honest quorum never delivered"
        validators.iteration()
        publish_for_all(store, faulty, bad)  # there before the relayer looks
        relayer.iteration()
    assert all(row.attempts == 0 for row in rows(store))
    assert store.counts_by_state()["delivered"] == len(bodies)
    counted = relayer.metrics.registry.get_sample_value(
        "crossflow_invalid_signatures_total",
        {"destination": str(MARKET), "validator": faulty.address},
    )
    assert counted is not None
    assert counted >= 1
    store.close()


# what really cannot be delivered, and the way out


def signer_for(validator: LocalAccount, domain: MailboxDomain) -> Callable[[str], bytes]:
    return lambda message_id: sign_attestation(validator, domain, message_id)


def test_a_message_no_quorum_can_sign_is_dead_lettered_and_requeued_once_fixed(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path, threshold=2)
    lonely, *misconfigured = VALIDATORS
    stuck = net.dispatch(COLLATERAL, MARKET, b"stuck")
    behind = net.dispatch(COLLATERAL, MARKET, b"behind it")
    validators, relayer = split_roles(net, tmp_path, [lonely])
    store = relayer.store
    wrong_chain = MailboxDomain(1, net.mailboxes[MARKET].address)
    for _ in range(5):
        validators.iteration()
        for validator in misconfigured:
            publish_for_all(store, validator, signer_for(validator, wrong_chain))
        relayer.iteration()
    dead = store.message(stuck.id)
    assert dead is not None
    assert dead.state is MessageState.DEAD_LETTERED
    assert dead.last_error.startswith("no quorum possible")
    assert state(store, behind.id) is not MessageState.DELIVERED  # ordered: it waits
    settled = len(store.timeline(stuck.id))
    for _ in range(30):
        relayer.iteration()
    assert len(store.timeline(stuck.id)) == settled  # no hot loop on a dead letter

    listing = crossflow(tmp_path, "messages", "--state", "dead_lettered", "--json")
    (shown,) = json.loads(listing.stdout)
    assert (shown["id"], shown["state"]) == (stuck.id, "dead_lettered")

    target = MailboxDomain(MARKET, net.mailboxes[MARKET].address)
    for validator in misconfigured:  # the operators fix their validators, which re-sign
        for message in (stuck, behind):
            store.add_attestation(
                message.id, validator.address, sign_attestation(validator, target, message.id)
            )
    requeued = crossflow(tmp_path, "messages", "requeue", stuck.id)
    assert requeued.returncode == 0, requeued.stderr
    run_until([relayer], lambda: net.received(MARKET, COLLATERAL) == [b"stuck", b"behind it"])
    store.close()


def test_a_message_that_fits_no_batch_is_dead_lettered_until_the_bound_is_raised(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path)
    counter = net.deploy_helper(MARKET, "CountingRecipient")
    bodies = [b"small", b"L" * 5000, b"behind the large one"]
    sent = [net.dispatch(COLLATERAL, MARKET, body, counter.address) for body in bodies]
    tight = relay_settings(tmp_path, max_tx_bytes=4096)
    with Store.open(tight.store) as store:
        relay = service(net, tight, store)
        run_until([relay], lambda: state(store, sent[1].id) is MessageState.DEAD_LETTERED)
        for _ in range(20):
            relay.iteration()
        assert counter.functions.count(COLLATERAL).call() == 1
        dead = store.message(sent[1].id)
        assert dead is not None
        assert "fits no batch" in dead.last_error
        assert dead.attempts == 0

    refused = crossflow(tmp_path, "messages", "requeue", sent[0].id)
    assert_one_line_error(refused, "not dead-lettered")
    requeued = crossflow(tmp_path, "messages", "requeue", "--channel", str(COLLATERAL), str(MARKET))
    assert requeued.returncode == 0, requeued.stderr
    with Store.open(tight.store) as store:
        relay = service(net, relay_settings(tmp_path), store)
        run_until([relay], lambda: counter.functions.count(COLLATERAL).call() == len(bodies))
        assert {row.state for row in rows(store)} == {MessageState.DELIVERED}
    assert bytes(counter.functions.digest(COLLATERAL).call()) == hash_chain(bodies)


def test_handlers_that_failed_under_another_relayer_show_as_failed(
    chains: Chains, tmp_path: Path
) -> None:
    net = deploy_net(list(chains), tmp_path)
    rejected = net.dispatch(COLLATERAL, MARKET, b"\xff rejected by the recipient")
    accepted = net.dispatch(COLLATERAL, MARKET, b"accepted")
    other = relay_settings(tmp_path / "other")
    with Store.open(other.store) as other_store:
        run_until(
            [service(net, other, other_store)], lambda: len(net.received(MARKET, COLLATERAL)) == 1
        )
    ours = relay_settings(tmp_path, validator_keys=[])
    with Store.open(ours.store) as store:
        relay = service(net, ours, store, role=Role.RELAYER)
        run_until([relay], lambda: state(store, accepted.id) is MessageState.DELIVERED)
        assert state(store, rejected.id) is MessageState.FAILED
