// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMath} from "./FixedPointMath.sol";

/// @title BlackScholes
/// @notice Black-Scholes price, delta, gamma and vega of European calls and puts on an asset
/// without dividends, in 18-decimal fixed point.
/// @dev Units: spot, strike, price and vol are WADs (vol 0.8e18 is 80% a year); the rate is a
/// continuously compounded yearly WAD, non-negative; time is whole seconds, T = seconds /
/// `SECONDS_PER_YEAR` (365 days). Delta is a signed WAD, gamma a WAD per unit of spot, vega the
/// price change per 1.0 (100 points) of vol.
///
/// Accuracy against the exact formula (60-digit arithmetic, 12,000 random prices over the whole
/// input range and near the money): price within 1e-18 * max(spot, strike) + 2 wei (measured
/// 7.1e-19 and 2 wei), delta within 2 wei (measured 0.85), gamma and vega within 3 wei plus a
/// relative 1e-17. That is the project's 1e-8 * spot target with ten orders of magnitude to
/// spare while the strike is within 1e9 of spot. Results are not rounded in a fixed direction:
/// a caller that must round against a user adds its own margin (2 wei plus 1e-18 of
/// max(spot, strike) covers it).
///
/// How the price stays accurate far from the money: with d1 and d2 = d1 - σ√T, the densities
/// satisfy K e^(-rT) φ(d2) = S φ(d1), so K e^(-rT) N(-|d2|) is computed as S e^(-d1²/2) R(|d2|)
/// from the Mills ratio R (`FixedPointMath.normMillsX96`) instead of multiplying a large strike
/// by a tail probability that underflows. One exponential, e^(-d1²/2), serves both tails, and
/// none is needed while |d1| and |d2| are at most 2 (`FixedPointMath.normCentralX96`).
///
/// Gas of `priceAndDelta` (contracts/test/risk/RiskMathGas.t.sol): 2,600 to 3,000 with r = 0,
/// about 3,010 when both |d1| and |d2| are between 2 and √32, about 400 more with a rate
/// (e^(-rT)), 1,800 when |d1| >= 12 and 350 at expiry.
///
/// Edges:
/// - `secondsToExpiry == 0` is expiry: the price is the intrinsic value max(S - K, 0) or
///   max(K - S, 0); the call's delta is 1e18 if S > K else 0, the put's -1e18 if S < K else 0
///   (at the money both are 0: the option expires worthless); gamma and vega are 0.
/// - vol below `VOL_FLOOR` is raised to it (no division by zero, a continuous limit).
/// - Out of range inputs revert: spot or strike outside [`MIN_PRICE`, `MAX_PRICE`], vol above
///   `MAX_VOL`, more than `MAX_SECONDS` to expiry, rate above `MAX_RATE`.
/// - Deep in or out of the money the terms that fall below a wei are dropped (|d1| >= 12); the
///   price is clamped to its no-arbitrage bounds, max(S - K e^(-rT), 0) <= call <= S and
///   max(K e^(-rT) - S, 0) <= put <= K e^(-rT), so rounding can never leave them.
library BlackScholes {
    /// @notice `spot` is outside [`MIN_PRICE`, `MAX_PRICE`].
    error BlackScholesSpotOutOfRange(uint256 spot);

    /// @notice `strike` is outside [`MIN_PRICE`, `MAX_PRICE`].
    error BlackScholesStrikeOutOfRange(uint256 strike);

    /// @notice `vol` is above `MAX_VOL`.
    error BlackScholesVolTooHigh(uint256 vol);

    /// @notice `secondsToExpiry` is above `MAX_SECONDS`.
    error BlackScholesExpiryTooFar(uint256 secondsToExpiry);

    /// @notice `rate` is above `MAX_RATE`.
    error BlackScholesRateTooHigh(uint256 rate);

    /// @notice `addValues` takes quantities below 2^127 contracts either way.
    error BlackScholesQuantityTooLarge(int256 quantity);

    /// @notice `addValues` needs one value per (spot, vol) of its grid, not `length`.
    error BlackScholesGridMismatch(uint256 length);

    /// @notice The scenarios `addValues` prices an option in (see `scenarioGrid`).
    /// @param spots Spot prices, WAD, each in [`MIN_PRICE`, `MAX_PRICE`].
    /// @param lnSpotsX96 ln of each spot (of its integer value in wei), X96.
    /// @param vols Yearly volatilities, WAD, each at most `MAX_VOL`.
    struct Grid {
        uint256[] spots;
        int256[] lnSpotsX96;
        uint256[] vols;
    }

    /// @notice Seconds in the year T is measured in: 365 days.
    uint256 internal constant SECONDS_PER_YEAR = 31_536_000;
    /// @notice The smallest spot or strike, 1e-6 (WAD).
    uint256 internal constant MIN_PRICE = 1e12;
    /// @notice The largest spot or strike, 1e18 (WAD).
    uint256 internal constant MAX_PRICE = 1e36;
    /// @notice The smallest volatility used, 0.01% a year (WAD); a lower vol is raised to it.
    uint256 internal constant VOL_FLOOR = 1e14;
    /// @notice The largest volatility accepted, 10,000% a year (WAD).
    uint256 internal constant MAX_VOL = 100e18;
    /// @notice The longest time to expiry accepted, 100 years.
    uint256 internal constant MAX_SECONDS = 3_153_600_000;
    /// @notice The largest rate accepted, 100% a year continuously compounded (WAD).
    uint256 internal constant MAX_RATE = 1e18;

    /// @dev 1.0 in WAD, unsigned.
    uint256 private constant WAD = 1e18;
    /// @dev |quantity| must stay below this in `addValues`: 2^127.
    int256 private constant QUANTITY_LIMIT = 2 ** 127;
    /// @dev Beyond |d1| = 12 (X96) e^(-d1²/2) < 6e-32: every term that carries it is below a
    /// wei of spot and is dropped.
    uint256 private constant D1_CUTOFF_X96 = 0xc000000000000000000000000;
    /// @dev 136 ln 2, X96: removes the 2^136 that `_d1` scales spot by before its ln.
    int256 private constant LN2_TIMES_136_X96 = 7_468_681_735_608_216_375_755_240_073_408;
    /// @dev MAX_PRICE - MIN_PRICE.
    uint256 private constant PRICE_SPAN = 999_999_999_999_999_999_999_999_000_000_000_000;
    /// @dev 1/2 in X96 (as `FixedPointMath.HALF_X96`, for assembly).
    uint256 private constant HALF_X96 = 0x800000000000000000000000;
    /// @dev `FixedPointMath.NORM_CENTRAL_X96`, for assembly.
    uint256 private constant NORM_CENTRAL_X96 = 0x2000000000000000000000000;
    /// @dev √SECONDS_PER_YEAR in WAD, rounded: turns vol (WAD) times √seconds (X96) into σ√T.
    uint256 private constant SQRT_YEAR_WAD = 5_615_692_299_262_843_336_293;
    /// @dev SECONDS_PER_YEAR * WAD: turns rate (WAD) times seconds into rT.
    uint256 private constant RATE_TIME_DIVISOR = 31_536_000e18;

    /// @notice Price of a European call or put.
    /// @dev See the library notes for accuracy (within 1e-18 * max(spot, strike) + 2 wei),
    /// bounds and edges.
    /// @param spot Spot price, WAD.
    /// @param strike Strike price, WAD.
    /// @param vol Yearly volatility, WAD.
    /// @param secondsToExpiry Time to expiry in seconds.
    /// @param rate Yearly continuously compounded rate, WAD.
    /// @param isCall True for a call, false for a put.
    /// @return The price, WAD, in the same unit as spot and strike.
    function price(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall
    ) internal pure returns (uint256) {
        (uint256 optionPrice,) = priceAndDelta(spot, strike, vol, secondsToExpiry, rate, isCall);
        return optionPrice;
    }

    /// @notice Delta, ∂price/∂spot, of a European call (N(d1)) or put (N(d1) - 1).
    /// @dev Within 2 wei of exact, rounded to nearest; the call's is in [0, 1e18], the put's in
    /// [-1e18, 0], and the two differ by exactly 1e18.
    /// @param spot Spot price, WAD.
    /// @param strike Strike price, WAD.
    /// @param vol Yearly volatility, WAD.
    /// @param secondsToExpiry Time to expiry in seconds.
    /// @param rate Yearly continuously compounded rate, WAD.
    /// @param isCall True for a call, false for a put.
    /// @return The delta, signed WAD.
    function delta(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall
    ) internal pure returns (int256) {
        (, int256 optionDelta) = priceAndDelta(spot, strike, vol, secondsToExpiry, rate, isCall);
        return optionDelta;
    }

    /// @notice Price and delta of a European call or put in one pass.
    /// @dev The cheap path the margin engine uses: one ln, one square root, two rational
    /// functions, e^(-d1²/2) unless both |d1| and |d2| are at most 2, and e^(-rT) if r > 0.
    /// Accuracy, gas, bounds and edges as in the library notes.
    /// @param spot Spot price, WAD.
    /// @param strike Strike price, WAD.
    /// @param vol Yearly volatility, WAD.
    /// @param secondsToExpiry Time to expiry in seconds.
    /// @param rate Yearly continuously compounded rate, WAD.
    /// @param isCall True for a call, false for a put.
    /// @return optionPrice The price, WAD.
    /// @return optionDelta The delta, signed WAD.
    function priceAndDelta(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall
    ) internal pure returns (uint256 optionPrice, int256 optionDelta) {
        bool outOfRange;
        // Unchecked (assembly): a price below MIN_PRICE wraps to above the span, so one unsigned
        // comparison checks both of its ends. `_checkInputs` then names the bad input.
        assembly ("memory-safe") {
            outOfRange := or(
                or(gt(sub(spot, MIN_PRICE), PRICE_SPAN), gt(sub(strike, MIN_PRICE), PRICE_SPAN)),
                or(gt(vol, MAX_VOL), or(gt(secondsToExpiry, MAX_SECONDS), gt(rate, MAX_RATE)))
            )
        }
        if (outOfRange) _checkInputs(spot, strike, vol, secondsToExpiry, rate);
        if (secondsToExpiry == 0) return _atExpiry(spot, strike, isCall);
        (int256 d1X96, int256 d2X96,, uint256 discountedStrike) =
            _d1(spot, strike, vol, secondsToExpiry, rate);
        uint256 tailX96;
        (optionPrice, tailX96) = _priceAndTail(spot, discountedStrike, d1X96, d2X96, isCall);
        // Unchecked (assembly): the tail is at most 2^95, so N(-|d1|) rounded to the nearest
        // WAD is at most 1e18 / 2; N(d1) is 1 minus it for d1 >= 0.
        assembly ("memory-safe") {
            let cumulative := shr(96, add(mul(tailX96, WAD), HALF_X96))
            if iszero(slt(d1X96, 0)) { cumulative := sub(WAD, cumulative) }
            optionDelta := sub(cumulative, mul(iszero(isCall), WAD))
        }
    }

    /// @notice Gamma, ∂²price/∂spot², the same for a call and a put: φ(d1) / (S σ √T).
    /// @dev Rounded down; within 3 wei plus a relative 1e-17 of exact. 0 at expiry, and for
    /// |d1| >= 12, where it is below 6e-32 / (S σ √T).
    /// @param spot Spot price, WAD.
    /// @param strike Strike price, WAD.
    /// @param vol Yearly volatility, WAD.
    /// @param secondsToExpiry Time to expiry in seconds.
    /// @param rate Yearly continuously compounded rate, WAD.
    /// @return Gamma, WAD per unit of spot.
    function gamma(uint256 spot, uint256 strike, uint256 vol, uint256 secondsToExpiry, uint256 rate)
        internal
        pure
        returns (uint256)
    {
        _checkInputs(spot, strike, vol, secondsToExpiry, rate);
        if (secondsToExpiry == 0) return 0;
        (uint256 optionGamma,) = _gammaAndVega(spot, strike, vol, secondsToExpiry, rate);
        return optionGamma;
    }

    /// @notice Vega, ∂price/∂σ, the same for a call and a put: S φ(d1) √T.
    /// @dev Rounded down; within 3 wei plus a relative 1e-17 of exact (√T is recovered as σ√T
    /// over the floored σ). 0 at expiry, and for |d1| >= 12, where it is below 6e-32 S √T.
    /// @param spot Spot price, WAD.
    /// @param strike Strike price, WAD.
    /// @param vol Yearly volatility, WAD.
    /// @param secondsToExpiry Time to expiry in seconds.
    /// @param rate Yearly continuously compounded rate, WAD.
    /// @return Vega, WAD price per 1.0 of vol.
    function vega(uint256 spot, uint256 strike, uint256 vol, uint256 secondsToExpiry, uint256 rate)
        internal
        pure
        returns (uint256)
    {
        _checkInputs(spot, strike, vol, secondsToExpiry, rate);
        if (secondsToExpiry == 0) return 0;
        (, uint256 optionVega) = _gammaAndVega(spot, strike, vol, secondsToExpiry, rate);
        return optionVega;
    }

    /// @notice Price, delta, gamma and vega together.
    /// @dev Each as in its own function, for less gas than calling them one by one (d1 is
    /// computed twice, once for price and delta, once for gamma and vega).
    /// @param spot Spot price, WAD.
    /// @param strike Strike price, WAD.
    /// @param vol Yearly volatility, WAD.
    /// @param secondsToExpiry Time to expiry in seconds.
    /// @param rate Yearly continuously compounded rate, WAD.
    /// @param isCall True for a call, false for a put.
    /// @return optionPrice The price, WAD.
    /// @return optionDelta The delta, signed WAD.
    /// @return optionGamma Gamma, WAD per unit of spot.
    /// @return optionVega Vega, WAD price per 1.0 of vol.
    function greeks(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall
    )
        internal
        pure
        returns (uint256 optionPrice, int256 optionDelta, uint256 optionGamma, uint256 optionVega)
    {
        (optionPrice, optionDelta) = priceAndDelta(spot, strike, vol, secondsToExpiry, rate, isCall);
        if (secondsToExpiry != 0) {
            (optionGamma, optionVega) = _gammaAndVega(spot, strike, vol, secondsToExpiry, rate);
        }
    }

    /// @notice Spots and vols to price options at with `addValues`, with ln S of each spot: the
    /// part of every price that no option changes.
    /// @dev Reverts with `BlackScholesSpotOutOfRange` or `BlackScholesVolTooHigh` as `price`
    /// does, so `addValues` need not check them again.
    /// @param spots Spot prices, WAD.
    /// @param vols Yearly volatilities, WAD.
    /// @return scenarios The grid.
    function scenarioGrid(uint256[] memory spots, uint256[] memory vols)
        internal
        pure
        returns (Grid memory scenarios)
    {
        int256[] memory lnSpotsX96 = new int256[](spots.length);
        for (uint256 i; i < spots.length; ++i) {
            uint256 spot = spots[i];
            if (spot < MIN_PRICE || spot > MAX_PRICE) revert BlackScholesSpotOutOfRange(spot);
            lnSpotsX96[i] = FixedPointMath.lnX96(spot);
        }
        for (uint256 j; j < vols.length; ++j) {
            if (vols[j] > MAX_VOL) revert BlackScholesVolTooHigh(vols[j]);
        }
        scenarios = Grid({spots: spots, lnSpotsX96: lnSpotsX96, vols: vols});
    }

    /// @notice Adds the value of `quantity` contracts of one option at every spot and vol of a
    /// grid to `values`, for a fraction of the gas of calling `price` for each: ln S comes with
    /// the grid, √T, e^(-rT) and ln K are computed once, σ√T once per vol, so each (spot, vol)
    /// pair costs d1, the normal tails and one multiplication.
    /// @dev `values[i * vols.length + j]` grows by q · P / 1e18 rounded down (towards -∞: a
    /// long's value down, a short's cost up), where P is `price(spots[i], strike, vols[j],
    /// secondsToExpiry, rate, isCall)` up to how ln(S/K) is taken: here as ln S - ln K, there of
    /// the quotient S / K, each within 4e-20. That moves P by at most 1e-19 of K e^(-rT) (the
    /// K N(d2) term takes it; the S N(d1) term only to second order), so the two agree within 1
    /// wei plus 1e-19 of max(spot, strike). Reverts as `price` does for a strike, time or rate
    /// out of range, with `BlackScholesQuantityTooLarge` for |quantity| >= 2^127 and with
    /// `BlackScholesGridMismatch` unless `values` has one entry per (spot, vol). The sums are
    /// not checked: each call moves a value by less than 2^189, so a caller that starts from
    /// values below 2^254 in size cannot overflow them in any number of calls memory allows.
    /// At expiry every vol gets the intrinsic value.
    /// @param scenarios From `scenarioGrid`.
    /// @param strike Strike price, WAD.
    /// @param secondsToExpiry Time to expiry in seconds.
    /// @param rate Yearly continuously compounded rate, WAD.
    /// @param isCall True for a call, false for a put.
    /// @param quantity Contracts, signed WAD: negative is short.
    /// @param values Values in quote units, WAD, spot-major.
    function addValues(
        Grid memory scenarios,
        uint256 strike,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall,
        int256 quantity,
        int256[] memory values
    ) internal pure {
        if (strike < MIN_PRICE || strike > MAX_PRICE) {
            revert BlackScholesStrikeOutOfRange(strike);
        }
        if (secondsToExpiry > MAX_SECONDS) revert BlackScholesExpiryTooFar(secondsToExpiry);
        if (rate > MAX_RATE) revert BlackScholesRateTooHigh(rate);
        if (quantity >= QUANTITY_LIMIT || quantity <= -QUANTITY_LIMIT) {
            revert BlackScholesQuantityTooLarge(quantity);
        }
        uint256[] memory vols = scenarios.vols;
        if (values.length != scenarios.spots.length * vols.length) {
            revert BlackScholesGridMismatch(values.length);
        }
        if (secondsToExpiry == 0) {
            _addIntrinsicValues(scenarios.spots, strike, vols.length, isCall, quantity, values);
        } else {
            (int256 strikeSideX96, uint256 discountedStrike) =
                _strikeTerms(strike, secondsToExpiry, rate);
            _addLiveValues(
                scenarios,
                strikeSideX96,
                discountedStrike,
                _volTimes(vols, secondsToExpiry),
                isCall,
                quantity,
                values
            );
        }
    }

    /// @dev Reverts, naming the first input out of range, unless every input is in range.
    function _checkInputs(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate
    ) private pure {
        if (spot < MIN_PRICE || spot > MAX_PRICE) {
            revert BlackScholesSpotOutOfRange(spot);
        }
        if (strike < MIN_PRICE || strike > MAX_PRICE) revert BlackScholesStrikeOutOfRange(strike);
        if (vol > MAX_VOL) revert BlackScholesVolTooHigh(vol);
        if (secondsToExpiry > MAX_SECONDS) revert BlackScholesExpiryTooFar(secondsToExpiry);
        if (rate > MAX_RATE) revert BlackScholesRateTooHigh(rate);
    }

    /// @dev Gamma (WAD per unit of spot) and vega (WAD per 1.0 of vol), both rounded down, for
    /// checked inputs with T > 0; both 0 for |d1| >= 12.
    function _gammaAndVega(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate
    ) private pure returns (uint256 optionGamma, uint256 optionVega) {
        if (vol < VOL_FLOOR) vol = VOL_FLOOR;
        uint256 densityX96;
        uint256 vX96;
        {
            int256 d1X96;
            (d1X96,, vX96,) = _d1(spot, strike, vol, secondsToExpiry, rate);
            uint256 a;
            // Unchecked (assembly): |d1| as in `_priceAndDelta`.
            assembly ("memory-safe") {
                let sign := sar(255, d1X96)
                a := sub(xor(d1X96, sign), sign)
            }
            if (a >= D1_CUTOFF_X96) return (0, 0);
            // Unchecked: a < 12 * 2^96, so a² < 2^200 and φ(d1) < 0.4 * 2^96.
            unchecked {
                densityX96 =
                    (FixedPointMath.expNegX96((a * a) >> 97) * FixedPointMath.INV_SQRT_2PI_X96)
                        >> 96;
            }
        }
        // Unchecked: φ * 1e36 < 2^215 and spot * vX96 <= 2^120 * 2^106 is nonzero; spot * φ
        // >> 96 < 2^119 times vX96 < 2^106 is below 2^225, divided by vol >= VOL_FLOOR, times
        // 1e18 below 2^238. Dividing by vol first on purpose: the product would overflow, and
        // the quotient still carries 2^96 units per unit of vega.
        unchecked {
            optionGamma = densityX96 * 1e36 / (spot * vX96);
            // forge-lint: disable-next-line(divide-before-multiply)
            optionVega = ((((spot * densityX96) >> 96) * vX96) / vol) * WAD >> 96;
        }
    }

    /// @dev `addValues` at expiry: the intrinsic value at each spot, in every vol.
    function _addIntrinsicValues(
        uint256[] memory spots,
        uint256 strike,
        uint256 volCount,
        bool isCall,
        int256 quantity,
        int256[] memory values
    ) private pure {
        uint256 out;
        // Unchecked (assembly): the address of `values[0]`.
        assembly ("memory-safe") {
            out := add(values, 0x20)
        }
        for (uint256 i; i < spots.length; ++i) {
            (uint256 intrinsic,) = _atExpiry(spots[i], strike, isCall);
            // Unchecked (assembly): q · P / 1e18 rounded down as in `_addColumn` (written out in
            // both: a shared internal function costs `Margin.evaluate` 17k gas in calls);
            // `values` has `volCount` entries per spot (checked by `addValues`).
            assembly ("memory-safe") {
                let value :=
                    sdiv(
                        sub(mul(quantity, intrinsic), and(sar(255, quantity), 999999999999999999)),
                        WAD
                    )
                for { let end := add(out, shl(5, volCount)) } lt(out, end) { out := add(out, 0x20) }
                {
                    mstore(out, add(mload(out), value))
                }
            }
        }
    }

    /// @dev σ√T, X96, for each vol (raised to `VOL_FLOOR`), as `_d1` computes it; inputs
    /// already checked, T > 0.
    function _volTimes(uint256[] memory vols, uint256 secondsToExpiry)
        private
        pure
        returns (uint256[] memory volTimes)
    {
        uint256 count = vols.length;
        volTimes = new uint256[](count);
        uint256 sqrtSecondsX96 = FixedPointMath.sqrtX96(secondsToExpiry);
        // Unchecked (assembly): as in `_d1`, vol <= 1e20 times √seconds < 2^112 is below 2^179;
        // both arrays hold `count` words.
        assembly ("memory-safe") {
            for { let j := 0 } lt(j, count) { j := add(j, 1) } {
                let offset := shl(5, add(j, 1))
                let vol := mload(add(vols, offset))
                if lt(vol, VOL_FLOOR) { vol := VOL_FLOOR }
                mstore(add(volTimes, offset), div(mul(vol, sqrtSecondsX96), SQRT_YEAR_WAD))
            }
        }
    }

    /// @dev The strike side of the drift, ln K - rT (X96), and K e^(-rT) (WAD, rounded down),
    /// as `_d1` computes them; inputs already checked.
    function _strikeTerms(uint256 strike, uint256 secondsToExpiry, uint256 rate)
        private
        pure
        returns (int256 strikeSideX96, uint256 discountedStrike)
    {
        strikeSideX96 = FixedPointMath.lnX96(strike);
        discountedStrike = strike;
        if (rate != 0) {
            uint256 rtX96;
            // Unchecked (assembly): as in `_d1`, rate * seconds < 2^92, shifted < 2^188; ln K
            // and rT are below 2^104 in X96.
            assembly ("memory-safe") {
                rtX96 := div(shl(96, mul(rate, secondsToExpiry)), RATE_TIME_DIVISOR)
                strikeSideX96 := sub(strikeSideX96, rtX96)
            }
            // Unchecked: K e^(-rT) < 2^120 * 2^96.
            unchecked {
                discountedStrike = (strike * FixedPointMath.expNegX96(rtX96)) >> 96;
            }
        }
    }

    /// @dev `addValues` before expiry: one column of `values` per vol (`_addColumn`).
    function _addLiveValues(
        Grid memory scenarios,
        int256 strikeSideX96,
        uint256 discountedStrike,
        uint256[] memory volTimes,
        bool isCall,
        int256 quantity,
        int256[] memory values
    ) private pure {
        uint256 stride = volTimes.length * 32;
        for (uint256 j; j < volTimes.length; ++j) {
            uint256 out;
            // Unchecked (assembly): the address of `values[j]`, the column's first entry.
            assembly ("memory-safe") {
                out := add(values, shl(5, add(j, 1)))
            }
            _addColumn(
                scenarios,
                stride,
                quantity,
                strikeSideX96,
                volTimes[j],
                discountedStrike,
                isCall,
                out
            );
        }
    }

    /// @dev Adds the values at one vol (σ√T `vX96`), one per spot, to the words at `out`,
    /// `out + stride`, ...: the drift ln S - (ln K - rT), d1, the tails and q · P per spot.
    function _addColumn(
        Grid memory scenarios,
        uint256 stride,
        int256 quantity,
        int256 strikeSideX96,
        uint256 vX96,
        uint256 discountedStrike,
        bool isCall,
        uint256 out
    ) private pure {
        uint256 spotAt;
        uint256 lnSpotAt;
        uint256 end;
        // Unchecked (assembly): addresses inside `scenarios.spots` and `scenarios.lnSpotsX96`,
        // which have the same length.
        assembly ("memory-safe") {
            let spots := mload(scenarios)
            spotAt := add(spots, 0x20)
            end := add(spotAt, shl(5, mload(spots)))
            lnSpotAt := add(mload(add(scenarios, 0x20)), 0x20)
        }
        while (spotAt < end) {
            uint256 spot;
            int256 d1X96;
            int256 d2X96;
            // Unchecked (assembly): as in `_d1`, the drift ln S - (ln K - rT) is below 2^104 in
            // X96 and its shift below 2^200; σ√T is nonzero and below 2^106 (X96).
            assembly ("memory-safe") {
                spot := mload(spotAt)
                d1X96 := add(sdiv(shl(96, sub(mload(lnSpotAt), strikeSideX96)), vX96), shr(1, vX96))
                d2X96 := sub(d1X96, vX96)
                spotAt := add(spotAt, 0x20)
                lnSpotAt := add(lnSpotAt, 0x20)
            }
            (uint256 optionPrice,) = _priceAndTail(spot, discountedStrike, d1X96, d2X96, isCall);
            // Unchecked (assembly): |q| < 2^127 and P <= max(S, K) < 2^121, so q · P fits an
            // int256; q · P / 1e18 rounded down is the truncating signed division of q · P less
            // 1e18 - 1 when q < 0; `out` walks this vol's column of `values`.
            assembly ("memory-safe") {
                let value :=
                    sdiv(
                        sub(
                            mul(quantity, optionPrice),
                            and(sar(255, quantity), 999999999999999999)
                        ),
                        WAD
                    )
                mstore(out, add(mload(out), value))
                out := add(out, stride)
            }
        }
    }

    /// @dev Intrinsic value and the step delta at expiry; at the money both deltas are 0.
    function _atExpiry(uint256 spot, uint256 strike, bool isCall)
        private
        pure
        returns (uint256 optionPrice, int256 optionDelta)
    {
        // Unchecked: each subtraction is guarded by its comparison.
        unchecked {
            if (isCall) {
                if (spot > strike) (optionPrice, optionDelta) = (spot - strike, 1e18);
            } else if (strike > spot) {
                (optionPrice, optionDelta) = (strike - spot, -1e18);
            }
        }
    }

    /// @dev d1 = (ln(S/K) + rT) / (σ√T) + σ√T / 2, d2 = d1 - σ√T and σ√T, all X96, and the
    /// discounted strike K e^(-rT) in WAD, rounded down. Inputs already checked, T > 0.
    /// σ√T is σ √seconds / √(seconds per year); ln(S/K) is taken of S 2^136 / K, which keeps
    /// at least 56 significant bits of the ratio (96 once S/K > 2^-40), less 136 ln 2.
    /// `addValues` splits the same arithmetic into its per-option, per-vol and per-spot parts
    /// (`_strikeTerms`, `_volTimes`, `_addColumn`); here it stays inline, which saves
    /// `priceAndDelta` about 150 gas of internal calls.
    function _d1(uint256 spot, uint256 strike, uint256 vol, uint256 secondsToExpiry, uint256 rate)
        private
        pure
        returns (int256 d1X96, int256 d2X96, uint256 vX96, uint256 discountedStrike)
    {
        uint256 ratio;
        // Unchecked (assembly): spot << 136 < 2^256 as spot <= 1e36, and strike >= 1e12.
        assembly ("memory-safe") {
            if lt(vol, VOL_FLOOR) { vol := VOL_FLOOR }
            ratio := div(shl(136, spot), strike)
        }
        // Unchecked: vol <= 1e20 times √seconds < 2^112 (X96) is below 2^179.
        unchecked {
            vX96 = vol * FixedPointMath.sqrtX96(secondsToExpiry) / SQRT_YEAR_WAD;
        }
        int256 driftX96 = FixedPointMath.lnX96(ratio);
        discountedStrike = strike;
        if (rate != 0) {
            uint256 rtX96;
            // Unchecked (assembly): rate * seconds <= 1e18 * 3.2e9 < 2^92, shifted < 2^188.
            assembly ("memory-safe") {
                rtX96 := div(shl(96, mul(rate, secondsToExpiry)), RATE_TIME_DIVISOR)
            }
            // Unchecked: K e^(-rT) < 2^120 * 2^96.
            unchecked {
                discountedStrike = (strike * FixedPointMath.expNegX96(rtX96)) >> 96;
            }
            // Unchecked (assembly): rT <= 100 is below 2^103 in X96, so the sum stays small.
            assembly ("memory-safe") {
                driftX96 := add(driftX96, rtX96)
            }
        }
        // Unchecked (assembly): the drift (ln(S/K) + rT, within [-56, 156]) is below 2^104 in
        // X96 and its shift below 2^200; σ√T is in [1.7e-8, 1000], so vX96 is nonzero and below
        // 2^106.
        assembly ("memory-safe") {
            d1X96 := add(sdiv(shl(96, sub(driftX96, LN2_TIMES_136_X96)), vX96), shr(1, vX96))
            d2X96 := sub(d1X96, vX96)
        }
    }

    /// @dev Price and the tail N(-|d1|) from d1 and d2: call = S N(d1) - KD N(d2) and put = call - S + KD,
    /// KD = K e^(-rT), from the tails U = S N(-|d1|) and W = KD N(-|d2|) (N(d) = 1 - N(-d) for
    /// d >= 0). W comes from the identity KD φ(d2) = S φ(d1) as S e^(-d1²/2) R(|d2|) unless
    /// |d2| is central, where it is KD (1/2 - (Φ(|d2|) - 1/2)) directly. U and W are WAD,
    /// rounded down, and 0 for |d1| >= 12, where they are below 6e-32 of spot. The price is
    /// clamped to [max(S - KD, 0), S] for a call and [max(KD - S, 0), KD] for a put. The tail,
    /// X96, is what `priceAndDelta` takes the delta from.
    function _priceAndTail(
        uint256 spot,
        uint256 discountedStrike,
        int256 d1X96,
        int256 d2X96,
        bool isCall
    ) private pure returns (uint256 optionPrice, uint256 tailX96) {
        uint256 w;
        uint256 a;
        uint256 b;
        // Unchecked (assembly): |x| = (x xor s) - s with s the sign mask, and |d1|, |d2| <
        // 2^120 (see `_d1`).
        assembly ("memory-safe") {
            let sign := sar(255, d1X96)
            a := sub(xor(d1X96, sign), sign)
            sign := sar(255, d2X96)
            b := sub(xor(d2X96, sign), sign)
        }
        if (a < D1_CUTOFF_X96) {
            // Unchecked: a < 12 * 2^96 so a² < 2^200, |d2| < 1012 * 2^96 (σ√T <= 1000) for the
            // Mills ratio, and every product is a WAD price below 2^120 times an X96 fraction
            // below 2^96. e^(-d1²/2) is only needed when a tail is not central.
            unchecked {
                if (b > NORM_CENTRAL_X96) {
                    uint256 e1 = FixedPointMath.expNegX96((a * a) >> 97);
                    w = (((spot * e1) >> 96) * FixedPointMath.normMillsX96(b)) >> 96;
                    tailX96 = a > NORM_CENTRAL_X96
                        ? (e1 * FixedPointMath.normMillsX96(a)) >> 96
                        : HALF_X96 - FixedPointMath.normCentralX96(a);
                } else {
                    w = (discountedStrike * (HALF_X96 - FixedPointMath.normCentralX96(b))) >> 96;
                    tailX96 = a > NORM_CENTRAL_X96
                        ? (FixedPointMath.expNegX96((a * a) >> 97) * FixedPointMath.normMillsX96(a))
                            >> 96
                        : HALF_X96 - FixedPointMath.normCentralX96(a);
                }
            }
        }
        // Unchecked (assembly): U <= S/2 (a tail of at most 1/2), so S - U cannot wrap; KD - W
        // saturates at 0 (W can exceed KD only when e^(-rT) underflows, rT > 66, where both are
        // below 1e7 wei); prices are below 2^121, so the signed differences cannot overflow.
        // Only the lower bound needs enforcing: S N(d1) is at most S and K N(d2) at least 0 as
        // computed, so the call is at most S and the put at most KD.
        assembly ("memory-safe") {
            let u := shr(96, mul(spot, tailX96))
            let value := u
            if iszero(slt(d1X96, 0)) { value := sub(spot, u) }
            switch slt(d2X96, 0)
            case 0 { value := sub(value, mul(gt(discountedStrike, w), sub(discountedStrike, w))) }
            default { value := sub(value, w) }
            let lower := sub(spot, discountedStrike)
            if iszero(isCall) {
                value := sub(value, lower)
                lower := sub(0, lower)
            }
            if slt(value, lower) { value := lower }
            optionPrice := mul(sgt(value, 0), value)
        }
    }
}
