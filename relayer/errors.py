"""The one exception tree every crossflow error belongs to.

Each constructor takes the facts and builds the message, so the CLI can print
any of them as one line that says what went wrong and what to do.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit


class CrossflowError(Exception):
    """Root of every error a user can hit; `hint` says how to fix it."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} ({hint})" if hint else message)


class ConfigError(CrossflowError):
    """A configuration file or setting that cannot be used."""

    exit_code = 2


class InvalidConfig(ConfigError):
    def __init__(self, source: str, detail: str) -> None:
        super().__init__(
            f"invalid configuration in {source}: {detail}",
            "fix the value or remove it to use the default",
        )


class ToolchainError(CrossflowError):
    """A missing or unusable EVM tool (anvil, forge, cast, solc)."""

    exit_code = 3


class ToolNotFound(ToolchainError):
    def __init__(self, tool: str, searched: list[Path]) -> None:
        places = ", ".join(str(p) for p in searched) or "nowhere"
        super().__init__(
            f"{tool} not found (looked in {places} and on PATH)",
            f"run `make setup` to install the pinned toolchain, or set CROSSFLOW_{tool.upper()}",
        )


class CompilationFailed(ToolchainError):
    def __init__(self, errors: list[str]) -> None:
        first = errors[0] if errors else "the compiler returned no output"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(
            f"Solidity compilation failed: {first}{more}", "fix the contract and run again"
        )


class ChainError(CrossflowError):
    """A node that cannot be reached or is not the chain we expect."""

    exit_code = 4


def without_secrets(rpc_url: str) -> str:
    """An RPC URL as a message may show it: scheme, host and port only, since hosted
    nodes carry the API key in the path, the query or the user part."""
    parts = urlsplit(rpc_url)
    if not parts.hostname:
        return "the RPC URL"
    shown = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return shown + ("/…" if parts.path.strip("/") or parts.query or parts.username else "")


class NodeUnreachable(ChainError):
    def __init__(self, rpc_url: str, detail: str) -> None:
        super().__init__(
            f"no Ethereum node answers at {without_secrets(rpc_url)}: {detail}",
            "check the RPC URL, or start the local chains with `crossflow devnet up`",
        )


class ChainIdMismatch(ChainError):
    def __init__(self, rpc_url: str, expected: int, actual: int) -> None:
        super().__init__(
            f"the node at {without_secrets(rpc_url)} is chain {actual}, not chain {expected}",
            "point the RPC URL at the right network or fix the configured chain id",
        )


class DevnetError(CrossflowError):
    """Local devnet processes that cannot be started, found or stopped."""

    exit_code = 5


class PortInUse(DevnetError):
    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            f"port {port} on {host} is already in use",
            "stop whatever listens there, or pick other ports with --base-port",
        )


class NodeDidNotStart(DevnetError):
    def __init__(self, chain_id: int, port: int, reason: str, log_path: Path) -> None:
        self.chain_id = chain_id
        super().__init__(
            f"anvil for chain {chain_id} on port {port} did not come up: {reason}",
            f"see {log_path}",
        )


class DevnetAlreadyRunning(DevnetError):
    def __init__(self, state_file: Path) -> None:
        super().__init__(
            f"a devnet recorded in {state_file} is already running",
            "stop it with `crossflow devnet down` first",
        )


class InvalidManifest(ConfigError):
    def __init__(self, source: str, detail: str) -> None:
        super().__init__(
            f"invalid deployment manifest {source}: {detail}",
            "redeploy with `crossflow deploy` to rewrite it",
        )


class ManifestNotFound(ConfigError):
    def __init__(self, path: Path, network: str) -> None:
        super().__init__(
            f"no deployment manifest for network {network!r} at {path}",
            f"deploy first with `crossflow deploy --network {network}`",
        )


class StaleManifest(ConfigError):
    def __init__(self, path: Path, network: str, chain: str, chain_id: int, detail: str) -> None:
        super().__init__(
            f"{path} does not describe the running chains: {chain} (chain {chain_id}) {detail}",
            f"deploy to the running chains with `crossflow deploy --network {network}`",
        )


