// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";
import {IQuorum} from "./IQuorum.sol";

/// @title IPriceFeed
/// @notice One oracle feed (for example ETH/USD spot or ETH implied volatility) fed by reports
/// that a signer quorum signed once for every chain, served through Chainlink's
/// `AggregatorV3Interface`.
/// @dev Signers sign the EIP-712 struct
/// `PriceReport(bytes32 feedId,int256 answer,uint256 updatedAt,uint80 roundId)` in the
/// chain-agnostic domain `EIP712Domain(string name,string version)` with name "crossflow Oracle"
/// and version "1": no chainId and no verifyingContract, so one set of signatures is valid on
/// every chain and anyone may post it everywhere. Replay is prevented by `feedId` and by rounds
/// and timestamps that must strictly increase. Answers carry `decimals()` decimals (1e8 for USD
/// prices and for volatility, where 1e8 = 100%); timestamps are unix seconds; moves are in basis
/// points (10_000 = 100%).
interface IPriceFeed is AggregatorV3Interface, IQuorum {
    /// @notice A signed observation of feed `feedId`.
    /// @param feedId The feed the report is for; must equal `feedId()`.
    /// @param answer The value, scaled by `10 ** decimals()`.
    /// @param updatedAt When the value was observed, in unix seconds.
    /// @param roundId The round number; must exceed the latest stored round.
    struct PriceReport {
        bytes32 feedId;
        int256 answer;
        uint256 updatedAt;
        uint80 roundId;
    }

    /// @notice Chainlink's event: round `roundId` now holds `current`, observed at `updatedAt`.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /// @notice `submitter` posted round `roundId` with `answer` observed at `updatedAt`.
    event ReportSubmitted(
        uint80 indexed roundId, int256 answer, uint256 updatedAt, address submitter
    );

    /// @notice Reports now need `threshold` signatures of `signers`.
    event SignersSet(address[] signers, uint8 threshold);

    /// @notice The report is for `feedId`, but this feed is `expected`.
    error PriceFeedWrongFeed(bytes32 feedId, bytes32 expected);

    /// @notice Round `roundId` does not exceed the latest round `latestRoundId`.
    error PriceFeedRoundNotIncreasing(uint80 roundId, uint80 latestRoundId);

    /// @notice `updatedAt` does not exceed the latest round's `latestUpdatedAt`.
    error PriceFeedTimeNotIncreasing(uint256 updatedAt, uint256 latestUpdatedAt);

    /// @notice `updatedAt` lies after `maxUpdatedAt`, the block time plus the allowed skew.
    error PriceFeedFutureReport(uint256 updatedAt, uint256 maxUpdatedAt);

    /// @notice `answer` is zero or negative on a feed that only accepts positive answers.
    error PriceFeedNonPositiveAnswer(int256 answer);

    /// @notice Moving from `previous` to `answer` exceeds the bound of `maxMoveBps` basis points.
    error PriceFeedMoveTooLarge(int256 previous, int256 answer, uint256 maxMoveBps);

    /// @notice The feed has no round yet.
    error PriceFeedNoData();

    /// @notice Round `roundId` was never stored.
    error PriceFeedUnknownRound(uint80 roundId);

    /// @notice A move bound of `maxMoveBps` is not between 1 and `limit` basis points.
    error PriceFeedInvalidMaxMove(int256 maxMoveBps, uint256 limit);

    /// @notice Stores a report signed by a quorum of the signer set as the next round.
    /// @dev Anyone may submit. Reverts, in this order, with `PriceFeedWrongFeed`,
    /// `PriceFeedRoundNotIncreasing`, `PriceFeedTimeNotIncreasing`, `PriceFeedFutureReport`
    /// (`updatedAt > block.timestamp + maxFutureSkew()`), `PriceFeedNonPositiveAnswer` (only when
    /// `positiveOnly()`), `PriceFeedMoveTooLarge` (`|answer - previous| * 10_000 >
    /// maxMoveBps() * |previous|`, skipped for the first round), then on the signer set (the
    /// `IQuorum` errors): `QuorumNotMet` (before any signature is recovered), and per signature
    /// `QuorumInvalidSignature`, `QuorumSignersNotSorted`, `QuorumSignerNotMember`. Every
    /// signature given is checked. Emits `AnswerUpdated` and `ReportSubmitted`.
    /// @param report The signed report.
    /// @param signatures 65-byte (r, s, v) signatures over `reportDigest(...)` of `report`, sorted
    /// by signer address, strictly ascending.
    function submit(PriceReport calldata report, bytes[] calldata signatures) external;

    /// @notice Replaces the signer set and threshold. Owner only.
    /// @dev Reverts with `QuorumTooManySigners` (above `MAX_SIGNERS()`), `QuorumInvalidThreshold`
    /// (zero or above the set size), `QuorumZeroSigner` or `QuorumDuplicateSigner`, as does the
    /// constructor for the initial set. Emits `SignersSet`.
    /// @param signers The new signer addresses, at most `MAX_SIGNERS()`.
    /// @param threshold How many distinct signers must sign a report.
    function setSigners(address[] calldata signers, uint8 threshold) external;

    /// @notice The largest signer set `setSigners` accepts.
    function MAX_SIGNERS() external view returns (uint256);

    /// @notice The largest per-round move bound, in basis points.
    function MAX_MOVE_BPS_LIMIT() external view returns (uint256);

    /// @notice The EIP-712 type hash of `PriceReport`.
    function REPORT_TYPEHASH() external view returns (bytes32);

    /// @notice The chain-agnostic EIP-712 domain separator (name "crossflow Oracle", version
    /// "1"), identical on every chain and for every feed.
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice The EIP-712 digest signers sign for a report with these fields.
    function reportDigest(bytes32 feedId, int256 answer, uint256 updatedAt, uint80 roundId)
        external
        view
        returns (bytes32);

    /// @notice The identifier reports must carry, such as `keccak256("ETH/USD")`.
    function feedId() external view returns (bytes32);

    /// @notice The per-round move bound in basis points of the previous answer.
    function maxMoveBps() external view returns (uint256);

    /// @notice How many seconds a report's `updatedAt` may lie after the block time.
    function maxFutureSkew() external view returns (uint256);

    /// @notice Whether zero and negative answers are rejected.
    function positiveOnly() external view returns (bool);

    /// @notice The current signer set, in the order it was set.
    function signers() external view returns (address[] memory);

    /// @notice How many distinct signers must sign a report.
    function threshold() external view returns (uint8);

    /// @notice The latest stored round, zero while there is none.
    function latestRound() external view returns (uint80);
}
