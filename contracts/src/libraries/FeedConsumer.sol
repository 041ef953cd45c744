// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/// @title FeedConsumer
/// @notice Safe reads of any Chainlink-style feed, and a liquidation grace period after a feed
/// recovers from staleness (the L2 sequencer-uptime pattern).
/// @dev Ages and grace periods are in seconds. Only liquidations wait out the grace period:
/// while a feed was stale nobody could react to prices, so positions get `grace` seconds to be
/// topped up at the fresh price first. Deposits and top-ups are never gated.
library FeedConsumer {
    /// @notice `feed` last updated at `updatedAt`, more than `maxAge` seconds ago.
    error FeedStale(address feed, uint256 updatedAt, uint256 maxAge);

    /// @notice `feed` answered `answer`, which is zero or negative.
    error FeedNonPositiveAnswer(address feed, int256 answer);

    /// @notice `feed` returned round `roundId` answered in the earlier `answeredInRound`.
    error FeedIncompleteRound(address feed, uint80 roundId, uint80 answeredInRound);

    /// @notice What a consumer last saw of one feed's freshness.
    /// @param staleSince When the feed was first observed stale, zero while it was fresh.
    /// @param recoveredAt When the feed was last observed fresh again after being stale, zero if
    /// it never was.
    struct Recovery {
        uint64 staleSince;
        uint64 recoveredAt;
    }

    /// @notice The latest answer of `feed`, reverting unless it is usable.
    /// @dev Reverts with `FeedIncompleteRound` (`answeredInRound < roundId` or `updatedAt` zero),
    /// `FeedNonPositiveAnswer`, or `FeedStale` when `block.timestamp - updatedAt > maxAge`. A
    /// feed timestamp in the future counts as age zero. Bubbles up a revert of the feed itself.
    /// @param feed Any `AggregatorV3Interface`.
    /// @param maxAge The oldest answer accepted, in seconds.
    /// @return answer The answer, scaled by `10 ** feed.decimals()`.
    /// @return updatedAt When the answer was observed.
    function freshAnswer(AggregatorV3Interface feed, uint256 maxAge)
        internal
        view
        returns (int256 answer, uint256 updatedAt)
    {
        uint80 roundId;
        uint80 answeredInRound;
        (roundId, answer,, updatedAt, answeredInRound) = feed.latestRoundData();
        if (updatedAt == 0 || answeredInRound < roundId) {
            revert FeedIncompleteRound(address(feed), roundId, answeredInRound);
        }
        if (answer <= 0) revert FeedNonPositiveAnswer(address(feed), answer);
        if (!_isFresh(updatedAt, maxAge)) revert FeedStale(address(feed), updatedAt, maxAge);
    }

    /// @notice Whether `feed` has a usable answer no older than `maxAge`; never reverts on a
    /// feed that reverts or returns garbage.
    function isFresh(AggregatorV3Interface feed, uint256 maxAge) internal view returns (bool) {
        try feed.latestRoundData() returns (
            uint80 roundId, int256 answer, uint256, uint256 updatedAt, uint80 answeredInRound
        ) {
            return updatedAt != 0 && answeredInRound >= roundId && answer > 0
                && _isFresh(updatedAt, maxAge);
        } catch {
            return false;
        }
    }

    /// @notice Records whether the feed is fresh now, starting or ending a stale period.
    /// @dev Call it on every interaction that reads the feed (deposits, top-ups, trades, a
    /// keeper's poke): a stale period nobody observed is not detected, so the grace period is as
    /// good as the observations.
    /// @param recovery The consumer's record for this feed.
    /// @param fresh Whether the feed is fresh now (for example `isFresh(feed, maxAge)`).
    function observe(Recovery storage recovery, bool fresh) internal {
        if (!fresh) {
            if (recovery.staleSince == 0) recovery.staleSince = uint64(block.timestamp);
        } else if (recovery.staleSince != 0) {
            recovery.staleSince = 0;
            recovery.recoveredAt = uint64(block.timestamp);
        }
    }

    /// @notice Whether liquidations may run: the feed is fresh, not recorded stale, and at least
    /// `grace` seconds passed since it was last recorded as recovered.
    /// @param recovery The consumer's record for this feed, updated by `observe`.
    /// @param fresh Whether the feed is fresh now.
    /// @param grace The seconds liquidations wait after a recovery.
    function liquidationsAllowed(Recovery storage recovery, bool fresh, uint256 grace)
        internal
        view
        returns (bool)
    {
        if (!fresh || recovery.staleSince != 0) return false;
        // Seconds of validator clock skew are negligible against grace periods of minutes.
        // forge-lint: disable-next-line(block-timestamp)
        return block.timestamp >= uint256(recovery.recoveredAt) + grace;
    }

    /// @dev A timestamp after the block time counts as age zero.
    function _isFresh(uint256 updatedAt, uint256 maxAge) private view returns (bool) {
        // Seconds of validator clock skew are negligible against feed heartbeats of minutes.
        // forge-lint: disable-next-line(block-timestamp)
        return updatedAt >= block.timestamp || block.timestamp - updatedAt <= maxAge;
    }
}