class PortfolioNotFound(ConfigError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"cannot read the portfolio {path}: {reason}",
            "give the path of a TOML portfolio, such as examples/covered_call.toml",
        )


class InvalidPortfolio(ConfigError):
    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"invalid portfolio {path}: {detail}",
            "examples/covered_call.toml shows the format",
        )


class NoMarketData(ConfigError):
    def __init__(self, missing: str, reason: str) -> None:
        super().__init__(
            f"no {missing} given, and no feed to read it from: {reason}",
            f"pass {missing}, or deploy with `crossflow deploy` and post prices with "
            "`crossflow feed`",
        )


class MissingKey(ConfigError):
    def __init__(self, what: str, variable: str) -> None:
        super().__init__(f"no {what} is configured", f"set {variable}")


class SignerNotInFeed(ConfigError):
    def __init__(self, signer: str, feed: str, chain_id: int) -> None:
        super().__init__(
            f"oracle key {signer} is not a signer of {feed} on chain {chain_id}",
            "use the keys the feed was deployed with (CROSSFLOW_FEED__SIGNER_KEYS), "
            "or have its owner call setSigners",
        )


class TooFewSigners(ConfigError):
    def __init__(self, have: int, feed: str, chain_id: int, threshold: int) -> None:
        super().__init__(
            f"{have} oracle key(s) configured, but {feed} on chain {chain_id} "
            f"needs {threshold} signatures",
            "add keys to CROSSFLOW_FEED__SIGNER_KEYS",
        )


class DeliveryError(CrossflowError):
    """A transaction the agents sent that did not do what it should."""

    exit_code = 7


class TransactionReverted(DeliveryError):
    def __init__(self, what: str, tx_hash: str, reason: str) -> None:
        self.reason = reason  # the custom error's name when the contract declares it
        super().__init__(f"{what} reverted in {tx_hash}: {reason}", "see the node log")


class AccountUnfunded(DeliveryError):
    def __init__(self, address: str, chain_id: int) -> None:
        super().__init__(
            f"account {address} has no ether for gas on chain {chain_id}",
            "fund it, or use a funded key",
        )


class RiskError(CrossflowError):
    """Inputs the margin model has no answer for: it refuses them rather than
    give a health verdict built on NaN."""

    exit_code = 8


class OutOfDomain(RiskError):
    def __init__(self, what: str, value: float, low: float, high: float) -> None:
        super().__init__(
            f"{what} {value:g} is outside the margin model's domain [{low:g}, {high:g}]",
            f"give a {what} in that range",
        )


class ShockTooLarge(RiskError):
    def __init__(self, account: int, shock: float) -> None:
        super().__init__(
            f"account {account}'s widened spot shock is {shock:.0%}: at 100% or more "
            "a scenario spot is not positive",
            "lower the vol or the account's latency_seconds",
        )


class NotFinite(RiskError):
    def __init__(self, account: int, quantity: str) -> None:
        super().__init__(
            f"the margin model has no finite {quantity} for account {account}",
            "every cash amount, quantity, strike and collateral amount must be a finite number",
        )


class StoreError(CrossflowError):
    """The agents' state file cannot be used, or a request breaks its rules."""

    exit_code = 6


class StoreUnavailable(StoreError):
    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"cannot use the state file {path}: {detail}",
            "check the path, its permissions and free disk space",
        )


class StoreTooNew(StoreError):
    def __init__(self, path: Path, found: int, supported: int) -> None:
        super().__init__(
            f"{path} was made by a newer crossflow (schema version {found}; "
            f"this one knows up to {supported})",
            "upgrade crossflow, or point it at another state file",
        )


class StoreOfAnotherDeployment(StoreError):
    def __init__(self, path: Path, domain: int, bound: str, wanted: str) -> None:
        super().__init__(
            f"the state file {path} holds the messages of the mailbox {bound} on domain "
            f"{domain}, not of {wanted}",
            "a new deployment needs a new state file: move this one away or set "
            "CROSSFLOW_RELAY__STORE",
        )


class UnknownMessage(StoreError):
    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        super().__init__(
            f"no message {message_id} in the state file", "list them with `crossflow messages`"
        )


