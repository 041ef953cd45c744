// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title OrderBook
/// @notice A central-limit order book for one series: resting limit orders by price and time,
/// and a matching engine that sweeps them for a taker in price-time priority with a bound on
/// the work one transaction may do. Prices are ticks (units of the series' tick size), sizes are
/// lots; the library knows nothing of premiums, margin or fees, which are the market's.
/// @dev Structure. Each side of the book is a two-level tick bitmap over 1..65,535 plus, per
/// tick, a FIFO queue of orders:
///
///   summary       1 slot        bit w set <=> word w is not empty              (w = tick >> 8)
///   words[w]      1 slot each   bit b set <=> tick w*256 + b has resting lots  (b = tick & 255)
///   levels[tick]  1 slot        head and tail of a doubly linked FIFO of ids; total lots
///   orders[id]    2 slots       owner, tick, side, lots | prev, next
///
/// The best price of a side is two storage reads and two bit scans (most significant set bit
/// for bids, least significant for asks), and so is the next level after one that a sweep
/// emptied. Resting appends at the tail, a cancel unlinks in place and a fill pops the head:
/// all O(1) and independent of how many orders or levels the book holds. Every level keeps its
/// total so `depth` never walks a queue.
///
/// Bounded work. `take` settles every maker eagerly: each step (a fill, or the cancel of a
/// resting order of the taker itself) reads and writes a constant number of slots, and at most
/// `maxSteps` steps run per call. A level is only visited to take a step from it, so the levels
/// crossed are bounded by the steps too. A sweep therefore costs at most a known amount of gas
/// whatever the book holds, and nobody can make a taker's transaction run out of gas by resting
/// many tiny orders in front of it; what the bound leaves unfilled is the caller's to rest or
/// to drop.
///
/// Alternatives. Clober keeps each price's queue in a segmented segment tree of cumulative
/// sizes and lets makers claim their fills later, so a taker consumes any number of makers at
/// one price for a constant cost (about 154k gas); the cost moves to the makers' claims, and
/// until they claim, who holds what is only implicit. Here a fill must move premium and
/// positions at once, because the margin of both sides depends on them, so eager settlement
/// fits better. Kuru matches eagerly too, with a bitmap tree of price points and a doubly
/// linked list per price (about 38k gas per extra maker including its ledger); GTE keeps its
/// price levels in a red-black tree, O(log n) per new level. With 16-bit ticks two bitmap
/// levels cover every price, so neither a deeper tree nor a balanced search tree is needed.
///
/// Gas notes (measured in contracts/test/market/OrderBookGas.t.sol). A fully consumed maker
/// costs two cold reads and two deletes (refunds apply); a level's head and total are written
/// once per level swept, not per maker. A lone order never writes its links slot; the order
/// that joins it behind pays that first write. An emptied level keeps its stale `tail`, so its
/// slot never returns to zero and resting there again is a non-zero-to-non-zero write instead
/// of a fresh slot; an empty level is `head == 0`.
library OrderBook {
    /// @notice Ticks are prices in units of the series' tick size: 1..MAX_TICK (tick 0 is
    /// invalid).
    uint16 internal constant MAX_TICK = type(uint16).max;

    /// @dev A `Fill` in memory: six words, in declaration order.
    uint256 private constant FILL_BYTES = 0xc0;
    /// @dev Bit offsets inside the slots of `Order` and `Level` (Solidity packs the first member
    /// into the lowest-order bytes).
    uint256 private constant TICK_SHIFT = 160;
    uint256 private constant IS_BID_SHIFT = 176;
    uint256 private constant ORDER_LOTS_SHIFT = 184;
    uint256 private constant TAIL_SHIFT = 64;
    uint256 private constant LEVEL_LOTS_SHIFT = 128;
    uint256 private constant MASK_64 = 0xffffffffffffffff;
    /// @dev The `tail` field in place in a level slot.
    uint256 private constant TAIL_MASK = 0xffffffffffffffff0000000000000000;

    /// @notice `insert` was given id `id`, which is zero (the null link) or already rests.
    error OrderBookInvalidOrderId(uint64 id);

    /// @notice `insert` was given tick 0.
    error OrderBookInvalidTick(uint16 tick);

    /// @notice `insert` was given zero lots for order `id`.
    error OrderBookZeroLots(uint64 id);

    /// @notice `remove` was given `id`, which does not rest in the book.
    error OrderBookUnknownOrder(uint64 id);

    /// @notice One resting order, packed in two slots: owner, tick, isBid and lots fill 31 bytes
    /// of the first, prev and next share the second.
    /// @param owner The account that placed it.
    /// @param tick Its price in ticks.
    /// @param isBid True for a bid (buy), false for an ask (sell).
    /// @param lots Lots still resting; never zero while the order rests, zero once it left.
    /// @param prev The order ahead of it at the same level, 0 for the head.
    /// @param next The order behind it at the same level, 0 for the tail.
    struct Order {
        address owner;
        uint16 tick;
        bool isBid;
        uint64 lots;
        uint64 prev;
        uint64 next;
    }

    /// @notice One price level of one side, in one slot.
    /// @param head The oldest order, first to fill; 0 when the level is empty.
    /// @param tail The newest order; left stale when the level empties.
    /// @param lots Total lots resting at the level.
    struct Level {
        uint64 head;
        uint64 tail;
        uint128 lots;
    }

    /// @notice Both sides of one book.
    /// @param bids Bid levels by tick.
    /// @param asks Ask levels by tick.
    /// @param bidSummary Bit w set when `bidWords[w]` is not zero.
    /// @param bidWords Bit b of word w set when bid tick w*256 + b has resting lots.
    /// @param askSummary Bit w set when `askWords[w]` is not zero.
    /// @param askWords Bit b of word w set when ask tick w*256 + b has resting lots.
    struct Book {
        mapping(uint16 tick => Level) bids;
        mapping(uint16 tick => Level) asks;
        uint256 bidSummary;
        mapping(uint256 => uint256) bidWords;
        uint256 askSummary;
        mapping(uint256 => uint256) askWords;
    }

    /// @notice One step of a match: a fill against a maker, or a resting order of the taker
    /// itself cancelled instead of trading with it (self-trade prevention; then `lots` are the
    /// cancelled lots, `selfTrade` is true, and nothing trades).
    /// @param orderId The maker's order.
    /// @param maker Its owner (the taker itself for a self-trade cancel).
    /// @param tick The price of the step, the maker's tick.
    /// @param lots Lots filled, or cancelled for a self-trade.
    /// @param makerDone True when the maker's order left the book (filled or cancelled).
    /// @param selfTrade True for a self-trade cancel.
    struct Fill {
        uint64 orderId;
        address maker;
        uint16 tick;
        uint64 lots;
        bool makerDone;
        bool selfTrade;
    }

    /// @notice Rests `lots` at `tick` on the given side at the tail of its FIFO queue.
    /// @dev The caller picks the id and has checked the tick and the lots; the checks here only
    /// guard the structure: `OrderBookInvalidOrderId` (zero or resting), `OrderBookInvalidTick`
    /// (zero), `OrderBookZeroLots`. It does not check that the order leaves the book uncrossed:
    /// match first with `take`, then rest the remainder if `crosses` says it may.
    function insert(
        Book storage book,
        mapping(uint64 => Order) storage orders,
        uint64 id,
        address owner,
        bool isBid,
        uint16 tick,
        uint64 lots
    ) internal {
        if (tick == 0) revert OrderBookInvalidTick(tick);
        if (lots == 0) revert OrderBookZeroLots(id);
        Order storage order = orders[id];
        // Reading the fresh slot first costs nothing extra: the write after it is then warm.
        if (id == 0 || order.lots != 0) revert OrderBookInvalidOrderId(id);

        Level storage level = isBid ? book.bids[tick] : book.asks[tick];
        (uint64 head, uint64 tail, uint128 levelLots) = _loadLevel(level);
        if (head == 0) {
            // A level used before still holds its stale tail, which must not become `prev`.
            tail = 0;
            _storeLevel(level, id, id, lots);
            _setBit(book, isBid, tick);
        } else {
            orders[tail].next = id;
            _storeLevel(level, head, id, levelLots + lots);
        }
        _storeOrder(order, owner, tick, isBid, lots, tail);
    }

    /// @notice Unlinks a resting order wherever it is in its queue and deletes it.
    /// @dev Reverts with `OrderBookUnknownOrder` unless `id` rests. Clears the level's bitmap bit
    /// when the level empties, and the summary bit when its word empties.
    /// @return lots The lots the order had resting.
    function remove(Book storage book, mapping(uint64 => Order) storage orders, uint64 id)
        internal
        returns (uint64 lots)
    {
        Order storage order = orders[id];
        lots = order.lots;
        if (lots == 0) revert OrderBookUnknownOrder(id);
        uint16 tick = order.tick;
        bool isBid = order.isBid;

        Level storage level = isBid ? book.bids[tick] : book.asks[tick];
        (uint64 head, uint64 tail, uint128 levelLots) = _loadLevel(level);
        // Alone at its level, the order has no links (they are kept exact), so its links slot
        // is zero: neither read nor cleared, which saves a cold read.
        bool alone = head == id && tail == id;
        uint64 prev;
        uint64 next;
        if (!alone) (prev, next) = (order.prev, order.next);
        if (prev == 0) head = next;
        else orders[prev].next = next;
        if (next != 0) orders[next].prev = prev;
        else if (prev != 0) tail = prev;
        _storeLevel(level, head, tail, levelLots - lots);
        if (head == 0) _clearBit(book, isBid, tick);
        if (!alone) {
            _deleteOrder(order);
            return lots;
        }
        // Unchecked (assembly): clears the first slot only (owner, tick, side, lots).
        assembly ("memory-safe") {
            sstore(order.slot, 0)
        }
    }

    /// @notice Matches a taker against the opposite side from the best price while the price is
    /// at or better than `limitTick` (bids take asks <= limit; asks take bids >= limit), in
    /// price-time priority, for at most `maxSteps` steps.
    /// @dev A fill and a self-trade cancel (a resting order of `taker` met on the way, removed
    /// instead of traded with) each count as one step. The last maker may fill partially and
    /// keeps its place. Makers that are done leave the book. The taker's remainder is never
    /// rested here: the caller rests it (after checking `crosses`, since a remainder cut off by
    /// `maxSteps` may still cross) or drops it for immediate-or-cancel.
    /// @param taker Whose resting orders are cancelled instead of traded with.
    /// @param takerIsBid True when the taker buys (takes asks).
    /// @param limitTick The worst price the taker accepts.
    /// @param lots The taker's size.
    /// @param maxSteps The most steps to take.
    /// @return fills The steps in the order they happened, exactly as many as were taken.
    /// @return remaining The taker's lots still unfilled.
    function take(
        Book storage book,
        mapping(uint64 => Order) storage orders,
        address taker,
        bool takerIsBid,
        uint16 limitTick,
        uint64 lots,
        uint256 maxSteps
    ) internal returns (Fill[] memory fills, uint64 remaining) {
        remaining = lots;
        uint256 steps;
        while (remaining != 0 && steps < maxSteps) {
            (uint16 tick, bool exists) = takerIsBid ? bestAsk(book) : bestBid(book);
            if (!exists || (takerIsBid ? tick > limitTick : tick < limitTick)) break;
            uint256 levelSteps;
            bool emptied;
            (remaining, levelSteps, emptied) = _takeLevel(
                takerIsBid ? book.asks[tick] : book.bids[tick],
                orders,
                taker,
                tick,
                remaining,
                maxSteps - steps
            );
            steps += levelSteps;
            if (emptied) _clearBit(book, !takerIsBid, tick);
        }
        fills = _fillArray(steps);
    }

    /// @notice The highest bid tick; `exists` is false on an empty bid side.
    function bestBid(Book storage book) internal view returns (uint16 tick, bool exists) {
        uint256 summary = book.bidSummary;
        if (summary == 0) return (0, false);
        uint256 w = Math.log2(summary);
        tick = uint16((w << 8) | Math.log2(book.bidWords[w]));
        exists = true;
    }

    /// @notice The lowest ask tick; `exists` is false on an empty ask side.
    function bestAsk(Book storage book) internal view returns (uint16 tick, bool exists) {
        uint256 summary = book.askSummary;
        if (summary == 0) return (0, false);
        uint256 w = _lowestBit(summary);
        tick = uint16((w << 8) | _lowestBit(book.askWords[w]));
        exists = true;
    }

    /// @notice Whether an order at `tick` on side `isBid` would trade now: a bid at or above
    /// the best ask, an ask at or below the best bid. For post-only orders.
    function crosses(Book storage book, bool isBid, uint16 tick) internal view returns (bool) {
        if (isBid) {
            (uint16 ask, bool exists) = bestAsk(book);
            return exists && tick >= ask;
        }
        (uint16 bid, bool hasBid) = bestBid(book);
        return hasBid && tick <= bid;
    }

    /// @notice The best `levels` price levels of one side, best first: their ticks and total
    /// lots. Fewer when the side has fewer levels.
    function depth(Book storage book, bool isBid, uint256 levels)
        internal
        view
        returns (uint16[] memory ticks, uint128[] memory lots)
    {
        (uint16 best, bool exists) = isBid ? bestBid(book) : bestAsk(book);
        uint256 count;
        for (uint16 tick = best; exists && count < levels; ++count) {
            (tick, exists) = _nextLevel(book, isBid, tick);
        }
        ticks = new uint16[](count);
        lots = new uint128[](count);
        mapping(uint16 => Level) storage side = isBid ? book.bids : book.asks;
        uint16 current = best;
        for (uint256 i; i < count; ++i) {
            ticks[i] = current;
            lots[i] = side[current].lots;
            (current,) = _nextLevel(book, isBid, current);
        }
    }

    /// @dev Sweeps one level from its head for at most `maxSteps` steps and writes the level's
    /// head and total once.
    function _takeLevel(
        Level storage level,
        mapping(uint64 => Order) storage orders,
        address taker,
        uint16 tick,
        uint64 remaining,
        uint256 maxSteps
    ) private returns (uint64, uint256 steps, bool emptied) {
        (uint64 id,, uint128 levelLots) = _loadLevel(level);
        while (true) {
            ++steps;
            uint64 left;
            uint64 front;
            (remaining, left, front) = _step(orders, id, taker, tick, remaining);
            levelLots -= left;
            if (front == id) {
                _storeHeadAndLots(level, id, levelLots);
                return (0, steps, false);
            }
            id = front;
            if (id == 0 || remaining == 0 || steps == maxSteps) break;
        }
        if (id != 0) orders[id].prev = 0;
        // An emptied level keeps its stale tail; see the library notes.
        _storeHeadAndLots(level, id, levelLots);
        return (remaining, steps, id == 0);
    }

    /// @dev One step against order `id`, the head of its level: a self-trade cancel, a full fill
    /// or a partial fill. Pushes its `Fill` (see `_pushFill`) and allocates nothing else.
    /// @return remaining The taker's lots after the step.
    /// @return left The lots that left the level.
    /// @return front The order now at the front: `id` itself after a partial fill (it keeps its
    /// place and becomes the head), else the order behind it (0 for none).
    function _step(
        mapping(uint64 => Order) storage orders,
        uint64 id,
        address taker,
        uint16 tick,
        uint64 remaining
    ) private returns (uint64, uint64 left, uint64 front) {
        Order storage order = orders[id];
        address maker = order.owner;
        uint64 makerLots = order.lots;
        uint64 next = order.next;
        if (maker == taker) {
            // Self-trade prevention: the resting order goes, the taker's size stays.
            _pushFill(id, maker, tick, makerLots, true, true);
            _deleteOrder(order);
            return (remaining, makerLots, next);
        }
        if (makerLots > remaining) {
            _pushFill(id, maker, tick, remaining, false, false);
            order.lots = makerLots - remaining;
            // It becomes the head: no order is ahead of it any more.
            if (order.prev != 0) order.prev = 0;
            return (0, remaining, id);
        }
        _pushFill(id, maker, tick, makerLots, true, false);
        _deleteOrder(order);
        return (remaining - makerLots, makerLots, next);
    }

    /// @dev The next non-empty level strictly worse than `tick` on side `isBid`: lower for bids,
    /// higher for asks. First the rest of the tick's own word, then the nearest non-empty word.
    function _nextLevel(Book storage book, bool isBid, uint16 tick)
        private
        view
        returns (uint16, bool)
    {
        uint256 w = tick >> 8;
        uint256 b = tick & 0xff;
        if (isBid) {
            uint256 lower = book.bidWords[w] & _bitsBelow(b);
            if (lower != 0) return (uint16((w << 8) | Math.log2(lower)), true);
            uint256 lowerWords = book.bidSummary & _bitsBelow(w);
            if (lowerWords == 0) return (0, false);
            w = Math.log2(lowerWords);
            return (uint16((w << 8) | Math.log2(book.bidWords[w])), true);
        }
        uint256 higher = book.askWords[w] & _bitsAbove(b);
        if (higher != 0) return (uint16((w << 8) | _lowestBit(higher)), true);
        uint256 higherWords = book.askSummary & _bitsAbove(w);
        if (higherWords == 0) return (0, false);
        w = _lowestBit(higherWords);
        return (uint16((w << 8) | _lowestBit(book.askWords[w])), true);
    }

    /// @dev Marks `tick` non-empty on side `isBid`, and its word in the summary.
    function _setBit(Book storage book, bool isBid, uint16 tick) private {
        uint256 w = tick >> 8;
        uint256 bit = _bit(tick & 0xff);
        if (isBid) {
            uint256 word = book.bidWords[w];
            if (word == 0) book.bidSummary |= _bit(w);
            book.bidWords[w] = word | bit;
        } else {
            uint256 word = book.askWords[w];
            if (word == 0) book.askSummary |= _bit(w);
            book.askWords[w] = word | bit;
        }
    }

    /// @dev Marks `tick` empty on side `isBid`, and its word in the summary when it empties.
    function _clearBit(Book storage book, bool isBid, uint16 tick) private {
        uint256 w = tick >> 8;
        uint256 keep = ~_bit(tick & 0xff);
        if (isBid) {
            uint256 word = book.bidWords[w] & keep;
            book.bidWords[w] = word;
            if (word == 0) book.bidSummary &= ~_bit(w);
        } else {
            uint256 word = book.askWords[w] & keep;
            book.askWords[w] = word;
            if (word == 0) book.askSummary &= ~_bit(w);
        }
    }

    /// @dev A word with only bit `i` (0..255) set.
    function _bit(uint256 i) private pure returns (uint256 mask) {
        assembly ("memory-safe") {
            mask := shl(i, 1)
        }
    }

    /// @dev A word with the bits below bit `i` (0..255) set.
    function _bitsBelow(uint256 i) private pure returns (uint256 mask) {
        // Unchecked (assembly): 1 << i is at least 1.
        assembly ("memory-safe") {
            mask := sub(shl(i, 1), 1)
        }
    }

    /// @dev A word with the bits above bit `i` (0..255) set.
    function _bitsAbove(uint256 i) private pure returns (uint256 mask) {
        // Unchecked (assembly): for i = 255, 2 << i shifts out to 0 and the mask wraps to 0,
        // which is right: nothing lies above bit 255.
        assembly ("memory-safe") {
            mask := not(sub(shl(i, 2), 1))
        }
    }

    /// @dev The index of the least significant set bit of a non-zero `x`.
    function _lowestBit(uint256 x) private pure returns (uint256) {
        // Unchecked: x & -x isolates the lowest set bit; the negation wraps on purpose.
        unchecked {
            return Math.log2(x & (0 - x));
        }
    }

    /// @dev The three fields of `level`, from one read.
    function _loadLevel(Level storage level)
        private
        view
        returns (uint64 head, uint64 tail, uint128 lots)
    {
        assembly ("memory-safe") {
            let packed := sload(level.slot)
            head := and(packed, MASK_64)
            tail := and(shr(TAIL_SHIFT, packed), MASK_64)
            lots := shr(LEVEL_LOTS_SHIFT, packed)
        }
    }

    /// @dev Writes the three fields of `level` in one store.
    function _storeLevel(Level storage level, uint64 head, uint64 tail, uint128 lots) private {
        assembly ("memory-safe") {
            sstore(level.slot, or(or(head, shl(TAIL_SHIFT, tail)), shl(LEVEL_LOTS_SHIFT, lots)))
        }
    }

    /// @dev Writes head and total of `level` in one store, keeping its tail.
    function _storeHeadAndLots(Level storage level, uint64 head, uint128 lots) private {
        // The slot is warm: the sweep read it.
        assembly ("memory-safe") {
            let slot := level.slot
            let tail := and(sload(slot), TAIL_MASK)
            sstore(slot, or(or(head, tail), shl(LEVEL_LOTS_SHIFT, lots)))
        }
    }

    /// @dev Writes a new order: its first slot, and its links when an order is ahead of it
    /// (`next` is 0: it joins at the tail).
    function _storeOrder(
        Order storage order,
        address owner,
        uint16 tick,
        bool isBid,
        uint64 lots,
        uint64 prev
    ) private {
        assembly ("memory-safe") {
            let slot := order.slot
            sstore(
                slot,
                or(
                    or(owner, shl(TICK_SHIFT, tick)),
                    or(shl(IS_BID_SHIFT, isBid), shl(ORDER_LOTS_SHIFT, lots))
                )
            )
            // The links slot of an id that does not rest is zero: a head leaves it untouched.
            if prev { sstore(add(slot, 1), prev) }
        }
    }

    /// @dev Zeroes both slots of `order`, one store each, so both refunds apply.
    function _deleteOrder(Order storage order) private {
        assembly ("memory-safe") {
            let slot := order.slot
            sstore(slot, 0)
            sstore(add(slot, 1), 0)
        }
    }

    /// @dev Appends one `Fill` at the free memory pointer and moves the pointer past it. `take`
    /// allocates nothing else while it matches, so its fills lie back to back, FILL_BYTES
    /// apart, right below the free memory pointer, and `_fillArray` points at them in place.
    function _pushFill(
        uint64 orderId,
        address maker,
        uint16 tick,
        uint64 lots,
        bool makerDone,
        bool selfTrade
    ) private pure {
        assembly ("memory-safe") {
            let fill := mload(0x40)
            mstore(fill, orderId)
            mstore(add(fill, 0x20), maker)
            mstore(add(fill, 0x40), tick)
            mstore(add(fill, 0x60), lots)
            mstore(add(fill, 0x80), makerDone)
            mstore(add(fill, 0xa0), selfTrade)
            mstore(0x40, add(fill, FILL_BYTES))
        }
    }

    /// @dev A `Fill[]` over the last `count` fills `_pushFill` wrote, oldest first.
    function _fillArray(uint256 count) private pure returns (Fill[] memory fills) {
        assembly ("memory-safe") {
            fills := mload(0x40)
            let first := sub(fills, mul(count, FILL_BYTES))
            mstore(fills, count)
            let pointer := add(fills, 0x20)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                mstore(add(pointer, shl(5, i)), add(first, mul(i, FILL_BYTES)))
            }
            mstore(0x40, add(pointer, shl(5, count)))
        }
    }
}
