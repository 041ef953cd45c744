// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {OracleTest} from "./OracleTest.sol";

/// @notice A consumer written against Chainlink's interface only, as an external protocol would
/// be: it knows nothing of `PriceFeed`, signers or reports.
contract ChainlinkConsumer {
    error ChainlinkConsumerStale(uint256 updatedAt);
    error ChainlinkConsumerBadAnswer(int256 answer);

    AggregatorV3Interface public immutable FEED;
    uint256 public immutable MAX_AGE;

    constructor(AggregatorV3Interface feed, uint256 maxAge) {
        FEED = feed;
        MAX_AGE = maxAge;
    }

    /// @notice The feed's answer as a WAD (1e18), rejecting stale or non-positive rounds.
    function priceWad() external view returns (uint256) {
        (uint80 roundId, int256 answer,, uint256 updatedAt, uint80 answeredInRound) =
            FEED.latestRoundData();
        if (answer <= 0 || answeredInRound < roundId) revert ChainlinkConsumerBadAnswer(answer);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp - updatedAt > MAX_AGE) revert ChainlinkConsumerStale(updatedAt);
        // Positive after the check above.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint256(answer) * 10 ** (18 - FEED.decimals());
    }

    /// @notice The answer of a past round, unscaled.
    function answerAt(uint80 roundId) external view returns (int256 answer) {
        (, answer,,,) = FEED.getRoundData(roundId);
    }
}

contract ChainlinkConsumerTest is OracleTest {
    ChainlinkConsumer internal consumer;

    function setUp() public override {
        super.setUp();
        consumer = new ChainlinkConsumer(AggregatorV3Interface(address(feed)), 1 hours);
    }

    function test_priceWad_ReadsFeedThroughChainlinkInterface() public {
        post(feed, ETH_PRICE, 1);
        assertEq(consumer.priceWad(), 3000e18);
        vm.warp(block.timestamp + 30);
        post(feed, 3100e8, 2);
        assertEq(consumer.priceWad(), 3100e18);
        assertEq(consumer.answerAt(1), ETH_PRICE);
    }

    function test_RevertWhen_ConsumerReadsStaleFeed() public {
        post(feed, ETH_PRICE, 1);
        vm.warp(block.timestamp + 1 hours + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ChainlinkConsumer.ChainlinkConsumerStale.selector, START_TIME)
        );
        consumer.priceWad();
    }

    function test_chainlinkMetadata() public view {
        AggregatorV3Interface chainlink = AggregatorV3Interface(address(feed));
        assertEq(chainlink.decimals(), 8);
        assertEq(chainlink.description(), "ETH / USD");
        assertEq(chainlink.version(), 1);
    }
}
