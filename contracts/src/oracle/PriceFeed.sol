// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {IPriceFeed} from "../interfaces/IPriceFeed.sol";
import {Quorum} from "../libraries/Quorum.sol";

/// @title PriceFeed
/// @notice One Chainlink-compatible feed whose rounds are reports signed once, chain-agnostically,
/// by a signer quorum and posted by anyone on every chain.
contract PriceFeed is IPriceFeed, Ownable2Step {
    using Quorum for Quorum.Set;

    /// @dev One stored round; `updatedAt` is zero for a round that was never stored.
    struct Round {
        int256 answer;
        uint256 updatedAt;
    }

    /// @inheritdoc IPriceFeed
    uint256 public constant MAX_SIGNERS = Quorum.MAX_SIGNERS;
    /// @inheritdoc IPriceFeed
    uint256 public constant MAX_MOVE_BPS_LIMIT = 1_000_000;
    /// @inheritdoc IPriceFeed
    bytes32 public constant REPORT_TYPEHASH =
        keccak256("PriceReport(bytes32 feedId,int256 answer,uint256 updatedAt,uint80 roundId)");
    /// @inheritdoc IPriceFeed
    bytes32 public constant DOMAIN_SEPARATOR = keccak256(
        abi.encode(
            keccak256("EIP712Domain(string name,string version)"),
            keccak256("crossflow Oracle"),
            keccak256("1")
        )
    );

    /// @dev 10_000 basis points = 100%.
    uint256 private constant BPS = 10_000;
    uint256 private constant VERSION = 1;

    bytes32 private immutable _feedId;
    uint8 private immutable _decimals;
    uint256 private immutable _maxMoveBps;
    uint256 private immutable _maxFutureSkew;
    bool private immutable _positiveOnly;

    string private _description;
    Quorum.Set private _signers;
    uint80 private _latestRoundId;
    mapping(uint80 roundId => Round) private _rounds;

    /// @param feedId_ The identifier reports must carry, such as `keccak256("ETH/USD")`.
    /// @param decimals_ The decimals of every answer.
    /// @param description_ A human-readable name, such as "ETH / USD".
    /// @param maxMoveBps_ The per-round move bound in basis points, 1 to `MAX_MOVE_BPS_LIMIT`.
    /// @param maxFutureSkew_ How many seconds `updatedAt` may lie after the block time.
    /// @param positiveOnly_ Whether zero and negative answers are rejected.
    /// @param signers_ The initial signer set.
    /// @param threshold_ How many distinct signers must sign a report.
    /// @param owner_ The account that may replace the signer set.
    constructor(
        bytes32 feedId_,
        uint8 decimals_,
        string memory description_,
        int256 maxMoveBps_,
        uint256 maxFutureSkew_,
        bool positiveOnly_,
        address[] memory signers_,
        uint8 threshold_,
        address owner_
    ) Ownable(owner_) {
        if (maxMoveBps_ <= 0 || SignedMath.abs(maxMoveBps_) > MAX_MOVE_BPS_LIMIT) {
            revert PriceFeedInvalidMaxMove(maxMoveBps_, MAX_MOVE_BPS_LIMIT);
        }
        _feedId = feedId_;
        _decimals = decimals_;
        _description = description_;
        _maxMoveBps = SignedMath.abs(maxMoveBps_);
        _maxFutureSkew = maxFutureSkew_;
        _positiveOnly = positiveOnly_;
        _setSigners(signers_, threshold_);
    }

    /// @inheritdoc IPriceFeed
    function submit(PriceReport calldata report, bytes[] calldata signatures) external {
        // Checks: the report itself, then the signatures over it.
        _checkReport(report);
        _signers.verify(
            reportDigest(report.feedId, report.answer, report.updatedAt, report.roundId), signatures
        );
        // Effects.
        _latestRoundId = report.roundId;
        _rounds[report.roundId] = Round({answer: report.answer, updatedAt: report.updatedAt});
        emit AnswerUpdated(report.answer, report.roundId, report.updatedAt);
        emit ReportSubmitted(report.roundId, report.answer, report.updatedAt, msg.sender);
    }

    /// @inheritdoc IPriceFeed
    function setSigners(address[] calldata newSigners, uint8 newThreshold) external onlyOwner {
        _setSigners(newSigners, newThreshold);
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80 roundId_)
        external
        view
        returns (uint80, int256, uint256, uint256, uint80)
    {
        Round storage round = _rounds[roundId_];
        if (round.updatedAt == 0) revert PriceFeedUnknownRound(roundId_);
        return (roundId_, round.answer, round.updatedAt, round.updatedAt, roundId_);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        uint80 roundId_ = _latestRoundId;
        if (roundId_ == 0) revert PriceFeedNoData();
        Round storage round = _rounds[roundId_];
        return (roundId_, round.answer, round.updatedAt, round.updatedAt, roundId_);
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external view returns (string memory) {
        return _description;
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return VERSION;
    }

    /// @inheritdoc IPriceFeed
    function feedId() external view returns (bytes32) {
        return _feedId;
    }

    /// @inheritdoc IPriceFeed
    function maxMoveBps() external view returns (uint256) {
        return _maxMoveBps;
    }

    /// @inheritdoc IPriceFeed
    function maxFutureSkew() external view returns (uint256) {
        return _maxFutureSkew;
    }

    /// @inheritdoc IPriceFeed
    function positiveOnly() external view returns (bool) {
        return _positiveOnly;
    }

    /// @inheritdoc IPriceFeed
    function signers() external view returns (address[] memory) {
        return _signers.members;
    }

    /// @inheritdoc IPriceFeed
    function threshold() external view returns (uint8) {
        return _signers.threshold;
    }

    /// @inheritdoc IPriceFeed
    function latestRound() external view returns (uint80) {
        return _latestRoundId;
    }

    /// @inheritdoc IPriceFeed
    function reportDigest(bytes32 feedId_, int256 answer, uint256 updatedAt, uint80 roundId_)
        public
        pure
        returns (bytes32)
    {
        bytes32 structHash =
            keccak256(abi.encode(REPORT_TYPEHASH, feedId_, answer, updatedAt, roundId_));
        return MessageHashUtils.toTypedDataHash(DOMAIN_SEPARATOR, structHash);
    }

    /// @dev Every check of `submit` on the report's fields, in the documented order.
    function _checkReport(PriceReport calldata report) private view {
        if (report.feedId != _feedId) revert PriceFeedWrongFeed(report.feedId, _feedId);
        uint80 latestId = _latestRoundId;
        if (report.roundId <= latestId) {
            revert PriceFeedRoundNotIncreasing(report.roundId, latestId);
        }
        Round storage latest = _rounds[latestId];
        if (report.updatedAt <= latest.updatedAt) {
            revert PriceFeedTimeNotIncreasing(report.updatedAt, latest.updatedAt);
        }
        uint256 maxUpdatedAt = block.timestamp + _maxFutureSkew;
        if (report.updatedAt > maxUpdatedAt) {
            revert PriceFeedFutureReport(report.updatedAt, maxUpdatedAt);
        }
        if (_positiveOnly && report.answer <= 0) revert PriceFeedNonPositiveAnswer(report.answer);
        if (latestId != 0) _checkMove(latest.answer, report.answer);
    }

    /// @dev Reverts unless `|answer - previous| * BPS <= _maxMoveBps * |previous|`, without
    /// overflow: an integer `diff` exceeds `x / BPS` exactly when it exceeds `floor(x / BPS)`,
    /// and `mulDiv` keeps the full product (its result fits since `_maxMoveBps` is bounded).
    function _checkMove(int256 previous, int256 answer) private view {
        // Same signs cannot overflow the subtraction; opposite signs sum to at most 2**256 - 1.
        uint256 diff = (answer >= 0) == (previous >= 0)
            ? SignedMath.abs(answer - previous)
            : SignedMath.abs(answer) + SignedMath.abs(previous);
        uint256 allowed = Math.mulDiv(_maxMoveBps, SignedMath.abs(previous), BPS);
        if (diff > allowed) revert PriceFeedMoveTooLarge(previous, answer, _maxMoveBps);
    }

    function _setSigners(address[] memory newSigners, uint8 newThreshold) private {
        _signers.replace(newSigners, newThreshold);
        emit SignersSet(newSigners, newThreshold);
    }
}
