// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";
import {IMessageApp} from "./IMessageApp.sol";

/// @title ICollateralVault
/// @notice Holds collateral on a collateral chain for the options market on the market chain
/// (docs/architecture.md §5): deposits become `CREDIT` messages to the market; the market's
/// `RELEASE` and `SEIZE` messages pay out, through a per-token rate limit; its `MARGIN_CALL`
/// messages move an opted-in account's reserve into committed collateral.
/// @dev Units: `amount` arguments and the `committed`/`reserve` views are in the token's own
/// smallest unit; messages, haircuts, prices, deficits and the outflow buckets are WADs (1e18 =
/// one whole token, or one quote unit, or 100%). A token of `d` decimals converts with
/// `10 ** (18 - d)`; only `d <= 18` is listed. Times are unix seconds.
///
/// Two kinds of holdings: **committed** collateral was credited (or is being credited) to the
/// market and leaves only on the market's `RELEASE` or `SEIZE`; **reserve** belongs to one
/// account on this chain alone, was never credited, and its owner withdraws it at any time, paused
/// or not, without the rate limit. A margin call moves reserve into committed; nothing else does.
/// At rest, for every token, `balanceOf(vault) == committed(token) + totalReserve(token)`, plus
/// whatever someone transferred in directly without `deposit`.
///
/// Every inbound message id is executed at most once per message type; a message that reverts
/// (rate limited, paused, malformed, out of gas) is recorded failed by the mailbox and anyone may
/// `retry` it. Gas: a payout takes well under the mailbox's default handler gas (200k), and so
/// does a top-up moving one or two tokens; one moving all `MAX_TOKENS` takes about 440k, so the
/// mailbox serving a vault should give handlers 500k. A top-up that runs out of gas moves nothing
/// and is retried with more gas before its deadline.
interface ICollateralVault is IMessageApp {
    /// @notice The flows the guardian can stop.
    /// @param Deposits `deposit`, `depositReserve` and auto top-ups (every new `CREDIT`).
    /// @param Outflows `RELEASE` and `SEIZE` payouts of committed collateral.
    enum Flow {
        Deposits,
        Outflows
    }

    /// @notice What became of a margin call.
    /// @param None No such call arrived (or its handler reverted).
    /// @param Late It arrived after its deadline and was ignored: nothing moved.
    /// @param Noticed It arrived in time; the account had not opted in to auto top-up.
    /// @param ToppedUp It arrived in time and auto top-up ran (`covered` says how much it moved).
    enum MarginCallStatus {
        None,
        Late,
        Noticed,
        ToppedUp
    }

    /// @notice How the owner lists a token.
    /// @param haircut The share of its value not counted in a top-up, WAD, below 1e18.
    /// @param feed Its price in quote units, any Chainlink-style feed; zero prices it at par (1.0),
    /// for the quote token.
    /// @param maxAge The oldest feed answer a top-up uses, seconds; nonzero unless at par.
    /// @param outflowCapacity The most that may leave at once, token WAD.
    /// @param outflowRefillPerSecond What the outflow allowance refills per second, token WAD.
    struct TokenConfig {
        uint64 haircut;
        AggregatorV3Interface feed;
        uint32 maxAge;
        uint128 outflowCapacity;
        uint128 outflowRefillPerSecond;
    }

    /// @notice `token` is listed (or relisted) with `config`; it has `decimals` decimals.
    event TokenListed(address indexed token, uint8 decimals, TokenConfig config);

    /// @notice `token` no longer takes deposits or tops up; its outflows and reserves still work.
    event TokenDelisted(address indexed token);

    /// @notice `guardian` may now pause flows.
    event GuardianSet(address guardian);

    /// @notice `account` stopped `flow`.
    event Paused(Flow indexed flow, address account);

    /// @notice `account` resumed `flow`.
    event Unpaused(Flow indexed flow, address account);

    /// @notice `from` deposited `amount` (received, token units) of `token` for `account`, sent to
    /// the market as `CREDIT` of `amountWad` with `depositId` in message `messageId`.
    event CollateralDeposited(
        address indexed account,
        address indexed token,
        address indexed from,
        uint256 amount,
        uint256 amountWad,
        bytes32 depositId,
        bytes32 messageId
    );

    /// @notice The market's withdrawal `withdrawalId` paid `amount` (token units) of `token` of
    /// `account` to `recipient`.
    event CollateralReleased(
        bytes32 indexed withdrawalId,
        address indexed account,
        address indexed token,
        address recipient,
        uint256 amount
    );

    /// @notice The market's liquidation `liquidationId` paid `amount` (token units) of `token`
    /// seized from `account` to the liquidator's `recipient`.
    event CollateralSeized(
        bytes32 indexed liquidationId,
        address indexed account,
        address indexed token,
        address recipient,
        uint256 amount
    );

