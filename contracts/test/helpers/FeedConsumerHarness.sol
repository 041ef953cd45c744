// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {FeedConsumer} from "../../src/libraries/FeedConsumer.sol";

/// @notice Exposes `FeedConsumer` with one `Recovery` record, as a market would hold it.
contract FeedConsumerHarness {
    using FeedConsumer for AggregatorV3Interface;
    using FeedConsumer for FeedConsumer.Recovery;

    AggregatorV3Interface public immutable FEED;
    uint256 public immutable MAX_AGE;
    uint256 public immutable GRACE;
    FeedConsumer.Recovery public recovery;

    constructor(AggregatorV3Interface feed, uint256 maxAge, uint256 grace) {
        FEED = feed;
        MAX_AGE = maxAge;
        GRACE = grace;
    }

    function freshAnswer() external view returns (int256, uint256) {
        return FEED.freshAnswer(MAX_AGE);
    }

    function isFresh() external view returns (bool) {
        return FEED.isFresh(MAX_AGE);
    }

    /// @dev What a deposit, top-up or keeper poke does: record freshness, never gated.
    function poke() external {
        recovery.observe(FEED.isFresh(MAX_AGE));
    }

    function liquidationsAllowed() external view returns (bool) {
        return recovery.liquidationsAllowed(FEED.isFresh(MAX_AGE), GRACE);
    }
}
