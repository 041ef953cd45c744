"""Follows the market's events from the keeper's checkpoint to learn every account
and every (domain, token) credit it may hold: a small fixed loop of plan the range
(bounded, lagging the head by `confirmations`) → fetch logs → decode → persist the
findings and the checkpoint together.

Series need no following: `seriesCount` and `series(id)` list them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import FilterParams, LogReceipt

from relayer.keeper.store import CreditKey, KeeperStore

ZERO_ADDRESS = "0x" + "00" * 20
# Each event, and the arguments in it that name an account.
ACCOUNT_ARGS = {
    "CollateralCredited": ("account",),
    "OrderPlaced": ("owner",),
    "Traded": ("maker", "taker"),
    "Liquidated": ("liquidator", "account"),
    "PositionLiquidated": ("liquidator", "account"),
}


@dataclass(frozen=True)
class Followed:
    from_block: int
    to_block: int
    new_accounts: int
    lag_blocks: int  # head minus the checkpoint after this step


class MarketFollower:
    def __init__(
        self,
        web3: Web3,
        market: Contract,
        store: KeeperStore,
        *,
        start_block: int,
        confirmations: int,
        max_block_range: int,
    ) -> None:
        self.web3 = web3
        self.market = market
        self.store = store
        self.start_block = start_block
        self.confirmations = confirmations
        self.max_block_range = max_block_range
        self._events = {name: getattr(market.events, name)() for name in ACCOUNT_ARGS}
        self._by_topic = {HexBytes(e.topic): e for e in self._events.values()}

    def follow(self) -> Followed:
        """Reads every block up to the head less the confirmations, one bounded range
        at a time, recording each range's findings with its checkpoint."""
        head = int(self.web3.eth.block_number)
        target = head - self.confirmations
        checkpoint = self.store.checkpoint()
        first = checkpoint + 1 if checkpoint is not None else self.start_block
        start, known, found = first, set(self.store.accounts()), 0
        while start <= target:
            end = min(target, start + self.max_block_range - 1)
            accounts, credits = self._scan(start, end)
            new = {a: b for a, b in accounts.items() if a not in known}
            self.store.record_events(end, new, credits)
            known.update(new)
            found += len(new)
            start = end + 1
        done = self.store.checkpoint()
        return Followed(first, target, found, head - (done if done is not None else head))

    def _scan(self, start: int, end: int) -> tuple[dict[str, int], set[CreditKey]]:
        params: FilterParams = {
            "address": self.market.address,
            "fromBlock": start,
            "toBlock": end,
            "topics": [[topic.to_0x_hex() for topic in self._by_topic]],
        }
        accounts: dict[str, int] = {}
        credits: set[CreditKey] = set()
        for log in self.web3.eth.get_logs(params):
            self._decode(log, accounts, credits)
        return accounts, credits

    def _decode(self, log: LogReceipt, accounts: dict[str, int], credits: set[CreditKey]) -> None:
        event = self._by_topic.get(HexBytes(log["topics"][0]))
        if event is None:
            return
        args = event.process_log(log)["args"]
        block = int(log["blockNumber"])
        for name in ACCOUNT_ARGS[event.event_name]:
            address = Web3.to_checksum_address(args[name])
            if address != Web3.to_checksum_address(ZERO_ADDRESS):
                accounts.setdefault(address, block)
        if event.event_name == "CollateralCredited":
            token = Web3.to_checksum_address(args["token"])
            credits.add(CreditKey(Web3.to_checksum_address(args["account"]), args["domain"], token))
