"""The oracle's last round of every feed on every chain, aged by that chain's own
clock (a report is stamped with the time it was signed for, and the contracts
judge staleness by block time)."""

from __future__ import annotations

from decimal import Decimal

from web3 import Web3

from relayer.chains.compiler import Contracts
from relayer.chains.manifest import Manifest
from relayer.oracle.feeds import FEEDS, read_latest
from relayer.status.chains import Live
from relayer.status.model import FeedStatus


def read_feeds(
    manifest: Manifest, live: Live, contracts: Contracts, max_age: float
) -> list[FeedStatus]:
    abi = contracts.get("PriceFeed").abi
    found = []
    for chain in manifest.chains:
        reached = live.get(chain.domain)
        for spec in (s for s in FEEDS if s.manifest_key in chain.contracts):
            where = {"chain": chain.name, "chain_id": chain.chain_id, "feed": spec.name}
            if reached is None:
                found.append(FeedStatus(**where, state="down"))
                continue
            feed = reached.web3.eth.contract(
                address=Web3.to_checksum_address(chain.contracts[spec.manifest_key]), abi=abi
            )
            latest = read_latest(feed)
            if latest.round_id == 0:
                found.append(FeedStatus(**where, state="no data"))
                continue
            age = reached.head_time - latest.updated_at
            found.append(
                FeedStatus(
                    **where,
                    state="fresh" if age <= max_age else "stale",
                    round_id=latest.round_id,
                    answer=latest.answer,
                    value=Decimal(latest.answer).scaleb(-spec.decimals),
                    updated_at=latest.updated_at,
                    age=age,
                )
            )
    return found
