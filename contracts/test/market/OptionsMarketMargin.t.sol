// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOptionsMarket, IOptionsMarketBase} from "../../src/interfaces/IOptionsMarket.sol";
import {MarketTest} from "./MarketTest.sol";

/// @notice Open orders carry margin: own orders never take an account below IM, fills never
/// re-run the maker's margin yet stay within what its order reserved, risk-reducing orders pass
/// below IM, and anyone may cancel the orders of an account that no longer covers them.
contract OptionsMarketMarginTest is MarketTest {
    address internal dave = makeAddr("dave");

    function setUp() public override {
        super.setUp();
        // carol makes a two-sided market around the model value at several prices
        for (uint256 i; i < 4; ++i) {
            bid(carol, 120e18 + i * 5e18, 1e18);
            ask(carol, 200e18 + i * 5e18, 1e18);
        }
    }

    function covers(address account) internal view returns (bool) {
        IOptionsMarketBase.Health memory h = market.health(account);
        return h.result.equity >= int256(h.result.im + h.openOrderMargin);
    }

    /// @dev Random orders of one account against carol's book: after each one it takes, the
    /// account still covers IM with every open order counted as filled.
    function testFuzz_OwnOrdersNeverTakeAnAccountBelowIm(uint256 seed, uint256 deposit) public {
        fund(dave, bound(deposit, 500e18, 20_000e18));
        for (uint256 i; i < 12; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            bool isBid = r & 1 == 0;
            uint256 price = (100e18 + ((r >> 8) % 1200) * TICK);
            uint256 amount = (1 + (r >> 40) % 30) * LOT;
            IOptionsMarketBase.OrderKind kind = IOptionsMarketBase.OrderKind((r >> 80) % 3);
            vm.prank(dave);
            try market.place(callId, isBid, price, amount, kind, MAX_FILLS) {
                assertTrue(covers(dave), "an own order left the account below IM");
            } catch {}
            if ((r >> 120) % 4 == 0) {
                IOptionsMarketBase.OpenOrder[] memory open = market.ordersOf(dave);
                if (open.length != 0) {
                    vm.prank(dave);
                    market.cancel(open[0].id);
                    assertTrue(covers(dave));
                }
            }
        }
    }

    /// @dev A fill changes the maker's requirement (IM + open-order margin) by no more than the
    /// margin its order had reserved for the filled lots: the maker was never re-checked.
    function testFuzz_FillStaysWithinTheMakersReservedMargin(uint256 lots, uint256 takeLots)
        public
    {
        lots = bound(lots, 1, 50);
        takeLots = bound(takeLots, 1, lots);
        fund(dave, 50_000e18);
        vm.prank(dave);
        (uint64 id,) = market.place(
            callId, false, 260e18, lots * LOT, IOptionsMarketBase.OrderKind.PostOnly, 0
        );
        IOptionsMarketBase.Health memory before = market.health(dave);
        uint256 reserved = market.ordersOf(dave)[0].reservedMargin;
        vm.prank(bob);
        market.place(
            callId, true, 260e18, takeLots * LOT, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS
        );
        IOptionsMarketBase.Health memory afterFill = market.health(dave);
        uint256 requiredBefore = before.result.im + before.openOrderMargin;
        uint256 requiredAfter = afterFill.result.im + afterFill.openOrderMargin;
        // The premium received raised equity; the requirement moved by at most the reserve.
        assertLe(requiredAfter, requiredBefore + reserved * takeLots / lots + 1);
        assertTrue(afterFill.result.equity >= int256(requiredAfter));
        assertTrue(id != 0);
    }

    function test_RiskReducingOrderPassesBelowIm() public {
        fund(dave, 2000e18);
        vm.prank(dave);
        market.place(callId, false, 120e18, 2e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS);
        assertEq(position(dave, callId), -20); // short two calls into carol's bids
        crashUp(); // the short calls lose
        assertFalse(covers(dave));
        vm.prank(dave);
        vm.expectPartialRevert(IOptionsMarketBase.MarketInsufficientMargin.selector);
        market.place(callId, false, 900e18, 1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS);
        vm.prank(dave); // buying back half is risk-reducing: taken without margin
        (uint64 id,) =
            market.place(callId, true, 100e18, 1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS);
        assertEq(market.ordersOf(dave)[0].reservedMargin, 0);
        assertTrue(id != 0);
        vm.prank(dave); // but not more than the position, counting the resting bid
        vm.expectPartialRevert(IOptionsMarketBase.MarketInsufficientMargin.selector);
        market.place(callId, true, 100e18, 1.1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS);
    }

    function test_AnyoneCancelsOrdersOfAnAccountThatNoLongerCoversThem() public {
        fund(dave, 2000e18);
        vm.startPrank(dave);
        market.place(callId, false, 120e18, 1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS);
        market.place(callId, false, 400e18, 1e18, IOptionsMarketBase.OrderKind.PostOnly, 0);
        vm.stopPrank();
        crashUp();
        assertFalse(covers(dave));
        vm.prank(bob);
        market.cancelOrdersOf(dave);
        assertEq(market.ordersOf(dave).length, 0);
        assertEq(market.health(dave).openOrderMargin, 0);
    }

    function test_RiskReducingOrderPassesWhileAFeedIsStale() public {
        fund(dave, 10_000e18);
        vm.prank(dave);
        market.place(callId, true, 220e18, 1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS);
        vm.warp(block.timestamp + 2 hours); // both feeds stale
        vm.prank(dave);
        market.place(callId, false, 300e18, 1e18, IOptionsMarketBase.OrderKind.PostOnly, 0);
        vm.prank(dave);
        vm.expectRevert(); // FeedStale: a risk-increasing order needs prices
        market.place(callId, false, 300e18, 1e18, IOptionsMarketBase.OrderKind.PostOnly, 0);
    }

    /// @dev Spot up by half in three rounds (each round may move at most 20%).
    function crashUp() internal {
        vm.warp(block.timestamp + 1);
        moveSpot(3500e8);
        vm.warp(block.timestamp + 1);
        moveSpot(4200e8);
        vm.warp(block.timestamp + 1);
        moveSpot(4500e8);
    }
}
