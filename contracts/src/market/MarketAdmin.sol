// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOptionsAdmin} from "../interfaces/IOptionsMarket.sol";
import {BlackScholes} from "../libraries/BlackScholes.sol";
import {MarketState} from "./MarketState.sol";
import {OrderBooks} from "./OrderBooks.sol";

/// @title MarketAdmin
/// @notice The options market's cold paths: listing, settlement and the risk parameters. Runs
/// only in the market's storage, through its fallback's delegatecall; called directly it changes
/// nothing but its own unused storage.
/// @dev Built by `OptionsMarket`'s constructor with the market's own immutables.
contract MarketAdmin is MarketState, IOptionsAdmin {
    /// @dev Missing round ids walked back over when checking a settlement round.
    uint256 private constant MAX_ROUND_WALK = 32;

    constructor(Setup memory setup, OrderBooks books_) MarketState(setup, books_) {}

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
    function setDomainLatency(uint32 domain, uint32 latency) external onlyOwner {
        _setDomainLatency(domain, latency);
    }

    /// @inheritdoc IOptionsAdmin
    function setCollateralToken(uint32 domain, address token, uint64 haircut, bool listed)
        external
        onlyOwner
    {
        _setCollateralToken(domain, token, haircut, listed);
    }

    /// @inheritdoc IOptionsAdmin
    function setQuoteToken(uint32 domain, address token) external onlyOwner {
        _setQuoteToken(domain, token);
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
