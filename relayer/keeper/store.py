"""The keeper's state file (SQLite, WAL, one file): which market it follows, the
block its event follower has read up to, every account and (domain, token) credit
it has seen, what it last told `pokeFeeds`, and every transaction it sent.

The checkpoint and what was found below it are written in one transaction, so a
kill between the two never loses an account. Actions are a record for operators
(`crossflow keep` prints the latest on start), never a reason to act or not: each
poll decides from the chain alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from relayer.errors import KeeperStateOfAnotherMarket, StoreUnavailable

BUSY_TIMEOUT_S = 5.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (address TEXT PRIMARY KEY, first_block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS credit_keys (
    account TEXT NOT NULL, domain INTEGER NOT NULL, token TEXT NOT NULL,
    PRIMARY KEY (account, domain, token)
);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    block INTEGER NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class CreditKey:
    account: str
    domain: int
    token: str


@dataclass(frozen=True)
class Action:
    at: float
    block: int
    kind: str  # pokeFeeds, liquidate, marginCall, closeMarginCall, cancelOrdersOf, settle...
    target: str  # the account, or `series N`
    tx_hash: str
    detail: str


class KeeperStore:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path) -> KeeperStore:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as err:
            raise StoreUnavailable(path, str(err)) from err
        return cls(conn, path)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> KeeperStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def bind(self, market: str) -> None:
        """Tie the file to `market`; a file of another market is refused."""
        bound = self._meta("market")
        if bound is None:
            self._set_meta("market", market.lower())
        elif bound != market.lower():
            raise KeeperStateOfAnotherMarket(self.path, bound, market.lower())

    # the event follower

    def checkpoint(self) -> int | None:
        """The last block whose events are recorded, or None before the first."""
        value = self._meta("checkpoint")
        return int(value) if value is not None else None

    def record_events(
        self, to_block: int, accounts: dict[str, int], credit_keys: Iterable[CreditKey]
    ) -> None:
        """Accounts (with the block each was first seen at) and credit keys found up
        to `to_block`, and the checkpoint moved to it, all at once."""
        with self._transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO accounts (address, first_block) VALUES (?, ?)",
                accounts.items(),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO credit_keys (account, domain, token) VALUES (?, ?, ?)",
                [(k.account, k.domain, k.token) for k in credit_keys],
            )
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('checkpoint', ?)",
                (str(to_block),),
            )

    def accounts(self) -> list[str]:
        rows = self._conn.execute("SELECT address FROM accounts ORDER BY first_block, address")
        return [str(row[0]) for row in rows]

    def credit_keys(self) -> list[CreditKey]:
        rows = self._conn.execute("SELECT account, domain, token FROM credit_keys")
        return [CreditKey(str(a), int(d), str(t)) for a, d, t in rows]

    # pokeFeeds

    def poked_fresh(self) -> bool | None:
        """Whether the feeds were fresh when the keeper last poked, None if it never did."""
        value = self._meta("poked_fresh")
        return None if value is None else value == "1"

    def set_poked_fresh(self, fresh: bool) -> None:
        self._set_meta("poked_fresh", "1" if fresh else "0")

    # actions

    def record_action(self, action: Action) -> None:
        self._conn.execute(
            "INSERT INTO actions (at, block, kind, target, tx_hash, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (action.at, action.block, action.kind, action.target, action.tx_hash, action.detail),
        )

    def actions(self, limit: int = 100) -> list[Action]:
        """The latest `limit` actions, oldest first."""
        rows = self._conn.execute(
            "SELECT at, block, kind, target, tx_hash, detail FROM actions ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [Action(float(r[0]), int(r[1]), *map(str, r[2:])) for r in reversed(rows)]

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
