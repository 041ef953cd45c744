"""The vault client on live chains, against the vault the real deploy path puts
there: deposits send the CREDIT they say, reserves come and go, and what the vault
would refuse is named, with what to do, before any transaction."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account

from relayer.chains import devkeys
from relayer.chains.tx import Sender
from relayer.collateral.client import Flow
from relayer.collateral.messages import Credit, decode
from relayer.collateral.tokens import USD, VAULT_KEY, WETH
from relayer.errors import (
    InsufficientBalance,
    InvalidAmount,
    UnknownToken,
    VaultFlowPaused,
    VaultNotWired,
)
from tests.collateral.bed import OWNER, CollateralBed, deploy_bed, dispatched
from tests.conftest import Chains

pytestmark = pytest.mark.e2e

ALICE, BOB = (Account.from_key(k.get_secret_value()) for k in devkeys.USER_KEYS[:2])
WAD = 10**18


@pytest.fixture
def bed(chains: Chains, tmp_path: Path) -> CollateralBed:
    return deploy_bed(chains, tmp_path)


def test_deposits_send_credits_with_the_amount_account_token_and_a_fresh_id(
    bed: CollateralBed,
) -> None:
    alice = bed.client(ALICE)
    weth, usd = bed.token(WETH), bed.token(USD)
    assert alice.drip(weth) == Decimal(10)
    assert alice.drip(usd) == Decimal(10_000)

    deposits = [
        alice.deposit(weth, Decimal("1.5")),
        alice.deposit(weth, Decimal("0.000000000000000001")),
        alice.deposit(usd, Decimal(2500), BOB.address),
    ]
    expected = [
        (ALICE.address, weth, 15 * WAD // 10),
        (ALICE.address, weth, 1),
        (BOB.address, usd, 2500 * WAD),
    ]
    for deposit, (account, token, amount_wad) in zip(deposits, expected, strict=True):
        (body,) = dispatched(bed, deposit.tx_hash)
        credit = decode(body)
        assert credit == Credit(account, token, amount_wad, bytes.fromhex(deposit.deposit_id[2:]))
        assert (deposit.account, deposit.token, deposit.amount_wad) == (account, token, amount_wad)
    assert len({d.deposit_id for d in deposits}) == len({d.message_id for d in deposits}) == 3
    assert alice.committed(weth) == Decimal("1.500000000000000001")
    assert alice.committed(usd) == Decimal(2500)
    assert alice.balance(weth, ALICE.address) == Decimal("8.499999999999999999")


def test_reserve_is_parked_and_taken_back_and_auto_top_up_toggles(bed: CollateralBed) -> None:
    alice = bed.client(ALICE)
    usd = bed.token(USD)
    alice.drip(usd)
    alice.deposit_reserve(usd, Decimal(4000))
    assert alice.reserve(ALICE.address, usd) == Decimal(4000)
    assert alice.committed(usd) == 0  # reserve is never credited
    alice.withdraw_reserve(usd, Decimal("1500.25"), BOB.address)
    assert alice.reserve(ALICE.address, usd) == Decimal("2499.75")
    assert alice.balance(usd, BOB.address) == Decimal("1500.25")
    assert not alice.auto_top_up(ALICE.address)
    alice.set_auto_top_up(True)
    assert alice.auto_top_up(ALICE.address)
    with pytest.raises(InsufficientBalance, match=r"2499\.75 USD in reserve"):
        alice.withdraw_reserve(usd, Decimal(2500))


def test_the_views_show_what_deploy_listed(bed: CollateralBed) -> None:
    listings = {lst.symbol: lst for lst in bed.client().listed_tokens()}
    weth, usd = listings["WETH"], listings["USD"]
    assert weth.feed == bed.address("PriceFeed:ETH/USD")
    assert (weth.haircut, weth.max_age, weth.decimals) == (Decimal("0.1"), 180, 18)
    assert (weth.bucket.capacity, weth.bucket.refill_per_second) == (Decimal(1000), Decimal(1))
    assert (usd.feed, usd.haircut, usd.max_age) == (None, Decimal(0), 0)
    assert usd.bucket.available == Decimal(1_000_000)


def test_what_the_vault_would_refuse_is_named_before_sending(bed: CollateralBed) -> None:
    alice = bed.client(ALICE)
    weth = bed.token(WETH)
    with pytest.raises(InsufficientBalance, match="crossflow faucet"):
        alice.deposit(weth, Decimal(1))
    with pytest.raises(UnknownToken, match="WETH, USD"):
        alice.deposit(bed.address("Mailbox"), Decimal(1))
    alice.drip(weth)
    with pytest.raises(InvalidAmount):
        alice.deposit(weth, Decimal("0.0000000000000000001"))
    vault = bed.contract(VAULT_KEY, "ICollateralVault")
    Sender(bed.collateral.web3, OWNER, bed.domain).transact(
        vault.functions.pause(int(Flow.DEPOSITS)), "pause"
    )
    assert alice.paused(Flow.DEPOSITS)
    with pytest.raises(VaultFlowPaused, match="deposits are paused"):
        alice.deposit(weth, Decimal(1))


def test_an_unwired_vault_says_the_market_is_missing(chains: Chains, tmp_path: Path) -> None:
    bed = deploy_bed(chains, tmp_path, wire=False)
    alice = bed.client(ALICE)
    alice.drip(bed.token(WETH))
    with pytest.raises(VaultNotWired, match="crossflow deploy"):
        alice.deposit(bed.token(WETH), Decimal(1))
