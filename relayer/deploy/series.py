"""The option series a network's market lists at deploy time. A series is known by
its strike, expiry and type (the market refuses a second listing of those terms), so
one already listed is kept as it is, and one whose expiry has passed is skipped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from eth_account import Account
from pydantic import SecretStr
from web3 import Web3

from relayer.chains.chain import connect
from relayer.chains.compiler import Contracts, load_contracts
from relayer.chains.manifest import Manifest
from relayer.deploy.collateral import MARKET_KEY
from relayer.deploy.journal import Journal, deploy_sender
from relayer.market.client import MarketClient


@dataclass(frozen=True)
class SeriesTerms:
    strike: Decimal  # quote units
    expiry: int  # unix seconds
    is_call: bool
    tick_size: Decimal  # premium step, quote units
    lot_size: Decimal  # contracts per lot
    max_price: Decimal  # highest premium the book takes, quote units

    @property
    def label(self) -> str:
        when = datetime.fromtimestamp(self.expiry, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return f"{'call' if self.is_call else 'put'} {self.strike:f} expiring {when}"


def list_series(
    manifest: Manifest,
    *,
    deployer_key: SecretStr,
    series: Sequence[SeriesTerms],
    contracts: Contracts | None = None,
    journal: Journal | None = None,
) -> list[str]:
    """Lists on the market each of `series` it does not list yet; returns a note for
    each one skipped because it has expired."""
    if not series:
        return []
    chain = manifest.market_chain()
    web3 = connect(chain.rpc_url, chain.chain_id)
    deployer = Account.from_key(deployer_key.get_secret_value())
    market = web3.eth.contract(
        address=Web3.to_checksum_address(manifest.address(chain, MARKET_KEY)),
        abi=(contracts or load_contracts()).get("IOptionsMarket").abi,
    )
    client = MarketClient(market, deploy_sender(web3, deployer, chain.chain_id, journal))
    listed = {(s.strike, s.expiry, s.is_call) for s in client.all_series()}
    now = int(web3.eth.get_block("latest")["timestamp"])
    notes = []
    for terms in series:
        if (terms.strike, terms.expiry, terms.is_call) in listed:
            continue
        if terms.expiry <= now:
            notes.append(f"series {terms.label} has expired on {chain.name}: not listed")
            continue
        client.list_series(
            strike=terms.strike,
            expiry=terms.expiry,
            is_call=terms.is_call,
            tick_size=terms.tick_size,
            lot_size=terms.lot_size,
            max_price=terms.max_price,
        )
    return notes