    /// @notice `account` added `amount` (received, token units) of `token` to its reserve.
    event ReserveDeposited(address indexed account, address indexed token, uint256 amount);

    /// @notice `account` took `amount` (token units) of `token` from its reserve to `recipient`.
    event ReserveWithdrawn(
        address indexed account, address indexed token, address recipient, uint256 amount
    );

    /// @notice `account` opted in to (or out of) auto top-up on margin calls.
    event AutoTopUpSet(address indexed account, bool enabled);

    /// @notice The margin call `callId` moved `amount` (token units) of `account`'s reserve of
    /// `token` into committed collateral, sent as `CREDIT` with `depositId` in `messageId`.
    event ReserveCommitted(
        bytes32 indexed callId,
        address indexed account,
        address indexed token,
        uint256 amount,
        bytes32 depositId,
        bytes32 messageId
    );

    /// @notice The margin call `callId` reached this vault: `account` lacks `deficit` (quote WAD)
    /// until `deadline`; it ended as `status`, its top-ups covering `covered` (quote WAD, at this
    /// vault's prices less haircuts).
    event MarginCallReceived(
        bytes32 indexed callId,
        address indexed account,
        uint256 deficit,
        uint64 deadline,
        MarginCallStatus status,
        uint256 covered
    );

    /// @notice `token` is not listed (or, for an outflow, was never listed).
    error VaultUnknownToken(address token);

    /// @notice An amount of zero.
    error VaultZeroAmount();

    /// @notice An account or recipient of zero.
    error VaultZeroAddress();

    /// @notice The transfer of `token` in left the vault's balance unchanged.
    error VaultNothingReceived(address token);

    /// @notice `flow` is paused.
    error VaultPaused(Flow flow);

    /// @notice `flow` is not paused.
    error VaultNotPaused(Flow flow);

    /// @notice `caller` is neither the guardian nor the owner, so it may not pause.
    error VaultNotPauser(address caller);

    /// @notice Listing another token would exceed `MAX_TOKENS` (`maxTokens`).
    error VaultTooManyTokens(uint256 maxTokens);

    /// @notice `token` has `decimals` decimals, more than 18.
    error VaultUnsupportedDecimals(address token, uint8 decimals);

    /// @notice `haircut` (WAD) for `token` is not below 1e18.
    error VaultInvalidHaircut(address token, uint64 haircut);

    /// @notice `feed` for `token` has `decimals` above 18, or is not at par with a `maxAge` of zero.
    error VaultInvalidPriceSource(address token, address feed, uint32 maxAge);

    /// @notice An outflow of `amount` (token WAD) of `token` exceeds the `available` allowance.
    error VaultRateLimited(address token, uint256 amount, uint256 available);

    /// @notice `amount` (token WAD) of `token` is not a multiple of one token unit, `unit` WAD.
    error VaultNotWholeUnits(address token, uint256 amount, uint256 unit);

    /// @notice An outflow of `amount` (token units) of `token` exceeds the `committed` balance.
    error VaultInsufficientCommitted(address token, uint256 amount, uint256 committed);

    /// @notice `account` asked for `amount` of its `reserve` of `token` (token units).
    error VaultInsufficientReserve(address account, address token, uint256 amount, uint256 reserve);

    /// @notice The message of type `kind` with id `id` was already executed.
    error VaultAlreadyExecuted(uint8 kind, bytes32 id);

    /// @notice A message came from `origin`, not the market's domain.
    error VaultWrongOrigin(uint32 origin);

    /// @notice A well-formed message of type `kind`, which the vault never receives (a `CREDIT`).
    error VaultUnexpectedMessage(uint8 kind);

    /// @notice Commits `amount` of `token` to the market for `account`.
    /// @dev Pulls `amount` from the caller (who must have approved it) and measures what arrived,
    /// so a fee-on-transfer token credits only what the vault received; then sends
    /// `CREDIT(account, token, received × 10^(18−decimals), depositId)` to the market. Nothing is
    /// credited before that message lands. Reverts with `VaultPaused(Deposits)`,
    /// `VaultUnknownToken`, `VaultZeroAmount`, `VaultZeroAddress`, `VaultNothingReceived`, or the
    /// token's or the mailbox's own error. Emits `CollateralDeposited`.
    /// @param token A listed ERC-20.
    /// @param amount Token units to pull from the caller.
    /// @param account The market account to credit.
    /// @return depositId The id of the deposit, unique across vaults and chains.
    function deposit(address token, uint256 amount, address account)
        external
        returns (bytes32 depositId);

