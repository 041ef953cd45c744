// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IOptionsCollateral, IOptionsTrading} from "../interfaces/IOptionsMarket.sol";
import {Margin} from "../libraries/Margin.sol";
import {MarketAdmin} from "./MarketAdmin.sol";
import {MarketCollateral} from "./MarketCollateral.sol";
import {MarketState} from "./MarketState.sol";
import {OrderBook} from "./OrderBook.sol";

/// @title OptionsMarket
/// @notice European options on one underlying (the spot and implied-vol feeds given at
/// construction; one market per underlying), cash-settled in the quote unit, traded on one
/// central limit order book per series against collateral the market knows as a ledger.
/// @dev Orders carry margin (see `IOptionsMarket`); the books are `OrderBook`s (a two-level tick
/// bitmap with FIFO queues, bounded work per taker) in this contract's storage, so an order pays
/// no cross-contract call for its book. Accounts are valued by the shared `IMarginEngine`, and
/// the views and cold paths live in the `MarketAdmin` module: both keep this contract under the
/// 24 KB size limit. Each order has one extra slot, `OrderMeta`, holding its series, its
/// reserved margin and its links in the owner's list of orders, so `cancelOrdersOf` and the
/// views walk an account's orders without an unbounded array.
contract OptionsMarket is MarketState, IOptionsTrading {
    /// @dev An incoming order, checked.
    struct Taker {
        uint32 seriesId;
        bool isBid;
        uint16 tick;
        uint64 lots;
        OrderKind kind;
        uint256 maxFills;
        uint256 reserved;
    }

    /// @notice The module that serves `IOptionsViews` and `IOptionsAdmin` in this market's
    /// storage.
    MarketAdmin public immutable admin;

    /// @notice The module that serves `IOptionsCollateral` in this market's storage.
    MarketCollateral public immutable collateral;

    /// @notice A module was built from another `Setup` than the market's.
    error MarketModuleMismatch(address module);

    /// @param setup The owner, risk engine, feeds, fee account, insurance fund and mailbox.
    /// @param params The first risk parameters.
    /// @param liquidation The first liquidation parameters.
    /// @param admin_ A `MarketAdmin` built from `setup`.
    /// @param collateral_ A `MarketCollateral` built from `setup`.
    /// @dev The modules are deployed first, on their own: with them inside, this contract's
    /// creation code would pass the 48 KB limit.
    constructor(
        Setup memory setup,
        RiskParams memory params,
        LiquidationParams memory liquidation,
        MarketAdmin admin_,
        MarketCollateral collateral_
    ) MarketState(setup) {
        if (admin_.setupHash() != setupHash) {
            revert MarketModuleMismatch(address(admin_));
        }
        if (collateral_.setupHash() != setupHash) {
            revert MarketModuleMismatch(address(collateral_));
        }
        admin = admin_;
        collateral = collateral_;
        _setRiskParams(params);
        _setLiquidationParams(liquidation);
    }

    /// @notice Serves `IOptionsCollateral` by delegatecall to `collateral`, and `IOptionsViews`
    /// and `IOptionsAdmin` (views, listing, series settlement, parameters) to `admin`, in this
    /// contract's storage; a view called with `staticcall` stays static through the
    /// delegatecall. Anything the modules do not know reverts.
    fallback() external {
        bytes4 selector = msg.sig;
        address module = selector == IOptionsCollateral.withdraw.selector
            || selector == IOptionsCollateral.marginCall.selector
            || selector == IOptionsCollateral.closeMarginCall.selector
            || selector == IOptionsCollateral.liquidate.selector
            || selector == IOptionsCollateral.pokeFeeds.selector
            ? address(collateral)
            : address(admin);
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @inheritdoc IOptionsTrading
    function place(
        uint32 seriesId,
        bool isBid,
        uint256 price,
        uint256 amount,
        OrderKind kind,
        uint256 maxFills
    ) external returns (uint64 orderId, uint64 filledLots) {
        // Checks
        Series storage s = _tradable(seriesId);
        (uint64 lots, uint16 tick) = _checkOrder(s, price, amount, maxFills);
        if (kind == OrderKind.PostOnly && OrderBook.crosses(_books[seriesId], isBid, tick)) {
            revert MarketPostOnlyWouldCross(tick);
        }
        uint256 reserved = _reserve(seriesId, s, isBid, lots, price);

        // Effects
        return _execute(
            Taker({
                seriesId: seriesId,
                isBid: isBid,
                tick: tick,
                lots: lots,
                kind: kind,
                maxFills: maxFills,
                reserved: reserved
            })
        );
    }

    /// @inheritdoc IOptionsTrading
    function cancel(uint64 orderId) external {
        // Every resting order has a series; the check after the removal undoes it for another's.
        if (_meta[orderId].seriesId == 0 || _cancel(orderId) != msg.sender) {
            revert MarketNotOrderOwner(orderId, msg.sender);
        }
    }

    /// @inheritdoc IOptionsTrading
    function cancelOrdersOf(address account) external {
        if (msg.sender != account && _health(account).coversOrders) {
            revert MarketOrdersCovered(account);
        }
        _cancelAll(account);
    }

    /// @inheritdoc IOptionsTrading
    /// @dev Here rather than in `MarketAdmin`: it runs once per position of every series, so it
    /// skips the delegatecall, and the order walk when the account has no orders there.
    function settlePosition(address account, uint32 seriesId) external {
        _settlePosition(account, seriesId, _settled(seriesId));
    }

    /// @inheritdoc IOptionsTrading
    function settlePositions(uint32 seriesId, address[] calldata accounts) external {
        Series storage s = _settled(seriesId);
        for (uint256 i; i < accounts.length; ++i) {
            _settlePosition(accounts[i], seriesId, s);
        }
    }

    /// @dev The order's lots and tick, or the revert that says what is wrong with it.
    function _checkOrder(Series storage s, uint256 price, uint256 amount, uint256 maxFills)
        private
        view
        returns (uint64 lots, uint16 tick)
    {
        if (amount == 0 || amount % s.lotSize != 0) {
            revert MarketInvalidSize(amount, s.lotSize);
        }
        uint256 maxPrice = uint256(s.maxTick) * s.tickSize;
        if (price == 0 || price % s.tickSize != 0 || price > maxPrice) {
            revert MarketInvalidPrice(price, s.tickSize, maxPrice);
        }
        if (maxFills > _params.maxFills) revert MarketTooManyFills(maxFills, _params.maxFills);
        lots = SafeCast.toUint64(amount / s.lotSize);
        tick = uint16(price / s.tickSize);
    }

    /// @dev The margin the order reserves, after checking the account can carry it with its
    /// other orders; an order that fails the check is still taken, reserving nothing, when it
    /// only reduces the position, so an account below IM (or facing stale feeds) can always
    /// trade out of risk. The series joins the account's list.
    function _reserve(uint32 seriesId, Series storage s, bool isBid, uint64 lots, uint256 price)
        private
        returns (uint256 reserved)
    {
        Holding storage holding = _holdings[msg.sender][seriesId];
        bool reduces = _reducesRisk(holding, isBid, lots);
        if (!reduces || _feedsFresh()) {
            reserved = _marginWith(s, isBid, lots, price, reduces);
        }
        _track(msg.sender, seriesId, holding);
    }

    /// @dev An order that only shrinks the position, counting the account's other resting
    /// orders on the same side, so several of them cannot together flip it.
    function _reducesRisk(Holding storage holding, bool isBid, uint64 lots)
        private
        view
        returns (bool)
    {
        int256 position = holding.lots;
        if (isBid) return position < 0 && uint256(-position) >= uint256(holding.bidLots) + lots;
        return position > 0 && uint256(position) >= uint256(holding.askLots) + lots;
    }

    /// @dev This order's standalone requirement, when E ≥ IM(positions) + open-order margin +
    /// that requirement; zero for a risk-reducing order that fails the check; else the revert.
    function _marginWith(Series storage s, bool isBid, uint64 lots, uint256 price, bool reduces)
        private
        view
        returns (uint256 requirement)
    {
        int256 signedLots = isBid ? int256(uint256(lots)) : -int256(uint256(lots));
        (Margin.Result memory r, Margin.Result memory alone) = _engine.evaluateWithOrder(
            _marginAccount(msg.sender), _position(s, signedLots), _freshMarket(), _marginParams()
        );
        requirement = _orderRequirement(signedLots, uint256(lots) * s.lotSize * price / WAD, alone);
        uint256 required = r.im + _totals[msg.sender].margin + requirement;
        if (r.equity >= int256(required)) return requirement;
        if (!reduces) revert MarketInsufficientMargin(msg.sender, r.equity, required);
        return 0;
    }

    /// @dev Matches what crosses (unless post-only), rests the rest (unless immediate-or-cancel)
    /// with its share of the reserved margin.
    function _execute(Taker memory t) private returns (uint64 orderId, uint64 filledLots) {
        uint64 remaining = t.lots;
        if (t.kind != OrderKind.PostOnly) {
            (filledLots, remaining) = _take(t);
        }
        // A sweep cut off by maxFills can leave better makers than the limit: resting there would
        // cross the book, so the remainder is dropped as for immediate-or-cancel. A post-only
        // order was checked not to cross before anything ran.
        if (
            remaining != 0 && t.kind != OrderKind.ImmediateOrCancel
                && (t.kind == OrderKind.PostOnly
                    || !OrderBook.crosses(_books[t.seriesId], t.isBid, t.tick))
        ) {
            uint256 share = t.reserved * remaining / t.lots;
            orderId = _rest(t.seriesId, t.isBid, t.tick, remaining, share, t.kind);
        }
        _untrackIfIdle(msg.sender, _holdings[msg.sender][t.seriesId]);
    }

    /// @dev Matches the taker and books every fill; returns lots filled and left.
    function _take(Taker memory t) private returns (uint64 filled, uint64 remaining) {
        OrderBook.Fill[] memory fills;
        (fills, remaining) = OrderBook.take(
            _books[t.seriesId], _orders, msg.sender, t.isBid, t.tick, t.lots, t.maxFills
        );
        int256 takerCash;
        uint256 fees;
        for (uint256 i; i < fills.length; ++i) {
            OrderBook.Fill memory fill = fills[i];
            if (fill.selfTrade) {
                _close(fill.orderId, msg.sender, t.seriesId, !t.isBid, fill.lots, true);
                continue;
            }
            (int256 cashFlow, uint256 fee) = _trade(fill, t);
            takerCash += cashFlow;
            fees += fee;
            filled += fill.lots;
        }
        if (filled != 0) {
            Holding storage taker = _holdings[msg.sender][t.seriesId];
            // A self-trade cancel may have left the series idle and dropped it from the list.
            _track(msg.sender, t.seriesId, taker);
            taker.lots += t.isBid ? int64(filled) : -int64(filled);
            _cash[msg.sender] += takerCash;
            _cash[_feeAccount] += int256(fees);
        }
    }

    /// @dev One fill: the maker's side booked at once, the taker's cash flow and both fees
    /// returned to be booked once per order.
    function _trade(OrderBook.Fill memory fill, Taker memory t)
        private
        returns (int256 takerCash, uint256 fees)
    {
        Series storage s = _series[t.seriesId];
        uint256 premium = uint256(fill.lots) * s.lotSize * fill.tick * s.tickSize / WAD;
        uint256 makerFee = _fee(premium, _params.makerFeeBps);
        uint256 takerFee = _fee(premium, _params.takerFeeBps);
        _fillMaker(fill, t.seriesId, !t.isBid, premium, makerFee);
        takerCash = t.isBid ? -int256(premium + takerFee) : int256(premium) - int256(takerFee);
        fees = makerFee + takerFee;
        emit Traded(
            t.seriesId,
            fill.orderId,
            msg.sender,
            fill.maker,
            t.isBid,
            fill.tick,
            fill.lots,
            premium,
            makerFee,
            takerFee
        );
    }

    /// @dev Books one fill on the maker's side: position, cash, and the margin its order had
    /// reserved for these lots, released pro rata (all of it when the order is done).
    function _fillMaker(
        OrderBook.Fill memory fill,
        uint32 seriesId,
        bool makerIsBid,
        uint256 premium,
        uint256 makerFee
    ) private {
        Holding storage maker = _holdings[fill.maker][seriesId];
        int64 lots = int64(fill.lots);
        if (makerIsBid) {
            maker.lots += lots;
            maker.bidLots -= fill.lots;
            _cash[fill.maker] -= int256(premium + makerFee);
        } else {
            maker.lots -= lots;
            maker.askLots -= fill.lots;
            _cash[fill.maker] += int256(premium) - int256(makerFee);
        }
        OrderMeta storage meta = _meta[fill.orderId];
        if (fill.makerDone) {
            _close(fill.orderId, fill.maker, seriesId, makerIsBid, 0, false);
            return;
        }
        uint256 left = _orders[fill.orderId].lots;
        uint256 released = uint256(meta.reserved) * fill.lots / (left + fill.lots);
        meta.reserved -= uint96(released);
        _totals[fill.maker].margin -= uint152(released);
    }

    function _rest(
        uint32 seriesId,
        bool isBid,
        uint16 tick,
        uint64 lots,
        uint256 reserved,
        OrderKind kind
    ) private returns (uint64 orderId) {
        OrderTotals storage totals = _totals[msg.sender];
        if (totals.count == MAX_ORDERS_PER_ACCOUNT) {
            revert MarketAccountFull(msg.sender, MAX_ORDERS_PER_ACCOUNT);
        }
        orderId = ++_lastOrderId;
        OrderBook.insert(_books[seriesId], _orders, orderId, msg.sender, isBid, tick, lots);
        uint64 head = totals.head;
        if (head != 0) _meta[head].prevOfOwner = orderId;
        _meta[orderId] = OrderMeta({
            seriesId: seriesId,
            prevOfOwner: 0,
            nextOfOwner: head,
            reserved: SafeCast.toUint96(reserved)
        });
        totals.head = orderId;
        totals.count += 1;
        totals.margin += uint152(reserved);
        totals.used = true;
        Holding storage holding = _holdings[msg.sender][seriesId];
        // A self-trade cancel on the way in may have dropped the series from the owner's list;
        // a resting order must keep it there, or its fills would escape the owner's margin.
        _track(msg.sender, seriesId, holding);
        holding.orders += 1;
        if (isBid) holding.bidLots += lots;
        else holding.askLots += lots;
        emit OrderPlaced(orderId, msg.sender, seriesId, isBid, tick, lots, kind, reserved);
    }

    function _settled(uint32 seriesId) private view returns (Series storage s) {
        s = _listed(seriesId);
        if (!s.settled) revert MarketSeriesNotSettled(seriesId);
    }

    function _tradable(uint32 seriesId) private view returns (Series storage s) {
        s = _listed(seriesId);
        if (block.timestamp >= s.expiry) {
            revert MarketSeriesExpired(seriesId, s.expiry, block.timestamp);
        }
    }
}
