// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {FeedConsumer} from "../../src/libraries/FeedConsumer.sol";
import {PriceFeed} from "../../src/oracle/PriceFeed.sol";
import {FeedConsumerHarness} from "../helpers/FeedConsumerHarness.sol";
import {OracleTest} from "./OracleTest.sol";

/// @notice A feed returning whatever round the test sets.
contract MockAggregator is AggregatorV3Interface {
    uint80 internal _roundId;
    int256 internal _answer;
    uint256 internal _updatedAt;
    uint80 internal _answeredInRound;

    function set(uint80 roundId, int256 answer, uint256 updatedAt, uint80 answeredInRound)
        external
    {
        (_roundId, _answer, _updatedAt, _answeredInRound) =
        (roundId, answer, updatedAt, answeredInRound);
    }

    function decimals() external pure returns (uint8) {
        return 8;
    }

    function description() external pure returns (string memory) {
        return "mock";
    }

    function version() external pure returns (uint256) {
        return 4;
    }

    function getRoundData(uint80) external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_roundId, _answer, _updatedAt, _updatedAt, _answeredInRound);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_roundId, _answer, _updatedAt, _updatedAt, _answeredInRound);
    }
}

contract FeedConsumerTest is OracleTest {
    uint256 internal constant MAX_AGE = 1 hours;
    uint256 internal constant GRACE = 30 minutes;

    FeedConsumerHarness internal harness;
    MockAggregator internal mock;
    FeedConsumerHarness internal mockHarness;

    function setUp() public override {
        super.setUp();
        harness = new FeedConsumerHarness(AggregatorV3Interface(address(feed)), MAX_AGE, GRACE);
        mock = new MockAggregator();
        mockHarness = new FeedConsumerHarness(AggregatorV3Interface(address(mock)), MAX_AGE, GRACE);
    }

    function test_freshAnswer_ReturnsAnswerUpToMaxAge() public {
        post(feed, ETH_PRICE, 1);
        vm.warp(START_TIME + MAX_AGE);
        (int256 answer, uint256 updatedAt) = harness.freshAnswer();
        assertEq(answer, ETH_PRICE);
        assertEq(updatedAt, START_TIME);
        assertTrue(harness.isFresh());
    }

    function test_freshAnswer_AcceptsFutureTimestamp() public {
        mock.set(1, ETH_PRICE, block.timestamp + 30, 1);
        (int256 answer,) = mockHarness.freshAnswer();
        assertEq(answer, ETH_PRICE);
    }

    function test_RevertWhen_FeedStale() public {
        post(feed, ETH_PRICE, 1);
        vm.warp(START_TIME + MAX_AGE + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                FeedConsumer.FeedStale.selector, address(feed), START_TIME, MAX_AGE
            )
        );
        harness.freshAnswer();
        assertFalse(harness.isFresh());
    }

    function test_RevertWhen_FeedAnswerNonPositive() public {
        mock.set(1, 0, block.timestamp, 1);
        vm.expectRevert(
            abi.encodeWithSelector(FeedConsumer.FeedNonPositiveAnswer.selector, address(mock), 0)
        );
        mockHarness.freshAnswer();
        mock.set(1, -1, block.timestamp, 1);
        vm.expectRevert(
            abi.encodeWithSelector(FeedConsumer.FeedNonPositiveAnswer.selector, address(mock), -1)
        );
        mockHarness.freshAnswer();
        assertFalse(mockHarness.isFresh());
    }

    function test_RevertWhen_FeedRoundIncomplete() public {
        mock.set(5, ETH_PRICE, block.timestamp, 4);
        vm.expectRevert(
            abi.encodeWithSelector(FeedConsumer.FeedIncompleteRound.selector, address(mock), 5, 4)
        );
        mockHarness.freshAnswer();
        mock.set(5, ETH_PRICE, 0, 5);
        vm.expectRevert(
            abi.encodeWithSelector(FeedConsumer.FeedIncompleteRound.selector, address(mock), 5, 5)
        );
        mockHarness.freshAnswer();
        assertFalse(mockHarness.isFresh());
    }

    function test_isFresh_FalseWhenFeedReverts() public view {
        // No round yet: `latestRoundData` reverts with `PriceFeedNoData`.
        assertFalse(harness.isFresh());
    }

    function test_liquidationsAllowed_WhileFreshAndNeverStale() public {
        post(feed, ETH_PRICE, 1);
        harness.poke();
        assertTrue(harness.liquidationsAllowed());
    }

    function test_liquidationsAllowed_FalseWhileStale() public {
        post(feed, ETH_PRICE, 1);
        vm.warp(START_TIME + MAX_AGE + 1);
        assertFalse(harness.liquidationsAllowed());
        harness.poke();
        (uint64 staleSince,) = harness.recovery();
        assertEq(staleSince, START_TIME + MAX_AGE + 1);
        assertFalse(harness.liquidationsAllowed());
    }

    function test_liquidationsAllowed_WaitsGraceAfterRecovery() public {
        post(feed, ETH_PRICE, 1);
        vm.warp(START_TIME + 2 hours);
        harness.poke();
        (uint64 staleSince,) = harness.recovery();
        assertEq(staleSince, START_TIME + 2 hours);

        // A later poke while still stale keeps the first stale time.
        vm.warp(START_TIME + 3 hours);
        harness.poke();
        (staleSince,) = harness.recovery();
        assertEq(staleSince, START_TIME + 2 hours);

        // The feed recovers: fresh answers, but liquidations still wait for the grace period.
        post(feed, ETH_PRICE, 2);
        uint256 recoveredAt = block.timestamp;
        harness.poke();
        (uint64 staleSinceAfter, uint64 recovered) = harness.recovery();
        assertEq(staleSinceAfter, 0);
        assertEq(recovered, recoveredAt);
        assertTrue(harness.isFresh());
        harness.freshAnswer();
        assertFalse(harness.liquidationsAllowed());

        vm.warp(recoveredAt + GRACE - 1);
        assertFalse(harness.liquidationsAllowed());
        vm.warp(recoveredAt + GRACE);
        assertTrue(harness.liquidationsAllowed());
    }

    function test_observe_FreshWithoutStalePeriodChangesNothing() public {
        post(feed, ETH_PRICE, 1);
        harness.poke();
        (uint64 staleSince, uint64 recoveredAt) = harness.recovery();
        assertEq(staleSince, 0);
        assertEq(recoveredAt, 0);
    }

    function testFuzz_liquidationsAllowed_OnlyAfterGrace(uint256 staleFor, uint256 waited) public {
        staleFor = bound(staleFor, MAX_AGE + 1, 30 days);
        waited = bound(waited, 0, 2 * GRACE);
        post(feed, ETH_PRICE, 1);
        vm.warp(START_TIME + staleFor);
        harness.poke();
        post(feed, ETH_PRICE, 2);
        harness.poke();
        vm.warp(block.timestamp + waited);
        assertEq(harness.liquidationsAllowed(), waited >= GRACE);
    }
}
