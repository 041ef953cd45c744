// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {MarketLedger} from "./MarketLedger.sol";
import {MarketRisk} from "./MarketRisk.sol";
import {OrderBook} from "./OrderBook.sol";

/// @title MarketState
/// @notice Everything an options market stores, and the order bookkeeping both of its halves
/// use: `OptionsMarket` (orders and views) and its `MarketAdmin` module (listing, settlement,
/// parameters), which runs in the market's storage through a delegatecall. Both inherit exactly
/// this layout and are built with the same immutables, so either reads what the other wrote.
/// @dev Each resting order has one `OrderMeta` slot beside its two in `OrderBook`: its series,
/// its reserved margin and its links in the owner's list, so `cancelOrdersOf` and the views walk
/// an account's orders without an unbounded array.
abstract contract MarketState is MarketRisk, Ownable2Step {
    /// @notice Per account, at most this many resting orders, so `cancelOrdersOf` stays bounded.
    uint256 public constant MAX_ORDERS_PER_ACCOUNT = 32;

    /// @dev One resting order's market-side record; one slot.
    struct OrderMeta {
        uint32 seriesId;
        uint64 prevOfOwner;
        uint64 nextOfOwner;
        uint96 reserved;
    }

    /// @dev An account's resting orders: the head of its list, how many, their reserved margin
    /// (at most `MAX_ORDERS_PER_ACCOUNT` times a uint96 each), and `used`, set by its first order
    /// and never cleared: the slot then never returns to zero, so an account that rests an order
    /// again after all of its orders left pays a 5k write instead of a 22k fresh one.
    struct OrderTotals {
        uint64 head;
        uint32 count;
        uint152 margin;
        bool used;
    }

    mapping(uint32 seriesId => OrderBook.Book) internal _books;
    mapping(uint64 orderId => OrderBook.Order) internal _orders;
    mapping(uint64 orderId => OrderMeta) internal _meta;
    mapping(address account => OrderTotals) internal _totals;
    uint64 internal _lastOrderId;

    constructor(Setup memory setup)
        Ownable(setup.owner)
        MarketLedger(setup.feeAccount, setup.insuranceFund)
        MarketRisk(setup.engine, setup.spotFeed, setup.volFeed)
    {}

    /// @dev Takes a resting order off its book and forgets it; returns its owner.
    function _cancel(uint64 orderId) internal returns (address owner_) {
        uint32 seriesId = _meta[orderId].seriesId;
        OrderBook.Order storage resting = _orders[orderId];
        owner_ = resting.owner;
        bool isBid = resting.isBid;
        uint64 lots = OrderBook.remove(_books[seriesId], _orders, orderId);
        _close(orderId, owner_, seriesId, isBid, lots, true);
    }

    /// @dev Forgets an order that left the book with `lots` unfilled: its reserved margin, its
    /// place in the owner's list and its resting lots.
    function _close(
        uint64 orderId,
        address owner_,
        uint32 seriesId,
        bool isBid,
        uint64 lots,
        bool cancelled
    ) internal {
        OrderMeta memory meta = _meta[orderId];
        OrderTotals storage totals = _totals[owner_];
        if (meta.prevOfOwner != 0) _meta[meta.prevOfOwner].nextOfOwner = meta.nextOfOwner;
        else totals.head = meta.nextOfOwner;
        if (meta.nextOfOwner != 0) _meta[meta.nextOfOwner].prevOfOwner = meta.prevOfOwner;
        totals.count -= 1;
        totals.margin -= meta.reserved;
        delete _meta[orderId];
        Holding storage holding = _holdings[owner_][seriesId];
        holding.orders -= 1;
        if (isBid) holding.bidLots -= lots;
        else holding.askLots -= lots;
        if (cancelled) emit OrderCancelled(orderId, owner_, lots);
        _untrackIfIdle(owner_, holding);
    }

    /// @dev `account`'s margin at the feeds' current prices, with its open-order margin.
    function _health(address account) internal view returns (Health memory h) {
        h.result = _engine.evaluate(_marginAccount(account), _freshMarket(), _marginParams());
        h.openOrderMargin = _totals[account].margin;
        h.coversOrders = h.result.equity >= int256(h.result.im + h.openOrderMargin);
    }

    function _listed(uint32 seriesId) internal view returns (Series storage s) {
        s = _series[seriesId];
        if (s.lotSize == 0) revert MarketUnknownSeries(seriesId);
    }
}
