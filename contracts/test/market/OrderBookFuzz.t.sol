// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OrderBook} from "../../src/market/OrderBook.sol";
import {BaseTest} from "../BaseTest.sol";
import {OrderBookHarness} from "./OrderBookHarness.sol";

/// @notice Random sequences of limit orders, immediate-or-cancel orders and cancels by three
/// accounts, run against the book and against a plain reference model: a list of resting orders
/// in arrival order, matched by scanning it for the best price and then the lowest id. After
/// every action both must agree on the fills (order, maker, tick, lots, done, self-trade), the
/// remaining size, every resting order and its place in its queue, every level's total and
/// bitmap bit, and the best prices, and the book must not be crossed.
/// @dev Orders rest the way the market rests them: `take` first, then the remainder only when
/// it would not cross (a remainder cut off by the step bound may still cross, and the market
/// drops it). Ticks come from {1..40} ∪ {250..262} ∪ {65500..65535}, half of them from 253..258,
/// so levels collide, queues grow, and sweeps cross words 0, 1 and 255 of the bitmap and both
/// ends of the tick range.
contract OrderBookFuzzTest is BaseTest {
    /// @dev One resting order of the model.
    struct Resting {
        uint64 id;
        address owner;
        bool isBid;
        uint16 tick;
        uint64 lots;
    }

    /// @dev The model: `orders[0..count)` in arrival order, which is id order.
    struct Model {
        Resting[] orders;
        uint256 count;
        uint64 lastId;
    }

    uint256 private constant SEQUENCE = 40;
    uint256 private constant LONG_SEQUENCE = 400;
    uint256 private constant TICK_CHOICES = 40 + 13 + 36;
    uint64 private constant MAX_LOTS = 12;
    uint256 private constant MAX_STEPS = 6;

    OrderBookHarness private book;
    address[3] private accounts;

    function setUp() public override {
        super.setUp();
        book = new OrderBookHarness();
        accounts = [alice, bob, carol];
    }

    function testFuzz_take_MatchesReferenceModel(uint256[SEQUENCE] memory actions) public {
        Model memory model = _newModel(SEQUENCE);
        for (uint256 i; i < SEQUENCE; ++i) {
            _act(model, actions[i]);
        }
    }

    /// forge-config: default.fuzz.runs = 8
    /// forge-config: ci.fuzz.runs = 32
    function testFuzz_take_MatchesReferenceModelOverLongSequences(uint256 seed) public {
        Model memory model = _newModel(LONG_SEQUENCE);
        for (uint256 i; i < LONG_SEQUENCE; ++i) {
            _act(model, uint256(keccak256(abi.encode(seed, i))));
        }
    }

    /// @dev Proves the generator reaches what the model is there to check: self-trades, step
    /// cut-offs, partial fills, multi-level sweeps, cancels and queues several orders deep.
    function test_take_SequencesReachTheInterestingStates() public {
        Model memory model = _newModel(LONG_SEQUENCE);
        uint256 selfTrades;
        uint256 cutOffs;
        uint256 partials;
        uint256 sweeps;
        uint256 deepQueues;
        for (uint256 i; i < LONG_SEQUENCE; ++i) {
            (OrderBook.Fill[] memory fills, uint64 remaining, uint256 maxSteps) =
                _act(model, uint256(keccak256(abi.encode("coverage", i))));
            if (fills.length == maxSteps && remaining != 0) ++cutOffs;
            for (uint256 j; j < fills.length; ++j) {
                if (fills[j].selfTrade) ++selfTrades;
                if (!fills[j].makerDone) ++partials;
                if (j > 0 && fills[j].tick != fills[0].tick) ++sweeps;
            }
            for (uint256 j; j < model.count; ++j) {
                if (_position(model, model.orders[j]) >= 2) ++deepQueues;
            }
        }
        emit log_named_uint("self-trade cancels", selfTrades);
        emit log_named_uint("takes cut off by the step bound", cutOffs);
        emit log_named_uint("partial fills", partials);
        emit log_named_uint("fills beyond the first level of a sweep", sweeps);
        emit log_named_uint("orders seen third or later in a queue", deepQueues);
        emit log_named_uint("orders resting at the end", model.count);
        assertGt(selfTrades, 0, "no self-trade");
        assertGt(cutOffs, 0, "no step cut-off");
        assertGt(partials, 0, "no partial fill");
        assertGt(sweeps, 0, "no multi-level sweep");
        assertGt(deepQueues, 0, "no queue three deep");
        assertGt(model.count, 0, "nothing rests");
    }

    // ------------------------------------------------------------------------------- actions

    /// @dev One action decoded from `action`: kinds 0-5 a limit order, 6 an immediate-or-cancel
    /// order, 7-9 a cancel of a resting order. Returns the fills of an order (none for a cancel).
    function _act(Model memory model, uint256 action)
        private
        returns (OrderBook.Fill[] memory fills, uint64 remaining, uint256 maxSteps)
    {
        uint256 kind = _bound(action % 10, 0, 9);
        if (kind >= 7) {
            _cancel(model, action >> 8);
        } else {
            address owner = accounts[_bound((action >> 8) & 0xff, 0, 2)];
            bool isBid = (action >> 16) & 1 == 1;
            uint16 tick = _tick(_tickChoice(isBid, action >> 24));
            uint64 lots = uint64(_bound((action >> 40) & 0xffff, 1, MAX_LOTS));
            maxSteps = _bound((action >> 56) & 0xff, 1, MAX_STEPS);
            (fills, remaining) = _place(model, owner, isBid, tick, lots, maxSteps, kind == 6);
        }
        _assertSameBook(model);
    }

    function _place(
        Model memory model,
        address owner,
        bool isBid,
        uint16 tick,
        uint64 lots,
        uint256 maxSteps,
        bool immediateOrCancel
    ) private returns (OrderBook.Fill[] memory fills, uint64 remaining) {
        (OrderBook.Fill[] memory expected, uint64 expectedRemaining) =
            _modelTake(model, owner, isBid, tick, lots, maxSteps);
        (fills, remaining) = book.take(owner, isBid, tick, lots, maxSteps);

        assertEq(remaining, expectedRemaining, "remaining lots");
        assertEq(fills.length, expected.length, "number of steps");
        for (uint256 i; i < fills.length; ++i) {
            assertEq(fills[i].orderId, expected[i].orderId, "fill order id");
            assertEq(fills[i].maker, expected[i].maker, "fill maker");
            assertEq(fills[i].tick, expected[i].tick, "fill tick");
            assertEq(fills[i].lots, expected[i].lots, "fill lots");
            assertEq(fills[i].makerDone, expected[i].makerDone, "fill makerDone");
            assertEq(fills[i].selfTrade, expected[i].selfTrade, "fill selfTrade");
            if (fills[i].makerDone) assertEq(book.order(fills[i].orderId).lots, 0, "maker left");
        }

        if (immediateOrCancel || remaining == 0 || book.crosses(isBid, tick)) {
            return (fills, remaining);
        }
        uint64 id = ++model.lastId;
        book.insert(id, owner, isBid, tick, remaining);
        model.orders[model.count++] = Resting(id, owner, isBid, tick, remaining);
    }

    function _cancel(Model memory model, uint256 pick) private {
        if (model.count == 0) return;
        uint256 index = _bound(pick, 0, model.count - 1);
        Resting memory order = model.orders[index];
        assertEq(book.remove(order.id), order.lots, "removed lots");
        _removeAt(model, index);
        assertEq(book.order(order.id).lots, 0, "removed order left");
    }

    // --------------------------------------------------------------------------------- model

    function _newModel(uint256 capacity) private pure returns (Model memory model) {
        model.orders = new Resting[](capacity);
    }

    /// @dev The matching rules written plainly: the best opposite order by price then id, a
    /// self-trade cancels it, otherwise fill what both sides have.
    function _modelTake(
        Model memory model,
        address taker,
        bool takerIsBid,
        uint16 limitTick,
        uint64 lots,
        uint256 maxSteps
    ) private pure returns (OrderBook.Fill[] memory fills, uint64 remaining) {
        fills = new OrderBook.Fill[](maxSteps);
        uint256 steps;
        remaining = lots;
        while (remaining != 0 && steps < maxSteps) {
            (bool found, uint256 index) = _best(model, !takerIsBid);
            if (!found) break;
            Resting memory maker = model.orders[index];
            if (takerIsBid ? maker.tick > limitTick : maker.tick < limitTick) break;
            if (maker.owner == taker) {
                fills[steps++] = _fill(maker, maker.lots, true, true);
                _removeAt(model, index);
                continue;
            }
            uint64 filled = maker.lots < remaining ? maker.lots : remaining;
            remaining -= filled;
            bool done = filled == maker.lots;
            fills[steps++] = _fill(maker, filled, done, false);
            if (done) _removeAt(model, index);
            else model.orders[index].lots -= filled;
        }
        assembly ("memory-safe") {
            mstore(fills, steps)
        }
    }

    function _fill(Resting memory maker, uint64 lots, bool done, bool selfTrade)
        private
        pure
        returns (OrderBook.Fill memory)
    {
        return OrderBook.Fill(maker.id, maker.owner, maker.tick, lots, done, selfTrade);
    }

    /// @dev The index of the best order of one side: highest bid or lowest ask, then oldest.
    function _best(Model memory model, bool isBid)
        private
        pure
        returns (bool found, uint256 index)
    {
        for (uint256 i; i < model.count; ++i) {
            Resting memory order = model.orders[i];
            if (order.isBid != isBid) continue;
            uint16 bestTick = model.orders[index].tick;
            // Arrival order is id order, so the first order seen at a price is the oldest.
            if (!found || (isBid ? order.tick > bestTick : order.tick < bestTick)) {
                (found, index) = (true, i);
            }
        }
    }

    function _removeAt(Model memory model, uint256 index) private pure {
        for (uint256 i = index + 1; i < model.count; ++i) {
            model.orders[i - 1] = model.orders[i];
        }
        --model.count;
    }

    /// @dev How many orders of the model are ahead of `order` in its queue.
    function _position(Model memory model, Resting memory order) private pure returns (uint256) {
        uint256 ahead;
        for (uint256 i; i < model.count && model.orders[i].id != order.id; ++i) {
            Resting memory other = model.orders[i];
            if (other.isBid == order.isBid && other.tick == order.tick) ++ahead;
        }
        return ahead;
    }

    // ---------------------------------------------------------------------------- comparison

    function _assertSameBook(Model memory model) private view {
        (uint16 bid, bool hasBid) = book.bestBid();
        (uint16 ask, bool hasAsk) = book.bestAsk();
        if (hasBid && hasAsk) assertLt(bid, ask, "crossed book");
        _assertSameSide(model, true, bid, hasBid);
        _assertSameSide(model, false, ask, hasAsk);
    }

    /// @dev One side: its best price, its levels best first with their totals, each queue in
    /// arrival order with every order's fields, and the raw bitmap words and summary.
    function _assertSameSide(Model memory model, bool isBid, uint16 best, bool exists)
        private
        view
    {
        (bool found, uint256 bestIndex) = _best(model, isBid);
        assertEq(exists, found, "best exists");
        if (found) assertEq(best, model.orders[bestIndex].tick, "best tick");

        (uint16[] memory ticks, uint128[] memory totals) = book.depth(isBid, TICK_CHOICES + 1);
        uint256[3] memory words;
        uint256 resting;
        for (uint256 level; level < ticks.length; ++level) {
            if (level > 0) {
                assertTrue(
                    isBid ? ticks[level] < ticks[level - 1] : ticks[level] > ticks[level - 1],
                    "depth not best first"
                );
            }
            uint64[] memory queue = book.queue(isBid, ticks[level]);
            uint128 total;
            uint256 position;
            for (uint256 i; i < model.count; ++i) {
                Resting memory order = model.orders[i];
                if (order.isBid != isBid || order.tick != ticks[level]) continue;
                assertEq(queue[position++], order.id, "queue order");
                OrderBook.Order memory stored = book.order(order.id);
                assertEq(stored.owner, order.owner, "owner");
                assertEq(stored.tick, order.tick, "tick");
                assertEq(stored.isBid, order.isBid, "side");
                assertEq(stored.lots, order.lots, "lots");
                total += order.lots;
            }
            assertEq(queue.length, position, "queue length");
            assertEq(totals[level], total, "level total");
            assertEq(book.level(isBid, ticks[level]).lots, total, "stored level total");
            resting += position;
            words[_wordSlot(ticks[level])] |= uint256(1) << (ticks[level] & 0xff);
        }
        uint256 sideCount;
        for (uint256 i; i < model.count; ++i) {
            if (model.orders[i].isBid == isBid) ++sideCount;
        }
        assertEq(resting, sideCount, "resting orders");

        uint256 summary;
        uint8[3] memory wordIndex = [0, 1, 255];
        for (uint256 w; w < 3; ++w) {
            assertEq(book.word(isBid, wordIndex[w]), words[w], "bitmap word");
            if (words[w] != 0) summary |= uint256(1) << wordIndex[w];
        }
        assertEq(book.summary(isBid), summary, "bitmap summary");
    }

    /// @dev Half of the orders go to ticks 253..258, around the boundary of words 0 and 1,
    /// where queues grow several orders deep and both sides meet; the rest spread over all the
    /// choices, bids over the lower 60 and asks over the upper 60, so that the book keeps depth
    /// on both sides instead of crossing away every order.
    function _tickChoice(bool isBid, uint256 bits) private pure returns (uint256) {
        if (bits & 1 == 0) return _bound((bits >> 1) & 0xff, 43, 48);
        uint256 spread = _bound((bits >> 1) & 0xffff, 0, 59);
        return isBid ? spread : spread + TICK_CHOICES - 60;
    }

    /// @dev Tick choice 0..88 to a tick in {1..40} ∪ {250..262} ∪ {65500..65535}.
    function _tick(uint256 choice) private pure returns (uint16) {
        // Casting to uint16 is safe: choice <= 88 keeps every result at or below 65,535.
        // forge-lint: disable-next-line(unsafe-typecast)
        if (choice < 40) return uint16(1 + choice);
        // forge-lint: disable-next-line(unsafe-typecast)
        if (choice < 53) return uint16(250 + choice - 40);
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint16(65_500 + choice - 53);
    }

    /// @dev Which of the three bitmap words in use holds `tick`: 0, 1 or 255 as 0, 1, 2.
    function _wordSlot(uint16 tick) private pure returns (uint256) {
        uint256 w = tick >> 8;
        return w == 255 ? 2 : w;
    }
}
