// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OrderBook} from "../../src/market/OrderBook.sol";

/// @title OrderBookHarness
/// @notice One book and its orders, with every `OrderBook` function exposed, the raw bitmaps
/// and queues for tests to inspect, and gas probes that time a single library call.
/// @dev Pure pass-throughs: checks and reverts are the library's. The gas probes measure with
/// `gasleft()` around the internal call only, so ABI decoding and encoding are not counted;
/// refunds are settled at the end of a transaction and are not subtracted either.
contract OrderBookHarness {
    OrderBook.Book private _book;
    mapping(uint64 id => OrderBook.Order) private _orders;

    /// @notice `OrderBook.insert`.
    function insert(uint64 id, address owner, bool isBid, uint16 tick, uint64 lots) external {
        OrderBook.insert(_book, _orders, id, owner, isBid, tick, lots);
    }

    /// @notice `OrderBook.remove`.
    function remove(uint64 id) external returns (uint64 lots) {
        return OrderBook.remove(_book, _orders, id);
    }

    /// @notice `OrderBook.take`.
    function take(address taker, bool takerIsBid, uint16 limitTick, uint64 lots, uint256 maxSteps)
        external
        returns (OrderBook.Fill[] memory fills, uint64 remaining)
    {
        return OrderBook.take(_book, _orders, taker, takerIsBid, limitTick, lots, maxSteps);
    }

    /// @notice `take`, then a memory allocation, then the fills: proves that what the
    /// library returns is a proper allocation later memory does not overwrite.
    function takeThenAllocate(
        address taker,
        bool takerIsBid,
        uint16 limitTick,
        uint64 lots,
        uint256 maxSteps
    ) external returns (OrderBook.Fill[] memory fills, uint256[] memory scribble) {
        (fills,) = OrderBook.take(_book, _orders, taker, takerIsBid, limitTick, lots, maxSteps);
        scribble = new uint256[](16);
        for (uint256 i; i < scribble.length; ++i) {
            scribble[i] = type(uint256).max;
        }
    }

    /// @notice `OrderBook.bestBid`.
    function bestBid() external view returns (uint16 tick, bool exists) {
        return OrderBook.bestBid(_book);
    }

    /// @notice `OrderBook.bestAsk`.
    function bestAsk() external view returns (uint16 tick, bool exists) {
        return OrderBook.bestAsk(_book);
    }

    /// @notice `OrderBook.crosses`.
    function crosses(bool isBid, uint16 tick) external view returns (bool) {
        return OrderBook.crosses(_book, isBid, tick);
    }

    /// @notice `OrderBook.depth`.
    function depth(bool isBid, uint256 levels)
        external
        view
        returns (uint16[] memory ticks, uint128[] memory lots)
    {
        return OrderBook.depth(_book, isBid, levels);
    }

    /// @notice The stored order `id` (all zero once it left the book).
    function order(uint64 id) external view returns (OrderBook.Order memory) {
        return _orders[id];
    }

    /// @notice The stored level at `tick` of one side.
    function level(bool isBid, uint16 tick) external view returns (OrderBook.Level memory) {
        return isBid ? _book.bids[tick] : _book.asks[tick];
    }

    /// @notice The summary word of one side.
    function summary(bool isBid) external view returns (uint256) {
        return isBid ? _book.bidSummary : _book.askSummary;
    }

    /// @notice Bitmap word `w` of one side.
    function word(bool isBid, uint256 w) external view returns (uint256) {
        return isBid ? _book.bidWords[w] : _book.askWords[w];
    }

    /// @notice The ids queued at `tick` of one side, head first, walking `next`; reverts if a
    /// `prev` link disagrees with the walk or the level's tail is not the last order.
    function queue(bool isBid, uint16 tick) external view returns (uint64[] memory ids) {
        OrderBook.Level storage lvl = isBid ? _book.bids[tick] : _book.asks[tick];
        uint256 count;
        for (uint64 id = lvl.head; id != 0; id = _orders[id].next) {
            ++count;
        }
        ids = new uint64[](count);
        uint64 previous;
        uint64 current = lvl.head;
        for (uint256 i; i < count; ++i) {
            require(_orders[current].prev == previous, "prev link broken");
            ids[i] = current;
            previous = current;
            current = _orders[current].next;
        }
        require(count == 0 || lvl.tail == previous, "tail is not the last order");
    }

    /// @notice Gas of one `OrderBook.insert`.
    function insertGas(uint64 id, address owner, bool isBid, uint16 tick, uint64 lots)
        external
        returns (uint256 gasUsed)
    {
        gasUsed = gasleft();
        OrderBook.insert(_book, _orders, id, owner, isBid, tick, lots);
        gasUsed -= gasleft();
    }

    /// @notice Gas of one `OrderBook.remove`.
    function removeGas(uint64 id) external returns (uint256 gasUsed) {
        gasUsed = gasleft();
        OrderBook.remove(_book, _orders, id);
        gasUsed -= gasleft();
    }

    /// @notice Gas of one `OrderBook.take`, with how many steps it took.
    function takeGas(
        address taker,
        bool takerIsBid,
        uint16 limitTick,
        uint64 lots,
        uint256 maxSteps
    ) external returns (uint256 gasUsed, uint256 steps) {
        gasUsed = gasleft();
        (OrderBook.Fill[] memory fills,) =
            OrderBook.take(_book, _orders, taker, takerIsBid, limitTick, lots, maxSteps);
        gasUsed -= gasleft();
        steps = fills.length;
    }
}
