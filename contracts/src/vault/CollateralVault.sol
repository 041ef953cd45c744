// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {ICollateralVault} from "../interfaces/ICollateralVault.sol";
import {AppMessage} from "../libraries/AppMessage.sol";
import {FeedConsumer} from "../libraries/FeedConsumer.sol";
import {TokenBucket} from "../libraries/TokenBucket.sol";
import {MessageRecipient} from "../messaging/MessageRecipient.sol";

/// @title CollateralVault
/// @notice Holds the market's collateral on a collateral chain: deposits become `CREDIT`s, the
/// market's `RELEASE`s and `SEIZE`s pay out through a per-token rate limit, and its
/// `MARGIN_CALL`s top accounts up from their reserve.
contract CollateralVault is ICollateralVault, MessageRecipient, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using TokenBucket for TokenBucket.Bucket;

    /// @inheritdoc ICollateralVault
    uint256 public constant MAX_TOKENS = 8;

    uint256 private constant WAD = 1e18;
    uint8 private constant WAD_DECIMALS = 18;

    /// @dev One token's listing: `known` once ever listed, so outflows and reserve withdrawals of
    /// a delisted token still work. `feed` zero means par.
    struct Token {
        bool listed;
        bool known;
        uint8 decimals;
        uint8 feedDecimals;
        uint64 haircut;
        AggregatorV3Interface feed;
        uint32 maxAge;
    }

    uint32 private immutable _marketDomain;

    address private _guardian;
    mapping(Flow flow => bool) private _paused;
    address[] private _listed;
    mapping(address token => Token) private _tokens;
    mapping(address token => TokenBucket.Bucket) private _buckets;
    mapping(address token => uint256 amount) private _committed;
    mapping(address account => mapping(address token => uint256 amount)) private _reserves;
    mapping(address token => uint256 amount) private _totalReserves;
    mapping(address account => bool) private _autoTopUp;
    mapping(uint8 kind => mapping(bytes32 id => bool)) private _executed;
    mapping(bytes32 callId => MarginCallStatus) private _marginCalls;
    uint256 private _depositCount;

    /// @param mailbox_ The mailbox on this chain.
    /// @param marketDomain_ The market chain's domain; wire the market with `setTrustedRemote`.
    /// @param owner_ Lists tokens, sets the guardian, unpauses and wires the market.
    /// @param guardian_ May pause besides the owner; may be zero.
    constructor(address mailbox_, uint32 marketDomain_, address owner_, address guardian_)
        MessageRecipient(mailbox_, owner_)
    {
        _marketDomain = marketDomain_;
        _setGuardian(guardian_);
    }

    modifier whenNotPaused(Flow flow) {
        if (_paused[flow]) revert VaultPaused(flow);
        _;
    }

    /// @inheritdoc ICollateralVault
    function deposit(address token, uint256 amount, address account)
        external
        nonReentrant
        whenNotPaused(Flow.Deposits)
        returns (bytes32 depositId)
    {
        // Checks
        if (account == address(0)) revert VaultZeroAddress();
        Token storage listing = _listedToken(token);

        // Interactions first, by necessity: what arrived is known only after the transfer; the
        // reentrancy guard keeps it from being counted twice.
        uint256 received = _pull(token, amount);

        // Effects
        _committed[token] += received;
        uint256 amountWad = received * _unit(listing.decimals);
        bytes32 messageId;
        (depositId, messageId) = _sendCredit(account, token, amountWad);
        emit CollateralDeposited(
            account, token, msg.sender, received, amountWad, depositId, messageId
        );
    }

    /// @inheritdoc ICollateralVault
    function depositReserve(address token, uint256 amount)
        external
        nonReentrant
        whenNotPaused(Flow.Deposits)
    {
        _listedToken(token);
        uint256 received = _pull(token, amount);
        _reserves[msg.sender][token] += received;
        _totalReserves[token] += received;
        emit ReserveDeposited(msg.sender, token, received);
    }

    /// @inheritdoc ICollateralVault
    function withdrawReserve(address token, uint256 amount, address recipient)
        external
        nonReentrant
    {
        // Checks
        if (amount == 0) revert VaultZeroAmount();
        if (recipient == address(0)) revert VaultZeroAddress();
        uint256 held = _reserves[msg.sender][token];
        if (amount > held) revert VaultInsufficientReserve(msg.sender, token, amount, held);

        // Effects
        _reserves[msg.sender][token] = held - amount;
        _totalReserves[token] -= amount;
        emit ReserveWithdrawn(msg.sender, token, recipient, amount);

        // Interactions
        IERC20(token).safeTransfer(recipient, amount);
    }

    /// @inheritdoc ICollateralVault
    function setAutoTopUp(bool enabled) external {
        _autoTopUp[msg.sender] = enabled;
        emit AutoTopUpSet(msg.sender, enabled);
    }

    /// @inheritdoc ICollateralVault
    function listToken(address token, TokenConfig calldata config) external onlyOwner {
        if (config.haircut >= WAD) revert VaultInvalidHaircut(token, config.haircut);
        uint8 feedDecimals;
        if (address(config.feed) != address(0)) {
            feedDecimals = config.feed.decimals();
            if (feedDecimals > WAD_DECIMALS || config.maxAge == 0) {
                revert VaultInvalidPriceSource(token, address(config.feed), config.maxAge);
            }
        }
        uint8 decimals = IERC20Metadata(token).decimals();
        if (decimals > WAD_DECIMALS) revert VaultUnsupportedDecimals(token, decimals);

        Token storage listing = _tokens[token];
        if (!listing.listed) {
            if (_listed.length == MAX_TOKENS) revert VaultTooManyTokens(MAX_TOKENS);
            _listed.push(token);
        }
        _buckets[token].configure(
            config.outflowCapacity, config.outflowRefillPerSecond, !listing.known
        );
        _tokens[token] = Token({
            listed: true,
            known: true,
            decimals: decimals,
            feedDecimals: feedDecimals,
            haircut: config.haircut,
            feed: config.feed,
            maxAge: config.maxAge
        });
        emit TokenListed(token, decimals, config);
    }

    /// @inheritdoc ICollateralVault
    function delistToken(address token) external onlyOwner {
        Token storage listing = _listedToken(token);
        listing.listed = false;
        uint256 last = _listed.length - 1;
        for (uint256 i; i <= last; ++i) {
            if (_listed[i] == token) {
                _listed[i] = _listed[last];
                _listed.pop();
                break;
            }
        }
        emit TokenDelisted(token);
    }

    /// @inheritdoc ICollateralVault
    function setGuardian(address newGuardian) external onlyOwner {
        _setGuardian(newGuardian);
    }

    /// @inheritdoc ICollateralVault
    function pause(Flow flow) external {
        if (msg.sender != _guardian && msg.sender != owner()) revert VaultNotPauser(msg.sender);
        if (_paused[flow]) revert VaultPaused(flow);
        _paused[flow] = true;
        emit Paused(flow, msg.sender);
    }

    /// @inheritdoc ICollateralVault
    function unpause(Flow flow) external onlyOwner {
        if (!_paused[flow]) revert VaultNotPaused(flow);
        _paused[flow] = false;
        emit Unpaused(flow, msg.sender);
    }

    /// @inheritdoc ICollateralVault
    function marketDomain() external view returns (uint32) {
        return _marketDomain;
    }

    /// @inheritdoc ICollateralVault
    function guardian() external view returns (address) {
        return _guardian;
    }

    /// @inheritdoc ICollateralVault
    function paused(Flow flow) external view returns (bool) {
        return _paused[flow];
    }

    /// @inheritdoc ICollateralVault
    function listedTokens() external view returns (address[] memory) {
        return _listed;
    }

    /// @inheritdoc ICollateralVault
    function tokenConfig(address token)
        external
        view
        returns (bool listed, uint8 decimals, TokenConfig memory config)
    {
        Token storage listing = _tokens[token];
        TokenBucket.Bucket storage bucket = _buckets[token];
        config = TokenConfig({
            haircut: listing.haircut,
            feed: listing.feed,
            maxAge: listing.maxAge,
            outflowCapacity: bucket.capacity,
            outflowRefillPerSecond: bucket.refillPerSecond
        });
        return (listing.listed, listing.decimals, config);
    }

    /// @inheritdoc ICollateralVault
    function committed(address token) external view returns (uint256) {
        return _committed[token];
    }

    /// @inheritdoc ICollateralVault
    function reserve(address account, address token) external view returns (uint256) {
        return _reserves[account][token];
    }

    /// @inheritdoc ICollateralVault
    function totalReserve(address token) external view returns (uint256) {
        return _totalReserves[token];
    }

    /// @inheritdoc ICollateralVault
    function autoTopUp(address account) external view returns (bool) {
        return _autoTopUp[account];
    }

    /// @inheritdoc ICollateralVault
    function outflowBucket(address token)
        external
        view
        returns (uint256 capacity, uint256 refillPerSecond, uint256 available)
    {
        TokenBucket.Bucket storage bucket = _buckets[token];
        return (bucket.capacity, bucket.refillPerSecond, bucket.availableNow());
    }

    /// @inheritdoc ICollateralVault
    function executed(uint8 kind, bytes32 id) external view returns (bool) {
        return _executed[kind][id];
    }

    /// @inheritdoc ICollateralVault
    function marginCallStatus(bytes32 callId) external view returns (MarginCallStatus) {
        return _marginCalls[callId];
    }

    /// @inheritdoc ICollateralVault
    function depositCount() external view returns (uint256) {
        return _depositCount;
    }

    /// @dev Runs a RELEASE, SEIZE or MARGIN_CALL from the market; reverts on anything else, on a
    /// malformed body (`AppMessage` errors) and on any failed check, so the mailbox records the
    /// message failed and nothing moves.
    function _handle(uint32 origin, address, bytes calldata body) internal override nonReentrant {
        if (origin != _marketDomain) revert VaultWrongOrigin(origin);
        uint8 kind = AppMessage.kind(body);
        if (kind == AppMessage.RELEASE) {
            _payOut(AppMessage.RELEASE, AppMessage.decodeRelease(body));
        } else if (kind == AppMessage.SEIZE) {
            _payOut(AppMessage.SEIZE, AppMessage.decodeSeize(body));
        } else if (kind == AppMessage.MARGIN_CALL) {
            _marginCall(AppMessage.decodeMarginCall(body));
        } else {
            revert VaultUnexpectedMessage(kind);
        }
    }

    /// @dev Pays out committed collateral for a RELEASE or a SEIZE (`kind`).
    function _payOut(uint8 kind, AppMessage.Payout memory payout)
        private
        whenNotPaused(Flow.Outflows)
    {
        // Checks
        if (_executed[kind][payout.id]) revert VaultAlreadyExecuted(kind, payout.id);
        if (payout.recipient == address(0)) revert VaultZeroAddress();
        address token = payout.token;
        Token storage listing = _tokens[token];
        if (!listing.known) revert VaultUnknownToken(token);
        uint256 unit = _unit(listing.decimals);
        if (payout.amount % unit != 0) revert VaultNotWholeUnits(token, payout.amount, unit);
        uint256 amount = payout.amount / unit;
        uint256 held = _committed[token];
        if (amount > held) revert VaultInsufficientCommitted(token, amount, held);

        // Effects (a draw over the limit changes nothing and reverts)
        (bool allowed, uint256 available) = _buckets[token].tryConsume(payout.amount);
        if (!allowed) revert VaultRateLimited(token, payout.amount, available);
        _executed[kind][payout.id] = true;
        _committed[token] = held - amount;
        if (kind == AppMessage.RELEASE) {
            emit CollateralReleased(payout.id, payout.account, token, payout.recipient, amount);
        } else {
            emit CollateralSeized(payout.id, payout.account, token, payout.recipient, amount);
        }

        // Interactions
        IERC20(token).safeTransfer(payout.recipient, amount);
    }

    /// @dev Notes a margin call and, when it is on time and the account opted in, tops it up.
    /// A late call is recorded and ignored; it never moves reserve.
    function _marginCall(AppMessage.MarginCall memory call) private {
        // Checks
        if (_executed[AppMessage.MARGIN_CALL][call.callId]) {
            revert VaultAlreadyExecuted(AppMessage.MARGIN_CALL, call.callId);
        }
        MarginCallStatus status;
        // Seconds of validator clock skew are negligible against margin call deadlines.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > call.deadline) {
            status = MarginCallStatus.Late;
        } else if (!_autoTopUp[call.account]) {
            status = MarginCallStatus.Noticed;
        } else {
            // A top-up sends new credit: paused with deposits, retried after the unpause (or
            // recorded late by then).
            if (_paused[Flow.Deposits]) revert VaultPaused(Flow.Deposits);
            status = MarginCallStatus.ToppedUp;
        }

        // Effects, then the top-up's own effects and its CREDITs to the trusted mailbox
        _executed[AppMessage.MARGIN_CALL][call.callId] = true;
        _marginCalls[call.callId] = status;
        uint256 covered;
        if (status == MarginCallStatus.ToppedUp) {
            covered = _topUp(call.callId, call.account, call.deficit);
        }
        emit MarginCallReceived(
            call.callId, call.account, call.deficit, call.deadline, status, covered
        );
    }

    /// @dev Moves `account`'s reserve into committed collateral until `deficit` (quote WAD) is
    /// covered at this vault's prices less haircuts: par tokens first, then priced ones, each in
    /// listing order. Bounded by `MAX_TOKENS` listed tokens, two passes.
    /// @return covered The quote WAD the moved reserve is worth, at least `deficit` unless the
    /// usable reserve ran out.
    function _topUp(bytes32 callId, address account, uint256 deficit)
        private
        returns (uint256 covered)
    {
        address[] memory tokens = _listed;
        for (uint256 pass; pass < 2; ++pass) {
            for (uint256 i; i < tokens.length && covered < deficit; ++i) {
                Token storage listing = _tokens[tokens[i]];
                bool atPar = address(listing.feed) == address(0);
                if (atPar == (pass == 0)) {
                    covered += _commitReserve(callId, account, tokens[i], deficit - covered);
                }
            }
        }
    }

    /// @dev Moves enough of `account`'s reserve of `token` to cover `shortfall` (quote WAD),
    /// rounding the amount moved up, capped at the reserve. A stale or broken feed skips the
    /// token rather than failing the margin call.
    /// @return covered The quote WAD the moved amount is worth, rounded down.
    function _commitReserve(bytes32 callId, address account, address token, uint256 shortfall)
        private
        returns (uint256 covered)
    {
        uint256 held = _reserves[account][token];
        if (held == 0) return 0;
        Token storage listing = _tokens[token];
        uint256 value = _haircutValue(listing);
        if (value == 0) return 0;
        uint256 unit = _unit(listing.decimals);
        uint256 neededWad = Math.mulDiv(shortfall, WAD, value, Math.Rounding.Ceil);
        uint256 amount = Math.min(Math.ceilDiv(neededWad, unit), held);
        covered = Math.mulDiv(amount * unit, value, WAD);

        // Effects
        _reserves[account][token] = held - amount;
        _totalReserves[token] -= amount;
        _committed[token] += amount;

        // Interactions (the trusted mailbox only)
        (bytes32 depositId, bytes32 messageId) = _sendCredit(account, token, amount * unit);
        emit ReserveCommitted(callId, account, token, amount, depositId, messageId);
    }

    /// @dev Sends `CREDIT(account, token, amountWad, depositId)` to the market with a fresh
    /// deposit id: the hash of this chain id, this vault and a counter.
    function _sendCredit(address account, address token, uint256 amountWad)
        private
        returns (bytes32 depositId, bytes32 messageId)
    {
        depositId = keccak256(abi.encode(block.chainid, address(this), ++_depositCount));
        messageId = _dispatch(
            _marketDomain,
            AppMessage.encodeCredit(
                AppMessage.Credit({
                    account: account, token: token, amount: amountWad, depositId: depositId
                })
            )
        );
    }

    /// @dev Pulls `amount` of `token` from the caller; returns what the vault's balance grew by.
    function _pull(address token, uint256 amount) private returns (uint256 received) {
        if (amount == 0) revert VaultZeroAmount();
        IERC20 erc20 = IERC20(token);
        uint256 before = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(msg.sender, address(this), amount);
        received = erc20.balanceOf(address(this)) - before;
        if (received == 0) revert VaultNothingReceived(token);
    }

    function _setGuardian(address newGuardian) private {
        _guardian = newGuardian;
        emit GuardianSet(newGuardian);
    }

    /// @dev The listing of `token`, reverting with `VaultUnknownToken` unless listed now.
    function _listedToken(address token) private view returns (Token storage listing) {
        listing = _tokens[token];
        if (!listing.listed) revert VaultUnknownToken(token);
    }

    /// @dev Quote WAD per whole token less the haircut: 1.0 at par, else the feed's fresh answer;
    /// zero when the feed is stale, broken or answers nonsense.
    function _haircutValue(Token storage listing) private view returns (uint256) {
        uint256 price = WAD;
        AggregatorV3Interface feed = listing.feed;
        if (address(feed) != address(0)) {
            if (!FeedConsumer.isFresh(feed, listing.maxAge)) return 0;
            (int256 answer,) = FeedConsumer.freshAnswer(feed, listing.maxAge);
            // `freshAnswer` returned, so `answer` is positive.
            // forge-lint: disable-next-line(unsafe-typecast)
            price = uint256(answer) * 10 ** (WAD_DECIMALS - listing.feedDecimals);
        }
        return Math.mulDiv(price, WAD - listing.haircut, WAD);
    }

    /// @dev WAD per token unit: `10 ** (18 - decimals)`.
    function _unit(uint8 decimals) private pure returns (uint256) {
        return 10 ** (WAD_DECIMALS - decimals);
    }
}
