// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOptionsMarket, IOptionsMarketBase} from "../../src/interfaces/IOptionsMarket.sol";
import {MarketTest} from "./MarketTest.sol";

/// @notice Settlement: the right spot round, zero-sum payouts, orders of an expired series gone.
contract OptionsMarketSettlementTest is MarketTest {
    function setUp() public override {
        super.setUp();
        bid(alice, 150e18, 2e18);
        ask(bob, 150e18, 2e18); // alice long 2 calls, bob short 2
        bid(alice, 100e18, 1e18); // still resting at expiry
    }

    /// @dev A round just before expiry, then the first at or after it, at `settlement`.
    function expireAt(int256 settlement) internal returns (uint80 settlingRound) {
        vm.warp(expiry - 1);
        moveSpot(ETH_PRICE);
        vm.warp(expiry + 5);
        moveSpot(settlement);
        postVol(0.6e18);
        settlingRound = spotRound;
    }

    function test_settle_PaysLongsFromShortsZeroSum() public {
        uint80 round = expireAt(3300e8);
        market.settleSeries(callId, round);
        int256 before = market.cash(alice) + market.cash(bob);
        market.settlePosition(alice, callId);
        market.settlePosition(bob, callId);
        int256 payout = 2 * 300e18; // two contracts, 300 in the money
        assertEq(market.cash(alice) + market.cash(bob), before);
        assertEq(position(alice, callId), 0);
        assertEq(position(bob, callId), 0);
        assertEq(market.series(callId).settlementPrice, 3300e18);
        (uint32[] memory aliceSeries,) = market.positionsOf(alice);
        assertEq(aliceSeries.length, 0); // the resting bid was cancelled, the series left
        assertEq(market.ordersOf(alice).length, 0);
        assertEq(market.health(alice).openOrderMargin, 0);
        assertGt(payout, 0);
    }

    /// @dev A batch settles each account once: the same cash as one by one, zero-sum, and an
    /// account listed twice (or holding nothing) is paid nothing more.
    function test_settlePositions_BatchSettlesEachAccountOnceZeroSum() public {
        uint80 round = expireAt(3300e8);
        market.settleSeries(callId, round);
        int256 aliceBefore = market.cash(alice);
        int256 bobBefore = market.cash(bob);
        address[] memory accounts = new address[](4);
        (accounts[0], accounts[1], accounts[2], accounts[3]) = (alice, bob, alice, carol);
        market.settlePositions(callId, accounts);
        assertEq(market.cash(alice), aliceBefore + 2 * 300e18);
        assertEq(market.cash(bob), bobBefore - 2 * 300e18);
        assertEq(position(alice, callId), 0);
        assertEq(position(bob, callId), 0);
        assertEq(market.ordersOf(alice).length, 0);
    }

    function test_RevertWhen_BatchSettlingBeforeTheSeries() public {
        expireAt(3300e8);
        address[] memory accounts = new address[](1);
        accounts[0] = alice;
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketSeriesNotSettled.selector, callId)
        );
        market.settlePositions(callId, accounts);
    }

    function test_settle_OutOfTheMoneyPaysNothing() public {
        uint80 round = expireAt(2900e8);
        market.settleSeries(callId, round);
        int256 aliceBefore = market.cash(alice);
        market.settlePosition(alice, callId);
        assertEq(market.cash(alice), aliceBefore);
    }

    function test_settle_WalksBackOverMissingRounds() public {
        vm.warp(expiry - 1);
        moveSpot(ETH_PRICE);
        vm.warp(expiry + 5);
        spotRound += 4; // rounds this chain never got
        moveSpot(3100e8);
        market.settleSeries(callId, spotRound);
        assertEq(market.series(callId).settlementPrice, 3100e18);
    }

    function test_RevertWhen_SettlingWithARoundBeforeExpiry() public {
        expireAt(3300e8);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketWrongSettlementRound.selector, spotRound - 1, expiry
            )
        );
        market.settleSeries(callId, spotRound - 1);
    }

    function test_RevertWhen_SettlingWithALaterRoundThanTheFirstAfterExpiry() public {
        uint80 first = expireAt(3300e8);
        vm.warp(expiry + 60);
        moveSpot(3350e8);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketWrongSettlementRound.selector, first + 1, expiry
            )
        );
        market.settleSeries(callId, first + 1);
    }

    function test_RevertWhen_SettlingBeforeExpiry() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketSeriesNotExpired.selector, callId, expiry
            )
        );
        market.settleSeries(callId, spotRound);
    }

    function test_RevertWhen_SettlingTwice() public {
        uint80 round = expireAt(3300e8);
        market.settleSeries(callId, round);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketSeriesSettled.selector, callId)
        );
        market.settleSeries(callId, round);
    }

    function test_RevertWhen_SettlingAPositionBeforeTheSeries() public {
        expireAt(3300e8);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketSeriesNotSettled.selector, callId)
        );
        market.settlePosition(alice, callId);
    }

    function test_settle_SettledSeriesCountsAsCashInMargin() public {
        uint80 round = expireAt(3300e8);
        market.settleSeries(callId, round);
        vm.warp(block.timestamp + 1);
        moveSpot(3000e8); // spot moves on; the settled series no longer does
        IOptionsMarketBase.Health memory h = market.health(alice);
        assertEq(h.result.equity, market.cash(alice) + 2 * 300e18);
    }
}
