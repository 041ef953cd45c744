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
        (optionPrice, optionDelta) = _priceAndDelta(spot, discountedStrike, d1X96, d2X96, isCall);
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

    /// @dev Price and delta from d1 and d2: call = S N(d1) - KD N(d2) and put = call - S + KD,
    /// KD = K e^(-rT), from the tails U = S N(-|d1|) and W = KD N(-|d2|) (N(d) = 1 - N(-d) for
    /// d >= 0). W comes from the identity KD φ(d2) = S φ(d1) as S e^(-d1²/2) R(|d2|) unless
    /// |d2| is central, where it is KD (1/2 - (Φ(|d2|) - 1/2)) directly. U and W are WAD,
    /// rounded down, and 0 for |d1| >= 12, where they are below 6e-32 of spot. The price is
    /// clamped to [max(S - KD, 0), S] for a call and [max(KD - S, 0), KD] for a put. Delta is
    /// N(d1), or N(d1) - 1 for a put, from the tail N(-|d1|), rounded to nearest.
    function _priceAndDelta(
        uint256 spot,
        uint256 discountedStrike,
        int256 d1X96,
        int256 d2X96,
        bool isCall
    ) private pure returns (uint256 optionPrice, int256 optionDelta) {
        uint256 tailX96;
        uint256 w;
        uint256 a;
        uint256 outer;
        // Unchecked (assembly): |x| = (x xor s) - s with s the sign mask, and |d1|, |d2| <
        // 2^120 (see `_d1`). Bit 0 of `outer` says |d1| is beyond the central piece, bit 1 |d2|.
        assembly ("memory-safe") {
            let sign := sar(255, d1X96)
            a := sub(xor(d1X96, sign), sign)
            sign := sar(255, d2X96)
            let b := sub(xor(d2X96, sign), sign)
            outer := or(gt(a, NORM_CENTRAL_X96), shl(1, gt(b, NORM_CENTRAL_X96)))
        }
        if (a < D1_CUTOFF_X96) {
            // Unchecked: a < 12 * 2^96 so a² < 2^200, |d2| < 1012 * 2^96 (σ√T <= 1000) for the
            // Mills ratio, and every product is a WAD price below 2^120 times an X96 fraction
            // below 2^96. e^(-d1²/2) is only needed when a tail is not central.
            unchecked {
                uint256 e1;
                if (outer != 0) e1 = FixedPointMath.expNegX96((a * a) >> 97);
                tailX96 = outer & 1 == 0
                    ? HALF_X96 - FixedPointMath.normCentralX96(a)
                    : (e1 * FixedPointMath.normMillsX96(a)) >> 96;
                // From here on `a` holds |d2|: reusing the slot keeps the stack shallow.
                assembly ("memory-safe") {
                    let sign := sar(255, d2X96)
                    a := sub(xor(d2X96, sign), sign)
                }
                w = outer & 2 == 0
                    ? (discountedStrike * (HALF_X96 - FixedPointMath.normCentralX96(a))) >> 96
                    : (((spot * e1) >> 96) * FixedPointMath.normMillsX96(a)) >> 96;
            }
        }
        // Unchecked (assembly): U <= S/2 (a tail of at most 1/2), so S - U cannot wrap; KD - W
        // saturates at 0 (W can exceed KD only when e^(-rT) underflows, rT > 66, where both are
        // below 1e7 wei); prices are below 2^121, so the signed differences cannot overflow; the
        // tail is at most 2^95.
        assembly ("memory-safe") {
            let u := shr(96, mul(spot, tailX96))
            let spotPart := u
            if iszero(slt(d1X96, 0)) { spotPart := sub(spot, u) }
            let strikePart := w
            if iszero(slt(d2X96, 0)) {
                strikePart := mul(gt(discountedStrike, w), sub(discountedStrike, w))
            }
            let value := sub(spotPart, strikePart)
            let upper := spot
            let lower := sub(spot, discountedStrike)
            if iszero(isCall) {
                value := sub(value, lower)
                upper := discountedStrike
                lower := sub(0, lower)
            }
            lower := mul(sgt(lower, 0), lower)
            if slt(value, lower) { value := lower }
            if sgt(value, upper) { value := upper }
            optionPrice := value
            let cumulative := shr(96, add(mul(tailX96, WAD), HALF_X96))
            if iszero(slt(d1X96, 0)) { cumulative := sub(WAD, cumulative) }
            optionDelta := sub(cumulative, mul(iszero(isCall), WAD))
        }
    }
}
