// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOptionsAdmin, IOptionsViews} from "../interfaces/IOptionsMarket.sol";
import {BlackScholes} from "../libraries/BlackScholes.sol";
import {MarketState} from "./MarketState.sol";
import {OrderBook} from "./OrderBook.sol";

/// @title MarketAdmin
/// @notice The options market's views and cold paths: what a UI or keeper reads, listing,
/// series settlement and the risk parameters. Runs only in the market's storage, through its
/// fallback's delegatecall; called directly it changes nothing but its own unused storage.
/// @dev Built by `OptionsMarket`'s constructor with the market's own immutables.
contract MarketAdmin is MarketState, IOptionsAdmin, IOptionsViews {
    /// @dev Missing round ids walked back over when checking a settlement round.
    uint256 private constant MAX_ROUND_WALK = 32;

    constructor(Setup memory setup) MarketState(setup) {}

    /// @inheritdoc IOptionsAdmin
    function listSeries(
        uint128 strike,
        uint64 expiry,
        bool isCall,
        uint128 tickSize,
        uint128 lotSize,
        uint16 maxTick
    ) external onlyOwner returns (uint32 seriesId) {
        if (
            expiry <= block.timestamp || strike < BlackScholes.MIN_PRICE
                || strike > BlackScholes.MAX_PRICE || tickSize == 0 || lotSize == 0 || maxTick == 0
        ) revert MarketInvalidSeries(strike, tickSize, lotSize, expiry);
        bytes32 terms = keccak256(abi.encode(strike, expiry, isCall));
        if (_seriesByTerms[terms] != 0) revert MarketDuplicateSeries(_seriesByTerms[terms]);
        seriesId = ++_seriesCount;
        _seriesByTerms[terms] = seriesId;
        Series memory listed = Series({
            strike: strike,
            tickSize: tickSize,
            lotSize: lotSize,
            maxTick: maxTick,
            expiry: expiry,
            isCall: isCall,
            settled: false,
            settlementPrice: 0
        });
        _series[seriesId] = listed;
        emit SeriesListed(seriesId, listed);
    }

    /// @inheritdoc IOptionsAdmin
    function settleSeries(uint32 seriesId, uint80 roundId) external {
        Series storage s = _listed(seriesId);
        if (block.timestamp < s.expiry) revert MarketSeriesNotExpired(seriesId, s.expiry);
        if (s.settled) revert MarketSeriesSettled(seriesId);
        (, int256 answer,, uint256 updatedAt,) = _spotFeed.getRoundData(roundId);
        if (updatedAt < s.expiry || !_noEarlierRoundAfter(roundId, s.expiry)) {
            revert MarketWrongSettlementRound(roundId, s.expiry);
        }
        s.settled = true;
        s.settlementPrice = uint256(answer) * _spotScale;
        emit SeriesSettled(seriesId, s.settlementPrice, roundId);
    }

    /// @inheritdoc IOptionsAdmin
    function setRiskParams(RiskParams calldata params) external onlyOwner {
        _setRiskParams(params);
    }

    /// @inheritdoc IOptionsAdmin
    function setLiquidationParams(LiquidationParams calldata params) external onlyOwner {
        _setLiquidationParams(params);
    }

    /// @inheritdoc IOptionsAdmin
    function setDomainLatency(uint32 domain, uint32 latency) external onlyOwner {
        _setDomainLatency(domain, latency);
    }

    /// @inheritdoc IOptionsAdmin
    function setCollateralToken(
        uint32 domain,
        address token,
        uint64 haircut,
        bool listed,
        uint8 decimals
    ) external onlyOwner {
        _setCollateralToken(domain, token, haircut, listed, decimals);
    }

    /// @inheritdoc IOptionsAdmin
    function setQuoteToken(uint32 domain, address token, uint8 decimals) external onlyOwner {
        _setQuoteToken(domain, token, decimals);
    }

    /// @inheritdoc IOptionsViews
    function cash(address account) external view returns (int256) {
        return _cash[account];
    }

    /// @inheritdoc IOptionsViews
    function credit(address account, uint32 domain, address token) external view returns (uint256) {
        return _credits[account][domain][token];
    }

    /// @inheritdoc IOptionsViews
    function pool(uint32 domain, address token) external view returns (uint256) {
        return _pools[domain][token];
    }

    /// @inheritdoc IOptionsViews
    function quoteToken(uint32 domain) external view returns (address) {
        return _quoteTokens[domain];
    }

    /// @inheritdoc IOptionsViews
    function feeAccount() external view returns (address) {
        return _feeAccount;
    }

    /// @inheritdoc IOptionsViews
    function insuranceFund() external view returns (address) {
        return _insuranceFund;
    }

    /// @inheritdoc IOptionsViews
    function riskParams() external view returns (RiskParams memory) {
        return _riskParams();
    }

    /// @inheritdoc IOptionsViews
    function series(uint32 seriesId) external view returns (Series memory) {
        return _listed(seriesId);
    }

    /// @inheritdoc IOptionsViews
    function seriesCount() external view returns (uint32) {
        return _seriesCount;
    }

    /// @inheritdoc IOptionsViews
    function bestPrices(uint32 seriesId)
        external
        view
        returns (uint16 bidTick, bool hasBid, uint16 askTick, bool hasAsk)
    {
        OrderBook.Book storage book = _books[seriesId];
        (bidTick, hasBid) = OrderBook.bestBid(book);
        (askTick, hasAsk) = OrderBook.bestAsk(book);
    }

    /// @inheritdoc IOptionsViews
    function depth(uint32 seriesId, bool isBid, uint256 levels)
        external
        view
        returns (uint16[] memory ticks, uint128[] memory lots)
    {
        return OrderBook.depth(_books[seriesId], isBid, levels);
    }

    /// @inheritdoc IOptionsViews
    function ordersOf(address account) external view returns (OpenOrder[] memory open) {
        open = new OpenOrder[](_totals[account].count);
        uint256 i;
        for (uint64 id = _totals[account].head; id != 0; id = _meta[id].nextOfOwner) {
            OrderBook.Order storage order = _orders[id];
            open[i++] = OpenOrder({
                id: id,
                seriesId: _meta[id].seriesId,
                isBid: order.isBid,
                tick: order.tick,
                lots: order.lots,
                reservedMargin: _meta[id].reserved
            });
        }
    }

    /// @inheritdoc IOptionsViews
    function positionsOf(address account)
        external
        view
        returns (uint32[] memory seriesIds, int256[] memory lots)
    {
        seriesIds = _seriesOf[account];
        lots = new int256[](seriesIds.length);
        for (uint256 i; i < seriesIds.length; ++i) {
            lots[i] = _holdings[account][seriesIds[i]].lots;
        }
    }

    /// @inheritdoc IOptionsViews
    function health(address account) external view returns (Health memory) {
        return _health(account);
    }

    /// @inheritdoc IOptionsViews
    function collateralToken(uint32 domain, address token)
        external
        view
        returns (bool listed, uint64 haircut)
    {
        TokenConfig storage config = _tokens[domain][token];
        return (config.listed, config.haircut);
    }

    /// @inheritdoc IOptionsViews
    function tokenUnit(uint32 domain, address token) external view returns (uint256) {
        return _unitOf(domain, token);
    }

    /// @inheritdoc IOptionsViews
    function domainLatency(uint32 domain) external view returns (uint32) {
        return _latencies[domain];
    }

    /// @inheritdoc IOptionsViews
    function marginCallOf(address account) external view returns (MarginCall memory) {
        return _marginCalls[account];
    }

    /// @inheritdoc IOptionsViews
    function domainsOf(address account) external view returns (uint32[] memory) {
        return _domainsOf[account];
    }

    /// @inheritdoc IOptionsViews
    function badDebt() external view returns (uint256) {
        return _badDebt;
    }

    /// @inheritdoc IOptionsViews
    function liquidationParams() external view returns (LiquidationParams memory) {
        return _liquidationParams;
    }

    /// @dev Whether the nearest round before `roundId` that exists (walking back over missing
    /// ids, at most `MAX_ROUND_WALK`) was updated before `expiry`, or there is none at all.
    function _noEarlierRoundAfter(uint80 roundId, uint64 expiry) private view returns (bool) {
        for (uint256 back = 1; back <= MAX_ROUND_WALK; ++back) {
            if (back >= roundId) return true; // no earlier round id exists
            try _spotFeed.getRoundData(uint80(roundId - back)) returns (
                uint80, int256, uint256, uint256 updatedAt, uint80
            ) {
                return updatedAt < expiry;
            } catch {}
        }
        return false;
    }
}
