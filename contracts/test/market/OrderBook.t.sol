// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OrderBook} from "../../src/market/OrderBook.sol";
import {BaseTest} from "../BaseTest.sol";
import {OrderBookHarness} from "./OrderBookHarness.sol";

/// @notice Every function of `OrderBook` and its edge cases, one book at a time: empty sides,
/// the ends of the tick range, bitmap word boundaries, queue links, partial fills, the step
/// bound and self-trade prevention.
contract OrderBookTest is BaseTest {
    bool private constant BID = true;
    bool private constant ASK = false;
    uint16 private constant MAX_TICK = OrderBook.MAX_TICK;

    OrderBookHarness private book;

    function setUp() public override {
        super.setUp();
        book = new OrderBookHarness();
    }

    // ----------------------------------------------------------------------------- insert

    function test_insert_FirstOrderOpensTheLevel() public {
        book.insert(1, alice, BID, 100, 7);

        OrderBook.Order memory order = book.order(1);
        assertEq(order.owner, alice);
        assertEq(order.tick, 100);
        assertTrue(order.isBid);
        assertEq(order.lots, 7);
        assertEq(order.prev, 0);
        assertEq(order.next, 0);
        _assertLevel(BID, 100, 1, 1, 7);
        assertEq(book.word(BID, 0), 1 << 100);
        assertEq(book.summary(BID), 1);
        assertEq(book.summary(ASK), 0);
        _assertBest(BID, 100);
    }

    function test_insert_AppendsBehindTheTail() public {
        book.insert(1, alice, ASK, 300, 2);
        book.insert(2, bob, ASK, 300, 3);
        book.insert(3, carol, ASK, 300, 4);

        _assertLevel(ASK, 300, 1, 3, 9);
        _assertQueue(ASK, 300, _ids(1, 2, 3));
        assertEq(book.order(1).next, 2);
        assertEq(book.order(2).prev, 1);
        assertEq(book.order(2).next, 3);
        assertEq(book.order(3).prev, 2);
        assertEq(book.order(3).next, 0);
        assertEq(book.word(ASK, 1), uint256(1) << (300 - 256));
        assertEq(book.summary(ASK), 1 << 1);
    }

    function test_insert_AtTickOneAndMaxTick() public {
        book.insert(1, alice, BID, 1, 1);
        book.insert(2, bob, ASK, MAX_TICK, 1);
        book.insert(3, carol, BID, MAX_TICK - 1, 1);
        book.insert(4, carol, ASK, 1, 1);

        assertEq(book.word(BID, 0), 1 << 1);
        assertEq(book.word(BID, 255), 1 << 254);
        assertEq(book.summary(BID), (1 << 255) | 1);
        assertEq(book.word(ASK, 0), 1 << 1);
        assertEq(book.word(ASK, 255), 1 << 255);
        assertEq(book.summary(ASK), (1 << 255) | 1);
        _assertBest(BID, MAX_TICK - 1);
        _assertBest(ASK, 1);
    }

    function test_insert_OnBothSidesOfAWordBoundary() public {
        book.insert(1, alice, BID, 255, 1);
        book.insert(2, alice, BID, 256, 1);
        assertEq(book.word(BID, 0), 1 << 255);
        assertEq(book.word(BID, 1), 1);
        assertEq(book.summary(BID), 3);
        _assertBest(BID, 256);
    }

    function test_insert_IntoAnEmptiedLevelStartsAFreshQueue() public {
        book.insert(1, alice, BID, 50, 1);
        book.insert(2, bob, BID, 50, 1);
        book.remove(1);
        book.remove(2);
        // The emptied level keeps its stale tail, which a new order must not link to.
        assertEq(book.level(BID, 50).head, 0);
        assertEq(book.level(BID, 50).lots, 0);

        book.insert(3, carol, BID, 50, 5);
        assertEq(book.order(3).prev, 0);
        _assertLevel(BID, 50, 3, 3, 5);
        _assertQueue(BID, 50, _ids(3));
        _assertBest(BID, 50);
    }

    function test_RevertWhen_InsertAtTickZero() public {
        vm.expectRevert(abi.encodeWithSelector(OrderBook.OrderBookInvalidTick.selector, 0));
        book.insert(1, alice, BID, 0, 1);
    }

    function test_RevertWhen_InsertZeroLots() public {
        vm.expectRevert(abi.encodeWithSelector(OrderBook.OrderBookZeroLots.selector, 9));
        book.insert(9, alice, BID, 10, 0);
    }

    function test_RevertWhen_InsertIdZero() public {
        vm.expectRevert(abi.encodeWithSelector(OrderBook.OrderBookInvalidOrderId.selector, 0));
        book.insert(0, alice, BID, 10, 1);
    }

    function test_RevertWhen_InsertIdAlreadyResting() public {
        book.insert(4, alice, BID, 10, 1);
        vm.expectRevert(abi.encodeWithSelector(OrderBook.OrderBookInvalidOrderId.selector, 4));
        book.insert(4, bob, ASK, 20, 1);
    }

    // ----------------------------------------------------------------------------- remove

    function test_remove_OnlyOrderEmptiesLevelWordAndSummary() public {
        book.insert(1, alice, ASK, 700, 6);
        assertEq(book.remove(1), 6);

        _assertGone(1);
        assertEq(book.level(ASK, 700).head, 0);
        assertEq(book.level(ASK, 700).lots, 0);
        assertEq(book.word(ASK, 700 >> 8), 0);
        assertEq(book.summary(ASK), 0);
        (, bool exists) = book.bestAsk();
        assertFalse(exists);
    }

    function test_remove_KeepsTheSummaryBitWhileTheWordHasOtherTicks() public {
        book.insert(1, alice, BID, 256, 1);
        book.insert(2, alice, BID, 511, 1);
        book.remove(2);
        assertEq(book.word(BID, 1), 1);
        assertEq(book.summary(BID), 1 << 1);
        _assertBest(BID, 256);
        book.remove(1);
        assertEq(book.word(BID, 1), 0);
        assertEq(book.summary(BID), 0);
    }

    function test_remove_Head() public {
        _threeAt(BID, 40);
        assertEq(book.remove(1), 1);
        _assertGone(1);
        _assertLevel(BID, 40, 2, 3, 5);
        _assertQueue(BID, 40, _ids(2, 3));
        assertEq(book.order(2).prev, 0);
    }

    function test_remove_Middle() public {
        _threeAt(BID, 40);
        assertEq(book.remove(2), 2);
        _assertGone(2);
        _assertLevel(BID, 40, 1, 3, 4);
        _assertQueue(BID, 40, _ids(1, 3));
        assertEq(book.order(1).next, 3);
        assertEq(book.order(3).prev, 1);
    }

    function test_remove_Tail() public {
        _threeAt(BID, 40);
        assertEq(book.remove(3), 3);
        _assertGone(3);
        _assertLevel(BID, 40, 1, 2, 3);
        _assertQueue(BID, 40, _ids(1, 2));
        assertEq(book.order(2).next, 0);
    }

    function test_remove_LeavesOtherLevelsAndTheOtherSideAlone() public {
        _threeAt(ASK, 40);
        book.insert(4, alice, ASK, 41, 9);
        book.insert(5, alice, BID, 40 - 1, 9);
        book.remove(4);
        _assertLevel(ASK, 40, 1, 3, 6);
        _assertBest(ASK, 40);
        _assertBest(BID, 39);
    }

    function test_RevertWhen_RemoveUnknownOrder() public {
        vm.expectRevert(abi.encodeWithSelector(OrderBook.OrderBookUnknownOrder.selector, 5));
        book.remove(5);
    }

    function test_RevertWhen_RemoveTwice() public {
        book.insert(5, alice, BID, 10, 1);
        book.remove(5);
        vm.expectRevert(abi.encodeWithSelector(OrderBook.OrderBookUnknownOrder.selector, 5));
        book.remove(5);
    }

    function test_RevertWhen_RemoveFilledOrder() public {
        book.insert(5, alice, ASK, 10, 1);
        book.take(bob, BID, 10, 1, 10);
        vm.expectRevert(abi.encodeWithSelector(OrderBook.OrderBookUnknownOrder.selector, 5));
        book.remove(5);
    }

    // ------------------------------------------------------------------------------- take

    function test_take_OnAnEmptyBookFillsNothing() public {
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, MAX_TICK, 5, 10);
        assertEq(fills.length, 0);
        assertEq(remaining, 5);
    }

    function test_take_IgnoresTheTakersOwnSide() public {
        book.insert(1, bob, BID, 100, 5);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, MAX_TICK, 5, 10);
        assertEq(fills.length, 0);
        assertEq(remaining, 5);
        _assertLevel(BID, 100, 1, 1, 5);
    }

    function test_take_StopsAtTheLimit() public {
        book.insert(1, bob, ASK, 100, 5);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, 99, 5, 10);
        assertEq(fills.length, 0);
        assertEq(remaining, 5);

        book.insert(2, bob, BID, 100, 5);
        (fills, remaining) = book.take(alice, ASK, 101, 5, 10);
        assertEq(fills.length, 0);
        assertEq(remaining, 5);
    }

    function test_take_FullFillRemovesTheMakerAndTheLevel() public {
        book.insert(1, bob, ASK, 100, 5);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, 100, 5, 10);

        assertEq(remaining, 0);
        assertEq(fills.length, 1);
        _assertFill(fills[0], 1, bob, 100, 5, true, false);
        _assertGone(1);
        assertEq(book.level(ASK, 100).head, 0);
        assertEq(book.level(ASK, 100).lots, 0);
        assertEq(book.word(ASK, 0), 0);
        assertEq(book.summary(ASK), 0);
    }

    function test_take_PartialFillKeepsTheMakerAtTheHead() public {
        book.insert(1, bob, ASK, 100, 5);
        book.insert(2, carol, ASK, 100, 5);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, 100, 3, 10);

        assertEq(remaining, 0);
        assertEq(fills.length, 1);
        _assertFill(fills[0], 1, bob, 100, 3, false, false);
        assertEq(book.order(1).lots, 2);
        _assertLevel(ASK, 100, 1, 2, 7);
        _assertQueue(ASK, 100, _ids(1, 2));
    }

    function test_take_PartialFillOfALaterMakerMakesItTheHead() public {
        _threeAt(ASK, 100);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, 100, 4, 10);

        assertEq(remaining, 0);
        assertEq(fills.length, 3);
        _assertFill(fills[0], 1, bob, 100, 1, true, false);
        _assertFill(fills[1], 2, carol, 100, 2, true, false);
        _assertFill(fills[2], 3, bob, 100, 1, false, false);
        _assertLevel(ASK, 100, 3, 3, 2);
        _assertQueue(ASK, 100, _ids(3));
        assertEq(book.order(3).lots, 2);
    }

    function test_take_ExactFillAtAQueueBoundaryLeavesTheNextAsHead() public {
        _threeAt(ASK, 100);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, 100, 3, 10);
        assertEq(remaining, 0);
        assertEq(fills.length, 2);
        _assertLevel(ASK, 100, 3, 3, 3);
        _assertQueue(ASK, 100, _ids(3));
    }

    function test_take_FillsALevelFirstInFirstOut() public {
        book.insert(7, carol, BID, 500, 1);
        book.insert(3, bob, BID, 500, 1);
        book.insert(9, carol, BID, 500, 1);
        (OrderBook.Fill[] memory fills,) = book.take(alice, ASK, 500, 3, 10);
        assertEq(fills.length, 3);
        assertEq(fills[0].orderId, 7);
        assertEq(fills[1].orderId, 3);
        assertEq(fills[2].orderId, 9);
    }

    function test_take_BidTakesTheLowestAsksFirstUpToTheLimit() public {
        book.insert(1, bob, ASK, 103, 1);
        book.insert(2, bob, ASK, 101, 1);
        book.insert(3, carol, ASK, 102, 1);
        book.insert(4, carol, ASK, 104, 1);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, 103, 10, 10);

        assertEq(remaining, 7);
        assertEq(fills.length, 3);
        _assertFill(fills[0], 2, bob, 101, 1, true, false);
        _assertFill(fills[1], 3, carol, 102, 1, true, false);
        _assertFill(fills[2], 1, bob, 103, 1, true, false);
        _assertBest(ASK, 104);
    }

    function test_take_AskTakesTheHighestBidsFirstDownToTheLimit() public {
        book.insert(1, bob, BID, 99, 2);
        book.insert(2, bob, BID, 101, 2);
        book.insert(3, carol, BID, 100, 2);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, ASK, 100, 3, 10);

        assertEq(remaining, 0);
        assertEq(fills.length, 2);
        _assertFill(fills[0], 2, bob, 101, 2, true, false);
        _assertFill(fills[1], 3, carol, 100, 1, false, false);
        _assertBest(BID, 100);
        assertEq(book.level(BID, 100).lots, 1);
    }

    function test_take_SweepsAcrossWordsAndTheWholeTickRange() public {
        book.insert(1, bob, ASK, 1, 1);
        book.insert(2, bob, ASK, 255, 1);
        book.insert(3, bob, ASK, 256, 1);
        book.insert(4, bob, ASK, MAX_TICK, 1);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, MAX_TICK, 5, 10);

        assertEq(remaining, 1);
        assertEq(fills.length, 4);
        assertEq(fills[0].tick, 1);
        assertEq(fills[1].tick, 255);
        assertEq(fills[2].tick, 256);
        assertEq(fills[3].tick, MAX_TICK);
        assertEq(book.summary(ASK), 0);
        assertEq(book.word(ASK, 0), 0);
        assertEq(book.word(ASK, 1), 0);
        assertEq(book.word(ASK, 255), 0);
    }

    function test_take_AskSweepsDownAcrossAWordBoundary() public {
        book.insert(1, bob, BID, 256, 1);
        book.insert(2, bob, BID, 255, 1);
        book.insert(3, bob, BID, 1, 1);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, ASK, 1, 3, 10);
        assertEq(remaining, 0);
        assertEq(fills[0].tick, 256);
        assertEq(fills[1].tick, 255);
        assertEq(fills[2].tick, 1);
        assertEq(book.summary(BID), 0);
    }

    function test_take_StopsAfterMaxSteps() public {
        _threeAt(ASK, 100);
        book.insert(4, carol, ASK, 101, 4);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, 101, 10, 2);

        assertEq(fills.length, 2);
        assertEq(remaining, 7);
        _assertLevel(ASK, 100, 3, 3, 3);
        _assertQueue(ASK, 100, _ids(3));
        assertEq(book.order(3).prev, 0);
        _assertBest(ASK, 100);
    }

    function test_take_MaxStepsCountsLevels() public {
        book.insert(1, bob, ASK, 100, 1);
        book.insert(2, bob, ASK, 101, 1);
        book.insert(3, bob, ASK, 102, 1);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, 102, 3, 2);
        assertEq(fills.length, 2);
        assertEq(remaining, 1);
        _assertBest(ASK, 102);
    }

    function test_take_ZeroMaxStepsOrZeroLotsDoNothing() public {
        book.insert(1, bob, ASK, 100, 1);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, 100, 1, 0);
        assertEq(fills.length, 0);
        assertEq(remaining, 1);
        (fills, remaining) = book.take(alice, BID, 100, 0, 5);
        assertEq(fills.length, 0);
        assertEq(remaining, 0);
        _assertLevel(ASK, 100, 1, 1, 1);
    }

    function test_take_CancelsTheTakersOwnRestingOrderInstead() public {
        book.insert(1, bob, ASK, 100, 2);
        book.insert(2, alice, ASK, 100, 3);
        book.insert(3, carol, ASK, 100, 4);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, BID, 100, 5, 10);

        assertEq(remaining, 0);
        assertEq(fills.length, 3);
        _assertFill(fills[0], 1, bob, 100, 2, true, false);
        _assertFill(fills[1], 2, alice, 100, 3, true, true);
        _assertFill(fills[2], 3, carol, 100, 3, false, false);
        _assertGone(2);
        _assertLevel(ASK, 100, 3, 3, 1);
    }

    function test_take_SelfTradeCancelCountsAsAStep() public {
        book.insert(1, alice, BID, 100, 2);
        book.insert(2, bob, BID, 100, 3);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, ASK, 100, 5, 1);

        assertEq(fills.length, 1);
        _assertFill(fills[0], 1, alice, 100, 2, true, true);
        assertEq(remaining, 5);
        _assertGone(1);
        _assertLevel(BID, 100, 2, 2, 3);
        assertEq(book.order(2).prev, 0);
    }

    function test_take_SelfTradeCancelCanEmptyTheSide() public {
        book.insert(1, alice, BID, 100, 2);
        (OrderBook.Fill[] memory fills, uint64 remaining) = book.take(alice, ASK, 1, 5, 10);
        assertEq(fills.length, 1);
        assertTrue(fills[0].selfTrade);
        assertEq(remaining, 5);
        assertEq(book.summary(BID), 0);
    }

    function test_take_ReturnsFillsThatLaterMemoryDoesNotOverwrite() public {
        _threeAt(ASK, 100);
        (OrderBook.Fill[] memory fills, uint256[] memory scribble) =
            book.takeThenAllocate(alice, BID, 100, 6, 10);
        assertEq(fills.length, 3);
        _assertFill(fills[0], 1, bob, 100, 1, true, false);
        _assertFill(fills[1], 2, carol, 100, 2, true, false);
        _assertFill(fills[2], 3, bob, 100, 3, true, false);
        assertEq(scribble[15], type(uint256).max);
    }

    // ------------------------------------------------------------------------------ views

    function test_best_OnAnEmptyBookDoesNotExist() public view {
        (uint16 tick, bool exists) = book.bestBid();
        assertEq(tick, 0);
        assertFalse(exists);
        (tick, exists) = book.bestAsk();
        assertEq(tick, 0);
        assertFalse(exists);
    }

    function test_best_PicksTheHighestBidAndTheLowestAsk() public {
        book.insert(1, alice, BID, 10, 1);
        book.insert(2, alice, BID, 300, 1);
        book.insert(3, alice, BID, 299, 1);
        book.insert(4, bob, ASK, 65_000, 1);
        book.insert(5, bob, ASK, 400, 1);
        book.insert(6, bob, ASK, 401, 1);
        _assertBest(BID, 300);
        _assertBest(ASK, 400);
    }

    function test_crosses_ComparesWithTheOppositeBest() public {
        assertFalse(book.crosses(BID, MAX_TICK));
        assertFalse(book.crosses(ASK, 1));
        book.insert(1, alice, BID, 100, 1);
        book.insert(2, bob, ASK, 105, 1);
        assertTrue(book.crosses(BID, 105));
        assertTrue(book.crosses(BID, MAX_TICK));
        assertFalse(book.crosses(BID, 104));
        assertTrue(book.crosses(ASK, 100));
        assertTrue(book.crosses(ASK, 1));
        assertFalse(book.crosses(ASK, 101));
    }

    function test_depth_ListsLevelsBestFirstWithTheirTotals() public {
        book.insert(1, alice, BID, 10, 1);
        book.insert(2, alice, BID, 300, 2);
        book.insert(3, bob, BID, 300, 3);
        book.insert(4, alice, BID, MAX_TICK - 1, 4);
        book.insert(5, alice, BID, 1, 5);

        (uint16[] memory ticks, uint128[] memory lots) = book.depth(BID, 10);
        assertEq(ticks.length, 4);
        assertEq(lots.length, 4);
        assertEq(ticks[0], MAX_TICK - 1);
        assertEq(lots[0], 4);
        assertEq(ticks[1], 300);
        assertEq(lots[1], 5);
        assertEq(ticks[2], 10);
        assertEq(lots[2], 1);
        assertEq(ticks[3], 1);
        assertEq(lots[3], 5);

        (ticks, lots) = book.depth(BID, 2);
        assertEq(ticks.length, 2);
        assertEq(ticks[1], 300);
    }

    function test_depth_AsksAscendAcrossWords() public {
        book.insert(1, alice, ASK, MAX_TICK, 1);
        book.insert(2, alice, ASK, 256, 2);
        book.insert(3, alice, ASK, 255, 3);
        (uint16[] memory ticks, uint128[] memory lots) = book.depth(ASK, type(uint256).max);
        assertEq(ticks.length, 3);
        assertEq(ticks[0], 255);
        assertEq(ticks[1], 256);
        assertEq(ticks[2], MAX_TICK);
        assertEq(lots[2], 1);
    }

    function test_depth_OfAnEmptySideOrZeroLevelsIsEmpty() public {
        (uint16[] memory ticks, uint128[] memory lots) = book.depth(ASK, 5);
        assertEq(ticks.length, 0);
        assertEq(lots.length, 0);
        book.insert(1, alice, ASK, 5, 1);
        (ticks, lots) = book.depth(ASK, 0);
        assertEq(ticks.length, 0);
    }

    /// @dev Any ticks anywhere in the range: depth lists the distinct ones best first with
    /// their totals, and removing every order in any order leaves all bitmaps empty.
    function testFuzz_depth_ListsAnyTicksBestFirst(uint16[8] memory ticks, bool isBid, uint256 seed)
        public
    {
        for (uint64 i; i < ticks.length; ++i) {
            ticks[i] = uint16(bound(ticks[i], 1, MAX_TICK));
            book.insert(i + 1, alice, isBid, ticks[i], i + 1);
        }

        (uint16[] memory levels, uint128[] memory lots) = book.depth(isBid, ticks.length);
        uint256 previous = isBid ? uint256(MAX_TICK) + 1 : 0;
        uint256 total;
        for (uint256 l; l < levels.length; ++l) {
            assertTrue(isBid ? levels[l] < previous : levels[l] > previous, "not best first");
            previous = levels[l];
            uint128 expected;
            for (uint64 i; i < ticks.length; ++i) {
                if (ticks[i] == levels[l]) expected += i + 1;
            }
            assertGt(expected, 0, "a level nobody rests at");
            assertEq(lots[l], expected, "level total");
            total += expected;
        }
        assertEq(total, 36, "every order is listed");
        _assertBest(isBid, levels[0]);

        for (uint256 left = ticks.length; left > 0; --left) {
            uint64 id = uint64(bound(uint256(keccak256(abi.encode(seed, left))), 1, 8));
            while (book.order(id).lots == 0) {
                id = id % 8 + 1;
            }
            book.remove(id);
        }
        assertEq(book.summary(isBid), 0);
        for (uint256 i; i < ticks.length; ++i) {
            assertEq(book.word(isBid, ticks[i] >> 8), 0);
        }
    }

    // ---------------------------------------------------------------------------- helpers

    /// @dev Orders 1, 2, 3 of bob, carol, bob with 1, 2, 3 lots at one level.
    function _threeAt(bool isBid, uint16 tick) private {
        book.insert(1, bob, isBid, tick, 1);
        book.insert(2, carol, isBid, tick, 2);
        book.insert(3, bob, isBid, tick, 3);
    }

    function _assertLevel(bool isBid, uint16 tick, uint64 head, uint64 tail, uint128 lots)
        private
        view
    {
        OrderBook.Level memory level = book.level(isBid, tick);
        assertEq(level.head, head, "head");
        assertEq(level.tail, tail, "tail");
        assertEq(level.lots, lots, "level lots");
    }

    function _assertQueue(bool isBid, uint16 tick, uint64[] memory expected) private view {
        uint64[] memory ids = book.queue(isBid, tick);
        assertEq(ids.length, expected.length, "queue length");
        for (uint256 i; i < ids.length; ++i) {
            assertEq(ids[i], expected[i], "queue order");
        }
    }

    function _assertBest(bool isBid, uint16 tick) private view {
        (uint16 best, bool exists) = isBid ? book.bestBid() : book.bestAsk();
        assertTrue(exists, "best exists");
        assertEq(best, tick, "best tick");
    }

    function _assertGone(uint64 id) private view {
        OrderBook.Order memory order = book.order(id);
        assertEq(order.owner, address(0));
        assertEq(order.tick, 0);
        assertFalse(order.isBid);
        assertEq(order.lots, 0);
        assertEq(order.prev, 0);
        assertEq(order.next, 0);
    }

    function _assertFill(
        OrderBook.Fill memory fill,
        uint64 orderId,
        address maker,
        uint16 tick,
        uint64 lots,
        bool makerDone,
        bool selfTrade
    ) private pure {
        assertEq(fill.orderId, orderId, "fill order");
        assertEq(fill.maker, maker, "fill maker");
        assertEq(fill.tick, tick, "fill tick");
        assertEq(fill.lots, lots, "fill lots");
        assertEq(fill.makerDone, makerDone, "fill makerDone");
        assertEq(fill.selfTrade, selfTrade, "fill selfTrade");
    }

    function _ids(uint64 a) private pure returns (uint64[] memory ids) {
        ids = new uint64[](1);
        ids[0] = a;
    }

    function _ids(uint64 a, uint64 b) private pure returns (uint64[] memory ids) {
        ids = new uint64[](2);
        (ids[0], ids[1]) = (a, b);
    }

    function _ids(uint64 a, uint64 b, uint64 c) private pure returns (uint64[] memory ids) {
        ids = new uint64[](3);
        (ids[0], ids[1], ids[2]) = (a, b, c);
    }
}
