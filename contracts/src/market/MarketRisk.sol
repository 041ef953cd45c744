// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {IMarginEngine} from "../interfaces/IMarginEngine.sol";
import {BlackScholes} from "../libraries/BlackScholes.sol";
import {FeedConsumer} from "../libraries/FeedConsumer.sol";
import {Margin} from "../libraries/Margin.sol";
import {MarketLedger} from "./MarketLedger.sol";

/// @title MarketRisk
/// @notice The market's series and positions, its risk parameters with their bounds, and how an
/// account and a single order are valued by the risk engine (`Margin`, behind `IMarginEngine`).
/// @dev A position is signed lots; `Holding` packs it with the account's open lots on each side
/// and its resting-order count in one slot, so a fill writes one slot per account and series.
abstract contract MarketRisk is MarketLedger {
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice Per account, at most this many series with a position or open orders, so valuing an
    /// account stays bounded (about 60k gas per position).
    uint256 public constant MAX_SERIES_PER_ACCOUNT = 16;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    uint256 private constant MAX_FILLS_BOUND = 64;
    uint256 private constant MAX_FEE_BPS = 1000;

    /// @dev `RiskParams` in two slots instead of seven, as every order reads them cold: each
    /// field fits its type within the bounds `_setRiskParams` enforces (the largest, z, is at
    /// most 5e18 < 2^64).
    struct StoredParams {
        uint64 uBaseMm;
        uint64 uBaseIm;
        uint64 volShock;
        uint64 z;
        uint64 shortFloor;
        uint64 rate;
        uint32 spotMaxAge;
        uint32 volMaxAge;
        uint16 maxFills;
        uint16 makerFeeBps;
        uint16 takerFeeBps;
    }

    /// @dev One account in one series, one slot.
    struct Holding {
        int64 lots; // the position
        uint64 bidLots; // resting on the bid side
        uint64 askLots; // resting on the ask side
        uint32 orders; // resting orders
        uint32 listIndex; // place in `_seriesOf` plus one; zero when not listed
    }

    IMarginEngine internal immutable _engine;
    AggregatorV3Interface internal immutable _spotFeed;
    AggregatorV3Interface internal immutable _volFeed;
    /// @dev Multiplies a feed answer into a WAD.
    uint256 internal immutable _spotScale;
    uint256 private immutable _volScale;

    mapping(uint32 seriesId => Series) internal _series;
    mapping(bytes32 terms => uint32 seriesId) internal _seriesByTerms;
    uint32 internal _seriesCount;
    mapping(address account => mapping(uint32 seriesId => Holding)) internal _holdings;
    mapping(address account => uint32[]) internal _seriesOf;
    StoredParams internal _params;

    constructor(
        IMarginEngine engine_,
        AggregatorV3Interface spotFeed_,
        AggregatorV3Interface volFeed_
    ) {
        _engine = engine_;
        _spotFeed = spotFeed_;
        _volFeed = volFeed_;
        _spotScale = 10 ** (18 - spotFeed_.decimals());
        _volScale = 10 ** (18 - volFeed_.decimals());
    }

    /// @dev The feeds' current spot and vol; reverts with `FeedConsumer`'s errors when either is
    /// stale, so nothing risk-increasing happens at a price nobody can trust.
    function _freshMarket() internal view returns (Margin.Market memory market) {
        // freshAnswer reverts unless an answer is positive.
        (int256 spot,) = FeedConsumer.freshAnswer(_spotFeed, _params.spotMaxAge);
        (int256 vol,) = FeedConsumer.freshAnswer(_volFeed, _params.volMaxAge);
        market = Margin.Market({
            spot: uint256(spot) * _spotScale,
            vol: uint256(vol) * _volScale,
            timestamp: block.timestamp
        });
    }

    /// @dev Whether both feeds have an answer fresh enough to trade on.
    function _feedsFresh() internal view returns (bool) {
        return FeedConsumer.isFresh(_spotFeed, _params.spotMaxAge)
            && FeedConsumer.isFresh(_volFeed, _params.volMaxAge);
    }

    /// @dev `account` as the margin engine sees it: cash, its credits (spot-tracking, haircut),
    /// and its positions; a position in a settled series counts as the cash it settles to.
    function _marginAccount(address account) internal view returns (Margin.Account memory a) {
        a.cash = _cash[account];
        a.latency = _latencyOf(account);
        uint32[] storage ids = _seriesOf[account];
        a.positions = new Margin.Position[](ids.length);
        uint256 count;
        for (uint256 i; i < ids.length; ++i) {
            int256 lots = _holdings[account][ids[i]].lots;
            if (lots == 0) continue;
            Series storage s = _series[ids[i]];
            if (s.settled) {
                a.cash += _payout(s, lots);
            } else {
                a.positions[count++] = _position(s, lots);
            }
        }
        Margin.Position[] memory positions = a.positions;
        assembly ("memory-safe") {
            mstore(positions, count) // shrink to the positions filled in
        }
        CollateralKey[] storage keys = _collateralOf[account];
        a.collateral = new Margin.Collateral[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            CollateralKey storage key = keys[i];
            a.collateral[i] = Margin.Collateral({
                amount: _credits[account][key.domain][key.token],
                haircut: _tokens[key.domain][key.token].haircut,
                tracksSpot: true,
                price: 0
            });
        }
    }

    /// @dev The standalone requirement of an order of `lots` (signed) at `premium` (its whole
    /// premium, WAD) if it filled alone, given `alone`, its margin as the only position at the
    /// account's τ: its IM, plus what paying more (or selling for less) than its model value and
    /// the fee would cost at once. Summed over open orders and added to IM(positions) this
    /// bounds IM with every order filled from above, as the worst loss of a sum is at most the
    /// sum of the worst losses.
    function _orderRequirement(int256 lots, uint256 premium, Margin.Result memory alone)
        internal
        view
        returns (uint256)
    {
        uint256 fee = _fee(premium, _maxFeeBps());
        int256 cashFlow = lots > 0 ? -int256(premium + fee) : int256(premium) - int256(fee);
        int256 valueAfter = alone.equity + cashFlow;
        return alone.im + (valueAfter < 0 ? uint256(-valueAfter) : 0);
    }

    /// @dev `lots` (signed) of series `s` as a margin position.
    function _position(Series storage s, int256 lots)
        internal
        view
        returns (Margin.Position memory)
    {
        return Margin.Position({
            quantity: lots * int256(uint256(s.lotSize)),
            strike: s.strike,
            expiry: s.expiry,
            isCall: s.isCall
        });
    }

    /// @dev What `lots` of a settled series pay (longs) or owe (shorts), WAD.
    function _payout(Series storage s, int256 lots) internal view returns (int256) {
        uint256 price = s.settlementPrice;
        uint256 payoff;
        if (s.isCall) payoff = price > s.strike ? price - s.strike : 0;
        else payoff = s.strike > price ? s.strike - price : 0;
        return lots * int256(uint256(s.lotSize) * payoff / WAD);
    }

    function _fee(uint256 premium, uint256 feeBps) internal pure returns (uint256) {
        return premium * feeBps / BPS;
    }

    function _maxFeeBps() internal view returns (uint256) {
        StoredParams storage p = _params;
        return p.makerFeeBps > p.takerFeeBps ? p.makerFeeBps : p.takerFeeBps;
    }

    /// @dev The margin engine's parameters, unpacked.
    function _marginParams() internal view returns (Margin.Params memory) {
        StoredParams storage p = _params;
        return Margin.Params({
            uBaseMm: p.uBaseMm,
            uBaseIm: p.uBaseIm,
            volShock: p.volShock,
            z: p.z,
            shortFloor: p.shortFloor,
            rate: p.rate
        });
    }

    /// @dev Every risk parameter, unpacked.
    function _riskParams() internal view returns (RiskParams memory) {
        StoredParams storage p = _params;
        return RiskParams({
            margin: _marginParams(),
            spotMaxAge: p.spotMaxAge,
            volMaxAge: p.volMaxAge,
            maxFills: p.maxFills,
            makerFeeBps: p.makerFeeBps,
            takerFeeBps: p.takerFeeBps
        });
    }

    /// @dev Adds `seriesId` to the account's list if it is not there; bounded.
    function _track(address account, uint32 seriesId, Holding storage holding) internal {
        if (holding.listIndex != 0) return;
        uint32[] storage ids = _seriesOf[account];
        if (ids.length == MAX_SERIES_PER_ACCOUNT) {
            revert MarketAccountFull(account, MAX_SERIES_PER_ACCOUNT);
        }
        ids.push(seriesId);
        holding.listIndex = uint32(ids.length);
    }

    /// @dev Drops the holding's series from the account's list once it holds neither a position nor orders
    /// there, so a closed series stops costing margin gas.
    function _untrackIfIdle(address account, Holding storage holding) internal {
        if (holding.lots != 0 || holding.orders != 0 || holding.listIndex == 0) return;
        uint32[] storage ids = _seriesOf[account];
        uint256 index = holding.listIndex - 1;
        uint32 last = ids[ids.length - 1];
        ids[index] = last;
        _holdings[account][last].listIndex = uint32(index + 1);
        ids.pop();
        holding.listIndex = 0;
    }

    function _setRiskParams(RiskParams memory p) internal {
        Margin.Params memory m = p.margin;
        _bound("uBaseMm", m.uBaseMm, 1, WAD / 2);
        _bound("uBaseIm", m.uBaseIm, m.uBaseMm, WAD * 9 / 10);
        _bound("volShock", m.volShock, 0, WAD);
        _bound("z", m.z, 0, 5 * WAD);
        _bound("shortFloor", m.shortFloor, 0, WAD / 10);
        _bound("rate", m.rate, 0, BlackScholes.MAX_RATE);
        _bound("spotMaxAge", p.spotMaxAge, 1, 1 days);
        _bound("volMaxAge", p.volMaxAge, 1, 1 days);
        _bound("maxFills", p.maxFills, 1, MAX_FILLS_BOUND);
        _bound("makerFeeBps", p.makerFeeBps, 0, MAX_FEE_BPS);
        _bound("takerFeeBps", p.takerFeeBps, 0, MAX_FEE_BPS);
        // Within the bounds just checked every field fits its packed type.
        _params = StoredParams({
            uBaseMm: uint64(m.uBaseMm),
            uBaseIm: uint64(m.uBaseIm),
            volShock: uint64(m.volShock),
            z: uint64(m.z),
            shortFloor: uint64(m.shortFloor),
            rate: uint64(m.rate),
            spotMaxAge: p.spotMaxAge,
            volMaxAge: p.volMaxAge,
            maxFills: p.maxFills,
            makerFeeBps: p.makerFeeBps,
            takerFeeBps: p.takerFeeBps
        });
        emit RiskParamsSet(p);
    }

    function _bound(string memory field, uint256 value, uint256 low, uint256 high) private pure {
        if (value < low || value > high) revert MarketInvalidParam(field, value);
    }
}