    /// @notice Parks `amount` of `token` as the caller's reserve for auto top-up.
    /// @dev Reserve is never credited until a margin call moves it. Pulls and measures as
    /// `deposit` does, and reverts as it does. Emits `ReserveDeposited`.
    /// @param token A listed ERC-20.
    /// @param amount Token units to pull from the caller.
    function depositReserve(address token, uint256 amount) external;

    /// @notice Sends `amount` of the caller's reserve of `token` to `recipient`.
    /// @dev Works at any time, also while flows are paused and for a delisted token, and is not
    /// rate limited: reserve was never credited, so this is no cross-chain outflow. Reverts with
    /// `VaultZeroAmount`, `VaultZeroAddress` or `VaultInsufficientReserve`. Emits
    /// `ReserveWithdrawn`.
    /// @param token The reserved token.
    /// @param amount Token units.
    /// @param recipient Who receives it.
    function withdrawReserve(address token, uint256 amount, address recipient) external;

    /// @notice Opts the caller in to (or out of) auto top-up on margin calls.
    /// @dev Emits `AutoTopUpSet`.
    function setAutoTopUp(bool enabled) external;

    /// @notice Lists `token`, or changes the configuration of a listed token.
    /// @dev Owner only. Reads the token's decimals. A new bucket starts full; a changed one keeps
    /// what it holds, cut down to the new capacity. Reverts with `VaultTooManyTokens`,
    /// `VaultUnsupportedDecimals`, `VaultInvalidHaircut` or `VaultInvalidPriceSource`. The
    /// haircut and feed should match the market's. Emits `TokenListed`.
    /// @param token The ERC-20 (no rebasing token: the vault's accounting assumes balances move
    /// only by transfers).
    /// @param config Its haircut, price source and outflow limit.
    function listToken(address token, TokenConfig calldata config) external;

    /// @notice Stops deposits and top-ups of `token`.
    /// @dev Owner only; reverts with `VaultUnknownToken` unless listed. Outflows of what is
    /// committed and reserve withdrawals go on, through the same bucket. Emits `TokenDelisted`.
    function delistToken(address token) external;

    /// @notice Sets the account that may pause besides the owner; zero leaves only the owner.
    /// @dev Owner only. Emits `GuardianSet`.
    function setGuardian(address newGuardian) external;

    /// @notice Stops `flow`.
    /// @dev Guardian or owner (`VaultNotPauser`), as the mailbox's pause; reverts with
    /// `VaultPaused` when already paused. Reserve withdrawals are never paused. Messages that
    /// arrive meanwhile revert and are retried after `unpause`. Emits `Paused`.
    function pause(Flow flow) external;

    /// @notice Resumes `flow`.
    /// @dev Owner only, so a compromised guardian can stop but never resume; reverts with
    /// `VaultNotPaused`. Emits `Unpaused`.
    function unpause(Flow flow) external;

    /// @notice The most tokens the vault lists at once; bounds a top-up's work.
    function MAX_TOKENS() external view returns (uint256);

    /// @notice The market chain's domain: where `CREDIT`s go and the only origin accepted.
    function marketDomain() external view returns (uint32);

    /// @notice The account that may pause besides the owner.
    function guardian() external view returns (address);

    /// @notice Whether `flow` is paused.
    function paused(Flow flow) external view returns (bool);

    /// @notice The listed tokens, in listing order.
    function listedTokens() external view returns (address[] memory);

    /// @notice Whether `token` is listed now, its decimals (zero if never listed) and its config.
    function tokenConfig(address token)
        external
        view
        returns (bool listed, uint8 decimals, TokenConfig memory config);

    /// @notice What the vault holds of `token` for the market: Σ credited (including credits in
    /// flight) minus Σ paid out, token units.
    function committed(address token) external view returns (uint256);

    /// @notice `account`'s reserve of `token`, token units.
    function reserve(address account, address token) external view returns (uint256);

    /// @notice Σ every account's reserve of `token`, token units.
    function totalReserve(address token) external view returns (uint256);

    /// @notice Whether `account` opted in to auto top-up.
    function autoTopUp(address account) external view returns (bool);

    /// @notice The outflow bucket of `token`, token WAD: `available` is what may leave now.
    function outflowBucket(address token)
        external
        view
        returns (uint256 capacity, uint256 refillPerSecond, uint256 available);

    /// @notice Whether the inbound message of type `kind` (see `AppMessage`) with `id` executed.
    function executed(uint8 kind, bytes32 id) external view returns (bool);

    /// @notice What became of the margin call `callId`.
    function marginCallStatus(bytes32 callId) external view returns (MarginCallStatus);

    /// @notice How many deposits and top-up credits this vault has sent.
    function depositCount() external view returns (uint256);
}
