// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OrderBook} from "./OrderBook.sol";

/// @title OrderBooks
/// @notice Every series' order book of one market, in a contract of its own that only the market
/// may write: the book's code and the market's together exceed the 24 KB contract size limit.
/// @dev Each call is one `OrderBook` operation; the market pays one external call per order placed
/// or cancelled, not per maker matched.
contract OrderBooks {
    /// @notice The market this contract keeps the books of.
    address public immutable market;

    mapping(uint32 seriesId => OrderBook.Book) private _books;
    mapping(uint64 orderId => OrderBook.Order) private _orders;

    /// @notice Only the market may change the books; `caller` is not it.
    error OrderBooksNotMarket(address caller);

    /// @param market_ The market, the only writer.
    constructor(address market_) {
        market = market_;
    }

    modifier onlyMarket() {
        if (msg.sender != market) revert OrderBooksNotMarket(msg.sender);
        _;
    }

    /// @notice Rests order `id` in the series' book (see `OrderBook.insert`).
    function insert(uint32 seriesId, uint64 id, address owner, bool isBid, uint16 tick, uint64 lots)
        external
        onlyMarket
    {
        OrderBook.insert(_books[seriesId], _orders, id, owner, isBid, tick, lots);
    }

    /// @notice Takes order `id` out of the series' book; returns whose it was, its side and its
    /// unfilled lots, so a cancel costs the market one call.
    function remove(uint32 seriesId, uint64 id)
        external
        onlyMarket
        returns (address owner, bool isBid, uint64 lots)
    {
        OrderBook.Order storage resting = _orders[id];
        (owner, isBid) = (resting.owner, resting.isBid);
        lots = OrderBook.remove(_books[seriesId], _orders, id);
    }

    /// @notice Matches a taker in the series' book (see `OrderBook.take`).
    function take(
        uint32 seriesId,
        address taker,
        bool takerIsBid,
        uint16 limitTick,
        uint64 lots,
        uint256 maxSteps
    ) external onlyMarket returns (OrderBook.Fill[] memory fills, uint64 remaining) {
        return
            OrderBook.take(_books[seriesId], _orders, taker, takerIsBid, limitTick, lots, maxSteps);
    }

    /// @notice The resting order `id`; all zero once it left the book.
    function order(uint64 id) external view returns (OrderBook.Order memory) {
        return _orders[id];
    }

    /// @notice Best bid and ask ticks of the series; `has…` false for an empty side.
    function bestPrices(uint32 seriesId)
        external
        view
        returns (uint16 bidTick, bool hasBid, uint16 askTick, bool hasAsk)
    {
        OrderBook.Book storage book = _books[seriesId];
        (bidTick, hasBid) = OrderBook.bestBid(book);
        (askTick, hasAsk) = OrderBook.bestAsk(book);
    }

    /// @notice Whether an order at `tick` on side `isBid` would trade now.
    function crosses(uint32 seriesId, bool isBid, uint16 tick) external view returns (bool) {
        return OrderBook.crosses(_books[seriesId], isBid, tick);
    }

    /// @notice The top `levels` price levels of one side, best first.
    function depth(uint32 seriesId, bool isBid, uint256 levels)
        external
        view
        returns (uint16[] memory ticks, uint128[] memory lots)
    {
        return OrderBook.depth(_books[seriesId], isBid, levels);
    }
}
