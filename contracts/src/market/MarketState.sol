// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AppMessage} from "../libraries/AppMessage.sol";
import {FeedConsumer} from "../libraries/FeedConsumer.sol";
import {MessageRecipient} from "../messaging/MessageRecipient.sol";
import {MarketLedger} from "./MarketLedger.sol";
import {MarketRisk} from "./MarketRisk.sol";
import {OrderBook} from "./OrderBook.sol";

/// @title MarketState
/// @notice Everything an options market stores, and the bookkeeping all of its parts use:
/// `OptionsMarket` (orders, positions' settlement, the vaults' `CREDIT`s) and its two modules,
/// `MarketAdmin` (views, listing, series settlement, parameters) and `MarketCollateral`
/// (withdrawals, margin calls, liquidations), which run in the market's storage through a
/// delegatecall. All inherit exactly this layout and are built from the same `Setup`, so each
/// reads what the others wrote.
/// @dev Each resting order has one `OrderMeta` slot beside its two in `OrderBook`: its series,
/// its reserved margin and its links in the owner's list, so `cancelOrdersOf` and the views walk
/// an account's orders without an unbounded array.
abstract contract MarketState is MarketRisk, MessageRecipient {
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
    mapping(address account => MarginCall) internal _marginCalls;
    LiquidationParams internal _liquidationParams;
    FeedConsumer.Recovery internal _spotRecovery;
    FeedConsumer.Recovery internal _volRecovery;
    uint256 internal _badDebt;
    /// @dev Counts the withdrawals, margin calls and liquidations, which each get an id.
    uint256 internal _idCount;

    /// @notice `keccak256(abi.encode(setup))` of the `Setup` this part was built from: the
    /// market only delegates to modules built from its own.
    bytes32 public immutable setupHash;

    constructor(Setup memory setup)
        MessageRecipient(setup.mailbox, setup.owner)
        MarketLedger(setup.feeAccount, setup.insuranceFund)
        MarketRisk(setup.engine, setup.spotFeed, setup.volFeed)
    {
        setupHash = keccak256(abi.encode(setup));
    }

    /// @dev A vault's `CREDIT`, already authenticated as its trusted remote on `origin`: the
    /// only way collateral enters the ledger. Anything else, or a malformed body, reverts, so the
    /// mailbox records the message failed and nothing moves.
    function _handle(uint32 origin, address, bytes calldata body) internal override {
        uint8 kind = AppMessage.kind(body);
        if (kind != AppMessage.CREDIT) revert MarketUnexpectedMessage(kind);
        AppMessage.Credit memory credit_ = AppMessage.decodeCredit(body);
        if (credit_.account == address(0)) revert MarketZeroAddress();
        _credit(credit_.account, origin, credit_.token, credit_.amount);
    }

    function _setLiquidationParams(LiquidationParams memory p) internal {
        if (p.marginCallWindow < 1 minutes || p.marginCallWindow > 1 days) {
            revert MarketInvalidParam("marginCallWindow", p.marginCallWindow);
        }
        if (p.liquidationGrace > 1 days) {
            revert MarketInvalidParam("liquidationGrace", p.liquidationGrace);
        }
        if (p.discount > WAD / 2) revert MarketInvalidParam("discount", p.discount);
        _liquidationParams = p;
        emit LiquidationParamsSet(p);
    }

    /// @dev A fresh id for a withdrawal, margin call or liquidation, unique across chains and
    /// markets.
    function _nextId() internal returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), ++_idCount));
    }

    /// @dev Takes a resting order off its book and forgets it; returns its owner.
    function _cancel(uint64 orderId) internal returns (address owner_) {
        uint32 seriesId = _meta[orderId].seriesId;
        OrderBook.Order storage resting = _orders[orderId];
        owner_ = resting.owner;
        bool isBid = resting.isBid;
        uint64 lots = OrderBook.remove(_books[seriesId], _orders, orderId);
        _close(orderId, owner_, seriesId, isBid, lots, true);
    }

    /// @dev Takes every resting order of `account` off the books.
    function _cancelAll(address account) internal {
        for (uint64 id = _totals[account].head; id != 0;) {
            uint64 next = _meta[id].nextOfOwner;
            _cancel(id);
            id = next;
        }
    }

    /// @dev Settles `account`'s position in the settled series `s` to cash, cancelling its
    /// orders there first.
    function _settlePosition(address account, uint32 seriesId, Series storage s) internal {
        Holding storage holding = _holdings[account][seriesId];
        if (holding.orders != 0) {
            for (uint64 id = _totals[account].head; id != 0;) {
                uint64 next = _meta[id].nextOfOwner;
                if (_meta[id].seriesId == seriesId) _cancel(id);
                id = next;
            }
        }
        int256 lots = holding.lots;
        int256 payout = _payout(s, lots);
        holding.lots = 0;
        _cash[account] += payout;
        _untrackIfIdle(account, holding);
        emit PositionSettled(account, seriesId, lots, payout);
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
