// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IOptionsMarket, IOptionsMarketBase} from "../../src/interfaces/IOptionsMarket.sol";
import {BlackScholes} from "../../src/libraries/BlackScholes.sol";
import {MarketAdmin} from "../../src/market/MarketAdmin.sol";
import {OptionsMarket} from "../../src/market/OptionsMarket.sol";
import {MarketTest} from "./MarketTest.sol";

/// @notice Listing, placing, matching, cancelling and the ledger effects of a trade.
contract OptionsMarketTest is MarketTest {
    // ---------------------------------------------------------------- listing

    function test_listSeries_ListsAndEmits() public {
        vm.prank(owner);
        uint32 put = market.listSeries(2500e18, expiry, false, TICK, LOT, MAX_TICK);
        assertEq(put, 2);
        assertEq(market.seriesCount(), 2);
        IOptionsMarketBase.Series memory listed = market.series(put);
        assertEq(listed.strike, 2500e18);
        assertFalse(listed.isCall);
        assertFalse(listed.settled);
    }

    function test_RevertWhen_ListingDuplicateTerms() public {
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketDuplicateSeries.selector, 1)
        );
        market.listSeries(STRIKE, expiry, true, TICK * 2, LOT, MAX_TICK);
    }

    function test_RevertWhen_ListingBadTerms() public {
        uint64 past = uint64(block.timestamp);
        vm.startPrank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketInvalidSeries.selector, STRIKE, TICK, LOT, past
            )
        );
        market.listSeries(STRIKE, past, true, TICK, LOT, MAX_TICK);
        uint128 tooLow = uint128(BlackScholes.MIN_PRICE - 1);
        vm.expectPartialRevert(IOptionsMarketBase.MarketInvalidSeries.selector);
        market.listSeries(tooLow, expiry, true, TICK, LOT, MAX_TICK);
        vm.expectPartialRevert(IOptionsMarketBase.MarketInvalidSeries.selector);
        market.listSeries(STRIKE + 1, expiry, true, 0, LOT, MAX_TICK);
        vm.expectPartialRevert(IOptionsMarketBase.MarketInvalidSeries.selector);
        market.listSeries(STRIKE + 1, expiry, true, TICK, 0, MAX_TICK);
        vm.stopPrank();
    }

    function test_RevertWhen_ListingNotOwner() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        market.listSeries(STRIKE + 1, expiry, true, TICK, LOT, MAX_TICK);
    }

    // ---------------------------------------------------------------- resting and matching

    function test_place_RestsAndReservesMargin() public {
        uint64 id = bid(alice, 150e18, 1e18);
        (uint16 bidTick, bool hasBid,, bool hasAsk) = market.bestPrices(callId);
        assertEq(bidTick, 1500);
        assertTrue(hasBid);
        assertFalse(hasAsk);
        IOptionsMarketBase.OpenOrder[] memory open = market.ordersOf(alice);
        assertEq(open.length, 1);
        assertEq(open[0].id, id);
        assertEq(open[0].lots, 10);
        assertGt(open[0].reservedMargin, 0);
        assertEq(market.health(alice).openOrderMargin, open[0].reservedMargin);
        (uint16[] memory ticks, uint128[] memory lots) = market.depth(callId, true, 5);
        assertEq(ticks.length, 1);
        assertEq(lots[0], 10);
    }

    function test_place_TradesAtTheMakersPriceAndMovesCashZeroSum() public {
        bid(alice, 150e18, 1e18);
        int256 before = market.cash(alice) + market.cash(bob) + market.cash(feeAccount);
        vm.prank(bob);
        (uint64 rested, uint64 filled) =
            market.place(callId, false, 140e18, 1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS);
        assertEq(rested, 0);
        assertEq(filled, 10);
        assertEq(position(alice, callId), 10);
        assertEq(position(bob, callId), -10);
        uint256 premium = 150e18; // one contract at the maker's 150
        assertEq(market.cash(alice), int256(CASH) - int256(premium + premium * MAKER_FEE_BPS / 1e4));
        assertEq(market.cash(bob), int256(CASH) + int256(premium - premium * TAKER_FEE_BPS / 1e4));
        assertEq(market.cash(alice) + market.cash(bob) + market.cash(feeAccount), before);
        assertEq(market.health(alice).openOrderMargin, 0);
        assertEq(market.ordersOf(alice).length, 0);
    }

    function test_place_FillsInPriceTimePriorityAndRestsTheRest() public {
        uint64 first = ask(alice, 160e18, 0.5e18);
        uint64 second = ask(carol, 160e18, 0.5e18);
        uint64 cheaper = ask(carol, 155e18, 0.2e18);
        vm.prank(bob);
        (uint64 rested, uint64 filled) =
            market.place(callId, true, 160e18, 1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS);
        assertEq(filled, 10); // 2 at 155, then 5 of alice's (first in time), then 3 of carol's
        assertEq(rested, 0);
        assertEq(position(alice, callId), -5);
        assertEq(position(carol, callId), -5);
        IOptionsMarketBase.OpenOrder[] memory left = market.ordersOf(carol);
        assertEq(left.length, 1);
        assertEq(left[0].id, second);
        assertEq(left[0].lots, 2);
        assertTrue(first != cheaper);
    }

    function test_place_PostOnlyRestsOrRevertsWhenItWouldTrade() public {
        ask(alice, 160e18, 1e18);
        vm.startPrank(bob);
        (uint64 id,) =
            market.place(callId, true, 150e18, 1e18, IOptionsMarketBase.OrderKind.PostOnly, 0);
        assertGt(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketPostOnlyWouldCross.selector, 1600)
        );
        market.place(callId, true, 160e18, 1e18, IOptionsMarketBase.OrderKind.PostOnly, 0);
        vm.stopPrank();
    }

    function test_place_ImmediateOrCancelDropsTheRest() public {
        ask(alice, 160e18, 0.3e18);
        vm.prank(bob);
        (uint64 id, uint64 filled) = market.place(
            callId, true, 170e18, 1e18, IOptionsMarketBase.OrderKind.ImmediateOrCancel, MAX_FILLS
        );
        assertEq(id, 0);
        assertEq(filled, 3);
        assertEq(market.ordersOf(bob).length, 0);
        assertEq(market.health(bob).openOrderMargin, 0);
    }

    function test_place_CancelsOwnRestingOrderInsteadOfTrading() public {
        uint64 mine = ask(alice, 150e18, 1e18);
        ask(carol, 155e18, 1e18);
        vm.expectEmit(address(market));
        emit IOptionsMarketBase.OrderCancelled(mine, alice, 10);
        vm.prank(alice);
        (, uint64 filled) =
            market.place(callId, true, 155e18, 1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS);
        assertEq(filled, 10); // from carol, never from herself
        assertEq(position(alice, callId), 10);
        assertEq(position(carol, callId), -10);
    }

    function test_place_StopsAtMaxFills() public {
        for (uint256 i; i < 5; ++i) {
            ask(carol, 150e18 + i * 1e18, 0.1e18);
        }
        vm.prank(bob);
        (uint64 id, uint64 filled) =
            market.place(callId, true, 160e18, 1e18, IOptionsMarketBase.OrderKind.Limit, 3);
        assertEq(filled, 3);
        assertEq(id, 0); // resting at the limit would cross the makers it could not reach
        (, bool hasBid, uint16 askTick,) = market.bestPrices(callId);
        assertEq(askTick, 1530);
        assertFalse(hasBid);
    }

    // ---------------------------------------------------------------- cancel

    /// @dev The cross-chain invariant suite found it: a self-trade cancel of the owner's only
    /// order in a series untracked the series, and the remainder then rested outside the
    /// owner's margin.
    function test_place_SelfTradeCancelThenRestKeepsTheSeriesTracked() public {
        uint256 imBefore = market.health(alice).result.im;
        bid(alice, 100e18, 1e18); // alice's only order in the series
        ask(alice, 90e18, 1e18); // meets her own bid: the bid is cancelled, the ask rests
        bid(bob, 90e18, 1e18); // bob lifts it: alice is short 10 lots
        assertEq(position(alice, callId), -10, "positionsOf shows the short");
        assertGt(market.health(alice).result.im, imBefore, "IM counts the short");
    }

    function test_cancel_FreesTheReservedMargin() public {
        uint64 id = bid(alice, 150e18, 1e18);
        vm.prank(alice);
        market.cancel(id);
        assertEq(market.ordersOf(alice).length, 0);
        assertEq(market.health(alice).openOrderMargin, 0);
        (,,, bool hasAsk) = market.bestPrices(callId);
        assertFalse(hasAsk);
    }

    function test_RevertWhen_CancellingAnotherAccountsOrder() public {
        uint64 id = bid(alice, 150e18, 1e18);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketNotOrderOwner.selector, id, bob)
        );
        market.cancel(id);
    }

    function test_RevertWhen_CancellingOrdersOfAnAccountThatCoversThem() public {
        bid(alice, 150e18, 1e18);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketOrdersCovered.selector, alice)
        );
        market.cancelOrdersOf(alice);
    }

    // ---------------------------------------------------------------- bad input

    function test_RevertWhen_OrderIsMalformed() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IOptionsMarketBase.MarketUnknownSeries.selector, 9));
        market.place(9, true, 150e18, 1e18, IOptionsMarketBase.OrderKind.Limit, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketInvalidSize.selector, 0, LOT)
        );
        market.place(callId, true, 150e18, 0, IOptionsMarketBase.OrderKind.Limit, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketInvalidSize.selector, 0.15e18, LOT)
        );
        market.place(callId, true, 150e18, 0.15e18, IOptionsMarketBase.OrderKind.Limit, 1);
        uint256 cap = uint256(MAX_TICK) * TICK;
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketInvalidPrice.selector, 0, TICK, cap)
        );
        market.place(callId, true, 0, 1e18, IOptionsMarketBase.OrderKind.Limit, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketInvalidPrice.selector, 150.05e18, TICK, cap
            )
        );
        market.place(callId, true, 150.05e18, 1e18, IOptionsMarketBase.OrderKind.Limit, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketInvalidPrice.selector, cap + TICK, TICK, cap
            )
        );
        market.place(callId, true, cap + TICK, 1e18, IOptionsMarketBase.OrderKind.Limit, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketTooManyFills.selector, MAX_FILLS + 1, MAX_FILLS
            )
        );
        market.place(callId, true, 150e18, 1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS + 1);
        vm.stopPrank();
        assertEq(market.ordersOf(alice).length, 0);
    }

    function test_RevertWhen_SeriesExpired() public {
        vm.warp(expiry);
        refreshFeeds();
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketSeriesExpired.selector, callId, expiry, block.timestamp
            )
        );
        market.place(callId, true, 150e18, 1e18, IOptionsMarketBase.OrderKind.Limit, 1);
    }

    function test_RevertWhen_OrderWouldLeaveAccountBelowIm() public {
        address poor = makeAddr("poor");
        fund(poor, 1000e18);
        vm.prank(poor);
        vm.expectPartialRevert(IOptionsMarketBase.MarketInsufficientMargin.selector);
        market.place(callId, false, 150e18, 10e18, IOptionsMarketBase.OrderKind.Limit, 1);
        assertEq(market.ordersOf(poor).length, 0);
        (uint32[] memory ids,) = market.positionsOf(poor);
        assertEq(ids.length, 0);
    }

    function test_RevertWhen_FeedIsStaleForARiskIncreasingOrder() public {
        vm.warp(block.timestamp + 2 hours);
        vm.prank(alice);
        vm.expectRevert();
        market.place(callId, true, 150e18, 1e18, IOptionsMarketBase.OrderKind.Limit, 1);
    }

    // ---------------------------------------------------------------- the admin module

    function test_RevertWhen_CallingAFunctionNeitherHalfKnows() public {
        (bool ok,) = address(market).call(abi.encodeWithSignature("drain(address)", alice));
        assertFalse(ok);
    }

    function test_AdminModuleCalledDirectlyLeavesTheMarketAlone() public {
        MarketAdmin module = OptionsMarket(address(market)).admin();
        vm.prank(owner);
        uint32 id = module.listSeries(STRIKE + 100e18, expiry, true, TICK, LOT, MAX_TICK);
        assertEq(id, 1); // the first series of the module's own, unused storage
        assertEq(market.seriesCount(), 1);
    }
}