class NotDeadLettered(StoreError):
    def __init__(self, message_id: str, state: str) -> None:
        super().__init__(
            f"message {message_id} is {state}, not dead-lettered, so there is nothing to requeue",
            "list dead letters with `crossflow messages --state dead_lettered`",
        )


class NotFailedOnChain(DeliveryError):
    def __init__(self, message_id: str, chain_id: int) -> None:
        super().__init__(
            f"the mailbox on chain {chain_id} does not hold message {message_id} as failed",
            "only a delivered message whose handler failed can be retried; "
            "it may have been retried already",
        )


class IllegalTransition(StoreError):
    def __init__(self, message_id: str, from_state: str, to_state: str) -> None:
        self.message_id = message_id
        self.from_state = from_state
        self.to_state = to_state
        super().__init__(
            f"message {message_id} cannot go from {from_state} to {to_state}",
            "its timeline shows how it got there",
        )


class AppMessageError(CrossflowError):
    """A body that is not a well-formed app message (vault ↔ market) of the type
    expected; the names and fields match `AppMessage.sol`'s errors."""

    exit_code = 9

    def __init__(self, message: str) -> None:
        super().__init__(message, "only bodies that AppMessage version 1 encodes decode")


class AppMessageTooShort(AppMessageError):
    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(f"an app message of {length} bytes is shorter than its 2-byte header")


class AppMessageUnknownType(AppMessageError):
    def __init__(self, kind: int) -> None:
        self.kind = kind
        super().__init__(f"app message type {kind} is not one of 1 (CREDIT) to 4 (MARGIN_CALL)")


class AppMessageWrongVersion(AppMessageError):
    def __init__(self, kind: int, version: int) -> None:
        self.kind = kind
        self.version = version
        super().__init__(f"an app message of type {kind} has version {version}, not 1")


class AppMessageWrongType(AppMessageError):
    def __init__(self, kind: int, expected: int) -> None:
        self.kind = kind
        self.expected = expected
        super().__init__(f"an app message of type {kind} was decoded as type {expected}")


class AppMessageWrongLength(AppMessageError):
    def __init__(self, kind: int, length: int, expected: int) -> None:
        self.kind = kind
        self.length = length
        self.expected = expected
        super().__init__(f"an app message of type {kind} is {length} bytes long, not {expected}")


class UnknownToken(ConfigError):
    def __init__(self, token: str, chain: str, known: list[str]) -> None:
        names = ", ".join(known) or "none"
        super().__init__(
            f"the vault on {chain} does not take {token} (it lists: {names})",
            "give one of those, by name or address",
        )


class InvalidAmount(ConfigError):
    def __init__(self, amount: str, symbol: str, decimals: int) -> None:
        super().__init__(
            f"{amount} {symbol} is not a positive amount of whole units of a "
            f"{decimals}-decimal token",
            f"give a positive amount with at most {decimals} decimals",
        )


class VaultNotWired(ConfigError):
    def __init__(self, chain: str, market_domain: int) -> None:
        super().__init__(
            f"the vault on {chain} has no market on domain {market_domain} to credit yet",
            "deploy the market and wire the vaults to it with `crossflow deploy`",
        )


class InsufficientBalance(DeliveryError):
    def __init__(self, account: str, what: str, have: str, need: str, hint: str) -> None:
        super().__init__(f"{account} has {have} {what}, and this needs {need}", hint)


class VaultFlowPaused(DeliveryError):
    def __init__(self, chain: str, flow: str) -> None:
        super().__init__(
            f"{flow} are paused on the vault on {chain}",
            "wait for the vault's owner to unpause them; reserve withdrawals still work",
        )


class FaucetTooSoon(DeliveryError):
    def __init__(self, account: str, symbol: str, next_drip_at: int) -> None:
        super().__init__(
            f"{account} already had its {symbol} from the faucet",
            f"drip again after unix time {next_drip_at}",
        )


class KeeperStateOfAnotherMarket(StoreError):
    def __init__(self, path: Path, bound: str, wanted: str) -> None:
        super().__init__(
            f"the keeper state file {path} follows the market {bound}, not {wanted}",
            "a new deployment needs a new state file: move it away or set "
            "CROSSFLOW_KEEPER__STATE_FILE",
        )
