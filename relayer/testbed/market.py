"""An options market on a live chain for the e2e tests: the real price feeds (through
the deploy path) with signed prices, and the market behind its test harness, whose
`creditForTest` stands in for the deposits the cross-chain issue brings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.types import RPCEndpoint

from relayer.chains import devkeys
from relayer.chains.tx import Sender
from relayer.market.client import MarketClient
from relayer.market.units import to_wad
from relayer.oracle.feeds import ETH_IV, ETH_USD, FeedSpec, read_latest
from relayer.oracle.report import PriceReport, sign_report
from relayer.settings import RiskSettings
from relayer.testbed.net import Chain, contracts, deploy_feeds
from relayer.testbed.risk_harness import params_struct

OWNER = Account.from_key(devkeys.DEPLOYER_KEY.get_secret_value())
FEED_POSTER = Account.from_key(devkeys.FEEDER_KEY.get_secret_value())
ORACLE_SIGNERS = [Account.from_key(k.get_secret_value()) for k in devkeys.ORACLE_SIGNER_KEYS]
# Stands in for test USD until the vaults bring real deposits.
QUOTE_TOKEN = Web3.to_checksum_address("0x" + "00" * 19 + "5d")
MAX_AGE_S = 3600
MAX_FILLS = 20
LATENCY_S = 600
ZERO = "0x" + "00" * 20
MODULES = ("MarketAdmin", "MarketCollateral")
# A 10-minute margin-call window, a 5-minute grace after a stale feed, a 20% bonus.
LIQUIDATION = (600, 300, 2 * 10**17)


@dataclass
class MarketBed:
    chain: Chain
    market: Contract
    spot: Contract
    vol: Contract
    _senders: dict[str, Sender] = field(default_factory=dict)

    def sender(self, account: LocalAccount) -> Sender:
        """One Sender per account, so their local nonces never disagree."""
        if account.address not in self._senders:
            self._senders[account.address] = Sender(self.chain.web3, account, self.chain_id)
        return self._senders[account.address]

    @property
    def chain_id(self) -> int:
        return int(self.chain.node.spec.chain_id)

    def client(self, account: LocalAccount) -> MarketClient:
        return MarketClient(self.market, self.sender(account))

    def fund(self, account: str, usd: Decimal) -> None:
        call = self.market.functions.creditForTest(account, self.chain_id, QUOTE_TOKEN, to_wad(usd))
        self.sender(OWNER).transact(call, "creditForTest")

    def post_prices(self, spot: float, vol: float) -> None:
        """One signed round of each feed, stamped with the chain's latest block time."""
        now = self.now()
        for feed, spec, value in ((self.spot, ETH_USD, spot), (self.vol, ETH_IV, vol)):
            _post(self, feed, spec, spec.to_answer(value), now)

    def now(self) -> int:
        """The chain's time: its latest block's timestamp."""
        return int(self.chain.web3.eth.get_block("latest")["timestamp"])

    def advance(self, seconds: int) -> None:
        """Move the chain's clock on and mine a block at the new time."""
        provider = self.chain.web3.provider
        provider.make_request(RPCEndpoint("evm_increaseTime"), [seconds])
        provider.make_request(RPCEndpoint("evm_mine"), [])


def deploy_market_bed(chain: Chain, manifest_dir: Path, risk: RiskSettings) -> MarketBed:
    manifest = deploy_feeds([chain], manifest_dir)
    deployment = manifest.chain(chain.node.spec.chain_id)
    feed_abi = contracts().get("PriceFeed").abi
    spot, vol = (
        chain.web3.eth.contract(
            address=Web3.to_checksum_address(deployment.contracts[spec.manifest_key]), abi=feed_abi
        )
        for spec in (ETH_USD, ETH_IV)
    )
    owner = Sender(chain.web3, OWNER, chain.node.spec.chain_id)
    engine = owner.deploy(contracts().get("MarginEngine")).address
    params = (params_struct(risk), MAX_AGE_S, MAX_AGE_S, MAX_FILLS, 0, 0)
    # No mailbox: this bed's collateral arrives through the harness's creditForTest.
    setup = (OWNER.address, engine, spot.address, vol.address, OWNER.address, OWNER.address, ZERO)
    modules = [owner.deploy(contracts().get(name), setup).address for name in MODULES]
    address = owner.deploy(
        contracts().get("OptionsMarketHarness"), setup, params, LIQUIDATION, *modules
    ).address
    # Users see the market through IOptionsMarket: its modules answer by delegatecall.
    harness_only = [
        e for e in contracts().get("OptionsMarketHarness").abi if e.get("name") == "creditForTest"
    ]
    market = chain.web3.eth.contract(
        address=address, abi=contracts().get("IOptionsMarket").abi + harness_only
    )
    domain = chain.node.spec.chain_id
    owner.transact(market.functions.setQuoteToken(domain, QUOTE_TOKEN, 18), "setQuoteToken")
    owner.transact(market.functions.setDomainLatency(domain, LATENCY_S), "setDomainLatency")
    bed = MarketBed(chain, market, spot, vol, {OWNER.address: owner})
    bed.post_prices(3000.0, 0.6)
    return bed


def _post(bed: MarketBed, feed: Contract, spec: FeedSpec, answer: int, now: int) -> None:
    report = PriceReport(spec.id, answer, now, read_latest(feed).round_id + 1)
    signatures = sign_report(report, ORACLE_SIGNERS[: devkeys.ORACLE_THRESHOLD])
    bed.sender(FEED_POSTER).transact(feed.functions.submit(report.as_tuple(), signatures), "submit")
