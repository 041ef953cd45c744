// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title FixedPointMath
/// @notice exp, ln, sqrt and the standard normal CDF and PDF in signed 18-decimal fixed point
/// (WAD: 1e18 is 1.0), plus the binary kernels `BlackScholes` builds on.
/// @dev Two scales. The WAD functions (`exp`, `ln`, `sqrt`, `cdf`, `pdf`) take and return WADs.
/// The kernels (`expNegX96`, `lnX96`, `normCentralX96`, `normMillsX96`) work on X96 values,
/// `v * 2**96`, which carry about 29 significant digits, so a chain of them loses nothing a WAD
/// result can show and a WAD function rounds once, at the end.
///
/// Approximations, each chosen to be exact to the last WAD digit or nearly so:
/// - exp: range reduction `x = k ln 2 + r`, `|r| <= ln(2) / 2`, then the [6/6] Padé approximant
///   of e^r (relative error below 2e-19 on that range).
/// - ln: `x = 2^k * m`, `m` in [1/√2, √2), then `ln m = 2 atanh(s)`, `s = (m - 1) / (m + 1)`,
///   with the [4/4] Padé approximant of `atanh(s) / s` in `s²`, evaluated as a continued
///   fraction (absolute error below 4e-20).
/// - normal CDF, in three pieces: for 0 <= y <= 2, `Φ(y) - 1/2 = y P(y²)/Q(y²)`, which needs no
///   exponential; for 2 < y <= √32 the tail `1 - Φ(y) = e^(-y²/2) R(y)` with the Mills ratio
///   `R(y) = P(y - 2)/Q(y - 2)`; both [6/6] rationals fitted for this library by
///   scripts/fit_normal.py (relative errors 4.5e-19 and 2.2e-17). Beyond √32, W. J. Cody's
///   asymptotic form `R(y) = (1/√(2π) - z P(z)/Q(z)) / y`, `z = 1/y²` (Cody 1969; ACM TOMS
///   Algorithm 715, 1993, routine ANORM, the coefficients R's `pnorm` uses). The upper tail
///   keeps a relative error below 3e-17 everywhere (checked against 60-digit arithmetic), so
///   the tail itself, not only Φ, is accurate: `BlackScholes` depends on that for far
///   out-of-the-money terms.
library FixedPointMath {
    /// @notice `exp(x)` does not fit an int256 WAD: `x` is above `EXP_MAX_WAD`.
    error FixedPointMathExpOverflow(int256 x);

    /// @notice `ln(x)` is undefined: `x` is zero or negative.
    error FixedPointMathLnUndefined(int256 x);

    /// @notice 1.0 in WAD.
    int256 internal constant WAD = 1e18;
    /// @notice The largest `x` for which `exp(x)` fits an int256 WAD: ln((2^255 - 1) / 1e18).
    int256 internal constant EXP_MAX_WAD = 135_305_999_368_893_231_589;
    /// @notice At or below this, `exp(x)` is below half a wei and returns 0: ln(0.5e-18).
    int256 internal constant EXP_MIN_WAD = -42_139_678_854_452_767_622;
    /// @notice Beyond ±9, `cdf` returns exactly 0 or 1e18: Φ(-9) = 1.1e-19 is below a wei.
    int256 internal constant CDF_CLAMP_WAD = 9e18;
    /// @notice Beyond ±10, `pdf` returns 0: φ(10) = 7.7e-23 is below a wei.
    int256 internal constant PDF_CLAMP_WAD = 10e18;
    /// @notice 1/2 in X96.
    uint256 internal constant HALF_X96 = 0x800000000000000000000000;
    /// @notice Where the central approximation of Φ hands over to the tail ones: 2.
    uint256 internal constant NORM_CENTRAL_X96 = 0x2000000000000000000000000;
    /// @notice 1/√(2π) = 0.398942280401432677939946059934..., in X96.
    uint256 internal constant INV_SQRT_2PI_X96 = 31_607_463_825_455_920_808_620_519_744;

    /// @dev 1.0 in X96.
    uint256 private constant ONE_X96 = 0x1000000000000000000000000;
    /// @dev 1.0 in WAD, unsigned.
    uint256 private constant WAD_UINT = 1e18;
    /// @dev 67 in X96: e^-67 is below one X96 unit.
    uint256 private constant EXP_NEG_CUTOFF_X96 = 0x43000000000000000000000000;
    /// @dev ln 2 in X96.
    int256 private constant LN2_X96 = 54_916_777_467_707_473_351_141_471_128;
    /// @dev √2 in X96.
    uint256 private constant SQRT2_X96 = 112_045_541_949_572_279_837_463_876_455;
    /// @dev ln(1e18) = 41.446531673892822312..., in X96: turns ln of an integer into ln of a WAD.
    int256 private constant LN_WAD_X96 = 3_283_732_547_111_784_853_622_338_894_909;
    /// @dev ln √(2π) = 0.918938533204672741780..., in X96.
    uint256 private constant LN_SQRT_2PI_X96 = 72_805_811_449_359_507_210_440_052_737;
    /// @dev √32, where the middle approximation of the Mills ratio hands over to Cody's
    /// asymptotic one, in X96.
    uint256 private constant SQRT32_X96 = 448_182_167_798_289_119_349_855_505_820;

    // [6/6] Padé approximant of e^r, times 665280: E(r²) ± r O(r²) with
    // E(z) = 665280 + 75600 z + 840 z² + z³ and O(z) = 332640 + 10080 z + 42 z². X96.
    uint256 private constant EXP_E0 = 52_708_911_957_489_778_514_232_919_279_534_080; // 665280
    uint256 private constant EXP_E1 = 5_989_649_086_078_383_922_071_922_645_401_600; // 75600
    uint256 private constant EXP_E2 = 66_551_656_511_982_043_578_576_918_282_240; // 840
    uint256 private constant EXP_O0 = 26_354_455_978_744_889_257_116_459_639_767_040; // 332640
    uint256 private constant EXP_O1 = 798_619_878_143_784_522_942_923_019_386_880; // 10080

    // [4/4] Padé approximant of atanh(s)/s in z = s², as the continued fraction
    // C + A1/(B1 - z - A2/(B2 - z - A3/(B3 - z - A4/(B4 - z)))), every term positive for
    // 0 <= z <= 0.03. C and B in X96, A in 2^192 units (so A / u is X96 for u in X96).
    uint256 private constant LN_C = 13_082_128_643_322_820_933_561_341_217;
    uint256 private constant LN_A1 =
        25_162_579_694_912_670_423_722_410_713_837_537_235_831_163_446_242_223_899_114;
    uint256 private constant LN_A2 =
        64_677_647_692_609_171_378_846_195_917_943_531_133_407_401_456_651_669_822_591;
    uint256 private constant LN_A3 =
        3_680_992_238_469_929_834_611_810_266_270_011_040_170_276_202_903_618_570_403;
    uint256 private constant LN_A4 =
        328_984_050_650_712_527_752_077_867_653_692_679_930_026_843_794_914_098_040;
    uint256 private constant LN_B1 = 603_974_772_752_777_469_158_743_539_629;
    uint256 private constant LN_B2 = 315_063_562_160_065_027_358_274_041_896;
    uint256 private constant LN_B3 = 146_283_646_739_325_327_122_931_874_947;
    uint256 private constant LN_B4 = 96_691_068_557_042_461_065_361_815_123;

    // Φ(y) - 1/2 = y P(y²) / Q(y²) for 0 <= y <= 2 and the Mills ratio R(y) = P(u) / Q(u),
    // u = y - 2, for 2 < y <= √32: [6/6] rationals from scripts/fit_normal.py, X96, all
    // positive, Q0 = 1. Relative errors 4.5e-19 and 2.2e-17.
    uint256 private constant NORM_CENTRAL_P0 = 31_607_463_825_455_920_794_483_005_075;
    uint256 private constant NORM_CENTRAL_P1 = 2_399_783_318_513_252_916_059_196_088;
    uint256 private constant NORM_CENTRAL_P2 = 357_317_369_519_456_082_949_228_065;
    uint256 private constant NORM_CENTRAL_P3 = 11_442_798_056_941_653_894_769_747;
    uint256 private constant NORM_CENTRAL_P4 = 555_785_001_391_656_448_254_425;
    uint256 private constant NORM_CENTRAL_P5 = 6_906_605_905_181_434_190_689;
    uint256 private constant NORM_CENTRAL_P6 = 51_113_068_817_043_016_467;
    uint256 private constant NORM_CENTRAL_Q1 = 19_220_058_471_550_518_182_998_234_298;
    uint256 private constant NORM_CENTRAL_Q2 = 2_118_300_837_189_437_222_664_026_916;
    uint256 private constant NORM_CENTRAL_Q3 = 137_029_621_613_949_884_707_958_112;
    uint256 private constant NORM_CENTRAL_Q4 = 5_551_635_171_862_081_479_477_329;
    uint256 private constant NORM_CENTRAL_Q5 = 135_618_272_193_061_877_839_167;
    uint256 private constant NORM_CENTRAL_Q6 = 1_594_047_043_014_604_095_719;
    uint256 private constant NORM_MID_P0 = 13_318_412_671_882_422_977_367_893_871;
    uint256 private constant NORM_MID_P1 = 11_388_374_748_072_385_268_116_622_560;
    uint256 private constant NORM_MID_P2 = 4_207_378_673_546_079_899_016_987_594;
    uint256 private constant NORM_MID_P3 = 827_999_174_655_386_382_323_414_923;
    uint256 private constant NORM_MID_P4 = 86_506_595_798_488_934_311_287_859;
    uint256 private constant NORM_MID_P5 = 3_839_680_371_522_032_445_734_189;
    uint256 private constant NORM_MID_P6 = 655_821_591_391_100_488;
    uint256 private constant NORM_MID_Q1 = 97_315_993_329_819_714_906_284_227_727;
    uint256 private constant NORM_MID_Q2 = 51_303_664_415_330_678_236_012_924_385;
    uint256 private constant NORM_MID_Q3 = 14_894_537_422_603_471_692_165_894_153;
    uint256 private constant NORM_MID_Q4 = 2_518_820_190_740_924_306_381_537_041;
    uint256 private constant NORM_MID_Q5 = 236_087_333_874_619_533_368_644_573;
    uint256 private constant NORM_MID_Q6 = 9_624_732_364_411_037_867_948_272;

    // Cody's ANORM coefficients of the asymptotic tail, X96, from the published decimals:
    // P = 0.21589853405795699, 0.1274011611602473639, 0.022235277870649807,
    //     0.001421619193227893466, 2.9112874951168792e-5, 0.02307344176494017303;
    // Q = 1.28426009614491121, 0.468238212480865118, 0.0659881378689285515,
    //     0.00378239633202758244, 7.29751555083966205e-5.
    uint256 private constant NORM_P0 = 17_105_244_142_935_250_397_484_819_813;
    uint256 private constant NORM_P1 = 10_093_759_900_910_059_859_865_101_624;
    uint256 private constant NORM_P2 = 1_761_660_208_685_668_399_622_843_420;
    uint256 private constant NORM_P3 = 112_632_276_474_456_899_158_600_487;
    uint256 private constant NORM_P4 = 2_306_559_587_888_656_494_126_801;
    uint256 private constant NORM_P5 = 1_828_066_393_916_094_194_379_040_561;
    uint256 private constant NORM_Q0 = 101_749_567_607_953_768_463_279_850_059;
    uint256 private constant NORM_Q1 = 37_097_653_193_822_617_646_510_299_429;
    uint256 private constant NORM_Q2 = 5_228_118_911_093_152_054_863_337_464;
    uint256 private constant NORM_Q3 = 299_672_311_287_238_634_231_090_290;
    uint256 private constant NORM_Q4 = 5_781_687_480_122_959_817_537_969;

    /// @notice e^x.
    /// @dev e^x = 2^k e^(-r) with k = ⌊x / ln 2⌋ + 1 and r = k ln 2 - x in (0, ln 2], e^(-r)
    /// from `expNegX96`. Rounded to the nearest wei of the approximation, whose relative error is
    /// below 3e-19: |error| <= 0.5 wei + 3e-19 e^x. Returns 0 for `x <= EXP_MIN_WAD`; reverts
    /// with `FixedPointMathExpOverflow` above `EXP_MAX_WAD`.
    /// @param x The exponent, WAD.
    /// @return result e^x, WAD.
    function exp(int256 x) internal pure returns (int256 result) {
        if (x <= EXP_MIN_WAD) return 0;
        if (x > EXP_MAX_WAD) revert FixedPointMathExpOverflow(x);
        int256 k;
        uint256 r;
        // Unchecked (assembly): |x| < 136e18, so x << 96 < 2^164 and x / ln 2 < 2^104 (X96); k
        // = ⌊x / ln 2⌋ + 1 is in [-60, 196] and r = k ln 2 - x is in (0, ln 2] (X96), positive
        // because k > x / ln 2 even after the truncated division.
        assembly ("memory-safe") {
            let xX96 := sdiv(shl(96, x), WAD)
            k := add(sar(96, sdiv(shl(96, xX96), LN2_X96)), 1)
            r := sub(mul(k, LN2_X96), xX96)
        }
        // Unchecked: e^(-r) is in [0.5, 1] * 2^96, so scaled = e^(-r) * 1e18 < 2^156; shifting
        // it left by k - 96 <= 100 gives e^x * 1e18 (1 + 3e-19), which the bound on x keeps
        // below 2^255 (tested at the bound). The right shift by s = 96 - k rounds half up:
        // ⌊(⌊y / 2^(s-1)⌋ + 1) / 2⌋ = ⌊y / 2^s + 1/2⌋.
        unchecked {
            uint256 scaled = expNegX96(r) * WAD_UINT;
            // forge-lint: disable-next-line(unsafe-typecast)
            if (k >= 96) return int256(scaled << uint256(k - 96));
            // forge-lint: disable-next-line(unsafe-typecast)
            result = int256(((scaled >> uint256(95 - k)) + 1) >> 1);
        }
    }

    /// @notice The natural logarithm of `x`.
    /// @dev Rounded to the nearest wei of an approximation within 4e-20 of ln(x):
    /// |error| <= 0.54 wei. Reverts with `FixedPointMathLnUndefined` for `x <= 0`.
    /// @param x A positive WAD.
    /// @return result ln(x), WAD.
    function ln(int256 x) internal pure returns (int256 result) {
        if (x <= 0) revert FixedPointMathLnUndefined(x);
        // Unchecked: |lnX96(x) - LN_WAD_X96| < 136 * 2^96, so the product is below 2^164.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast)
            result = ((lnX96(uint256(x)) - LN_WAD_X96) * WAD + 2 ** 95) >> 96;
        }
    }

    /// @notice The square root of a WAD.
    /// @dev Rounded down: exactly the floor of √x for `x * 1e18 < 2^256` (x below 1.15e59
    /// wei); above that √x is computed as `isqrt(x) * 1e9`, still below the true root and
    /// within 1e9 wei (a relative 3e-21) of it.
    /// @param x A WAD.
    /// @return √x, WAD.
    function sqrt(uint256 x) internal pure returns (uint256) {
        // Unchecked: the branch keeps x * WAD below 2^256 and isqrt(x) * 1e9 below 2^158.
        unchecked {
            if (x <= type(uint256).max / WAD_UINT) return isqrt(x * WAD_UINT);
            return isqrt(x) * 1e9;
        }
    }

    /// @notice The standard normal cumulative distribution function Φ(x).
    /// @dev Absolute error below 1 wei: the approximation is within 5e-19 of Φ, then rounded to
    /// the nearest wei. Exactly `cdf(x) + cdf(-x) = 1e18`. Returns 0 below `-CDF_CLAMP_WAD` and
    /// 1e18 above `CDF_CLAMP_WAD`, where the true value is within 1.2e-19.
    /// @param x WAD.
    /// @return Φ(x), WAD in [0, 1e18].
    function cdf(int256 x) internal pure returns (uint256) {
        if (x >= CDF_CLAMP_WAD) return WAD_UINT;
        if (x <= -CDF_CLAMP_WAD) return 0;
        // Unchecked: |x| < 9e18, so the X96 value is below 2^100 and the tail below 2^95.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast)
            uint256 y = (uint256(x < 0 ? -x : x) << 96) / WAD_UINT;
            uint256 tail = (normTailX96(y) * WAD_UINT + HALF_X96) >> 96;
            return x < 0 ? tail : WAD_UINT - tail;
        }
    }

    /// @notice The standard normal density φ(x) = e^(-x²/2) / √(2π).
    /// @dev One exponential of `-(x²/2 + ln √(2π))`, rounded to the nearest wei: |error| <= 1
    /// wei. Returns 0 beyond `±PDF_CLAMP_WAD`.
    /// @param x WAD.
    /// @return φ(x), WAD.
    function pdf(int256 x) internal pure returns (uint256) {
        if (x >= PDF_CLAMP_WAD || x <= -PDF_CLAMP_WAD) return 0;
        // Unchecked: |x| < 1e19, so y < 2^100 and y² / 2 + ln √(2π) < 2^103.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast)
            uint256 y = (uint256(x < 0 ? -x : x) << 96) / WAD_UINT;
            uint256 density = expNegX96(((y * y) >> 97) + LN_SQRT_2PI_X96);
            return (density * WAD_UINT + HALF_X96) >> 96;
        }
    }

    /// @notice e^(-x) in X96.
    /// @dev Range reduction -x = k ln 2 + r, |r| <= ln(2) / 2, then the [6/6] Padé approximant
    /// of e^r. Rounded down; relative error below 2e-19 plus one X96 unit. Returns 0 once the
    /// result is below one X96 unit (x above 66.5).
    /// @param xX96 The negated exponent, X96, any value.
    /// @return result e^(-x), X96 in [0, 2^96].
    function expNegX96(uint256 xX96) internal pure returns (uint256 result) {
        // Unchecked (assembly): for x in [0, 67) (X96), -x = k ln 2 + r with k = round(-x / ln 2)
        // in [-97, 0] and |r| <= 0.35 * 2^96; z = r² < 2^94, E < 2^116, O < 2^115 and |r O| >>
        // 96 < E / 2, so e^r = (E + rO) / (E - rO) has a positive denominator; E + rO < 2^117 and
        // the final shift stays below 2^213; for k = -97 the shift amount wraps to 2^256 - 1 and
        // shl gives 0, the right result below one X96 unit.
        assembly ("memory-safe") {
            if lt(xX96, EXP_NEG_CUTOFF_X96) {
                let x := sub(0, xX96)
                let k := sar(96, add(sdiv(shl(96, x), LN2_X96), HALF_X96))
                let r := sub(x, mul(k, LN2_X96))
                let z := shr(96, mul(r, r))
                let e := add(shr(96, mul(add(shr(96, mul(add(z, EXP_E2), z)), EXP_E1), z)), EXP_E0)
                let ro := sar(96, mul(r, add(shr(96, mul(add(mul(42, z), EXP_O1), z)), EXP_O0)))
                result := div(shl(add(96, k), add(e, ro)), sub(e, ro))
            }
        }
    }

    /// @notice The natural logarithm of a plain integer (not a WAD), in X96.
    /// @dev Absolute error below 4e-20 (the Padé approximant; the arithmetic adds about 1e-28);
    /// rounding not directed. Reverts with `FixedPointMathLnUndefined` for 0.
    /// @param x A positive integer.
    /// @return result ln(x), X96.
    function lnX96(uint256 x) internal pure returns (int256 result) {
        if (x == 0) revert FixedPointMathLnUndefined(0);
        // Unchecked (assembly): msb is found by a binary search on comparisons (the last two
        // bits from a table of 2-bit entries, entry n = ⌊log2 n⌋ at bits 2n, for n < 16). m is
        // x with its top bit moved to bit 96, in [2^96, 2^97); s = (m - c) / (m + c) with c = 1
        // or 2 keeps |s| < 0.172 * 2^96 and z = s² < 0.03 * 2^96; each u of the continued
        // fraction stays in [1.19, 7.7] * 2^96 (so no division by zero and no underflow), the
        // ratio is about 2^96, s times it is below 2^190, and msb * ln 2 < 2^104.
        assembly ("memory-safe") {
            let msb := shl(7, lt(0xffffffffffffffffffffffffffffffff, x))
            msb := or(msb, shl(6, lt(0xffffffffffffffff, shr(msb, x))))
            msb := or(msb, shl(5, lt(0xffffffff, shr(msb, x))))
            msb := or(msb, shl(4, lt(0xffff, shr(msb, x))))
            msb := or(msb, shl(3, lt(0xff, shr(msb, x))))
            msb := or(msb, shl(2, lt(0xf, shr(msb, x))))
            msb := or(msb, and(3, shr(shl(1, shr(msb, x)), 0xffffaa50)))
            let m := shr(159, shl(sub(255, msb), x))
            let high := gt(m, SQRT2_X96)
            let c := shl(add(96, high), 1)
            let s := sdiv(shl(96, sub(m, c)), add(m, c))
            let z := shr(96, mul(s, s))
            let u := sub(LN_B4, z)
            u := sub(sub(LN_B3, z), div(LN_A4, u))
            u := sub(sub(LN_B2, z), div(LN_A3, u))
            u := sub(sub(LN_B1, z), div(LN_A2, u))
            let atanhRatio := add(LN_C, div(LN_A1, u))
            result := add(mul(add(msb, high), LN2_X96), sar(95, mul(s, atanhRatio)))
        }
    }

    /// @notice The upper tail of the standard normal distribution, Q(y) = 1 - Φ(y), for y >= 0.
    /// @dev Relative error below 3e-17 plus one X96 unit; rounding not directed.
    /// @param yX96 y >= 0, X96; at most 2^110 (the asymptotic branch squares it).
    /// @return Q(y), X96 in [0, 2^95].
    function normTailX96(uint256 yX96) internal pure returns (uint256) {
        if (yX96 <= NORM_CENTRAL_X96) return HALF_X96 - normCentralX96(yX96);
        // Unchecked: the exponential is at most 2^96 and the Mills ratio below 2^95.
        unchecked {
            return (expNegX96((yX96 * yX96) >> 97) * normMillsX96(yX96)) >> 96;
        }
    }

    /// @notice Φ(y) - 1/2 near the centre, `y P(y²) / Q(y²)`.
    /// @dev For 0 <= y <= `NORM_CENTRAL_X96` = 2 (larger y are outside the fit). Relative error
    /// below 5e-19 plus one X96 unit, rounded down; the tail 1/2 minus it keeps a relative error
    /// below 1e-17 (Q(2) = 0.023).
    /// @param yX96 y, X96.
    /// @return result Φ(y) - 1/2, X96, below 0.48 * 2^96.
    function normCentralX96(uint256 yX96) internal pure returns (uint256 result) {
        // Unchecked (assembly): y <= 2 * 2^96, so z <= 4 * 2^96, every Horner value (positive
        // coefficients) is below 2^98 and y times the numerator below 2^196.
        assembly ("memory-safe") {
            let z := shr(96, mul(yX96, yX96))
            let num := add(shr(96, mul(NORM_CENTRAL_P6, z)), NORM_CENTRAL_P5)
            num := add(shr(96, mul(num, z)), NORM_CENTRAL_P4)
            num := add(shr(96, mul(num, z)), NORM_CENTRAL_P3)
            num := add(shr(96, mul(num, z)), NORM_CENTRAL_P2)
            num := add(shr(96, mul(num, z)), NORM_CENTRAL_P1)
            num := add(shr(96, mul(num, z)), NORM_CENTRAL_P0)
            let den := add(shr(96, mul(NORM_CENTRAL_Q6, z)), NORM_CENTRAL_Q5)
            den := add(shr(96, mul(den, z)), NORM_CENTRAL_Q4)
            den := add(shr(96, mul(den, z)), NORM_CENTRAL_Q3)
            den := add(shr(96, mul(den, z)), NORM_CENTRAL_Q2)
            den := add(shr(96, mul(den, z)), NORM_CENTRAL_Q1)
            den := add(shr(96, mul(den, z)), ONE_X96)
            result := div(mul(yX96, num), den)
        }
    }

    /// @notice The normal Mills ratio divided by √(2π), R(y) = Q(y) e^(y²/2), beyond the centre.
    /// @dev For `NORM_CENTRAL_X96` < y <= 2^110 only (smaller y wrap to garbage): the fitted
    /// `P(y - 2)/Q(y - 2)` up to √32, then Cody's `(1/√(2π) - z P(z)/Q(z)) / y` with z = 1/y².
    /// Relative error below 3e-17 plus one X96 unit, rounded down. R decreases from 0.4 at 0
    /// towards 1/(y √(2π)).
    /// @param yX96 y, X96.
    /// @return result R(y), X96, below 0.4 * 2^96.
    function normMillsX96(uint256 yX96) internal pure returns (uint256 result) {
        if (yX96 <= SQRT32_X96) {
            // Unchecked (assembly): u = y - 2 is in (0, 3.66] * 2^96 (y > 2 by the caller's
            // contract), every Horner value (positive coefficients) is below 2^101 and its
            // shift below 2^197.
            assembly ("memory-safe") {
                let u := sub(yX96, NORM_CENTRAL_X96)
                let num := add(shr(96, mul(NORM_MID_P6, u)), NORM_MID_P5)
                num := add(shr(96, mul(num, u)), NORM_MID_P4)
                num := add(shr(96, mul(num, u)), NORM_MID_P3)
                num := add(shr(96, mul(num, u)), NORM_MID_P2)
                num := add(shr(96, mul(num, u)), NORM_MID_P1)
                num := add(shr(96, mul(num, u)), NORM_MID_P0)
                let den := add(shr(96, mul(NORM_MID_Q6, u)), NORM_MID_Q5)
                den := add(shr(96, mul(den, u)), NORM_MID_Q4)
                den := add(shr(96, mul(den, u)), NORM_MID_Q3)
                den := add(shr(96, mul(den, u)), NORM_MID_Q2)
                den := add(shr(96, mul(den, u)), NORM_MID_Q1)
                den := add(shr(96, mul(den, u)), ONE_X96)
                result := div(shl(96, num), den)
            }
        } else {
            // Unchecked (assembly): √32 * 2^96 < y <= 2^110, so y² fits, z <= 2^96 / 32, the
            // Horner values stay below 2^97, z P(z)/Q(z) < 1/√(2π) keeps the subtraction
            // positive and its shift below 2^192.
            assembly ("memory-safe") {
                let z := div(shl(192, 1), shr(96, mul(yX96, yX96)))
                let num := shr(96, mul(NORM_P5, z))
                let den := z
                num := shr(96, mul(add(num, NORM_P0), z))
                den := shr(96, mul(add(den, NORM_Q0), z))
                num := shr(96, mul(add(num, NORM_P1), z))
                den := shr(96, mul(add(den, NORM_Q1), z))
                num := shr(96, mul(add(num, NORM_P2), z))
                den := shr(96, mul(add(den, NORM_Q2), z))
                num := shr(96, mul(add(num, NORM_P3), z))
                den := shr(96, mul(add(den, NORM_Q3), z))
                let t := div(mul(z, add(num, NORM_P4)), add(den, NORM_Q4))
                result := div(shl(96, sub(INV_SQRT_2PI_X96, t)), yX96)
            }
        }
    }

    /// @notice The integer square root, ⌊√x⌋.
    /// @param x Any integer.
    /// @return z ⌊√x⌋.
    function isqrt(uint256 x) internal pure returns (uint256 z) {
        // Unchecked (assembly): msb by the same binary search as in `lnX96`. The start is
        // 2^(msb/2) * 1.5 for even msb and 2^((msb+1)/2) for odd msb: at least √x and at most
        // 1.5 √x. Newton's step from above stays >= ⌊√x⌋ and squares the relative error, which
        // six steps take from 0.5 to below 2^-140, within one unit of √x < 2^128; the last
        // line picks ⌊√x⌋ out of {⌊√x⌋, ⌊√x⌋ + 1}. x = 0 skips the block and returns 0.
        assembly ("memory-safe") {
            if x {
                let msb := shl(7, lt(0xffffffffffffffffffffffffffffffff, x))
                msb := or(msb, shl(6, lt(0xffffffffffffffff, shr(msb, x))))
                msb := or(msb, shl(5, lt(0xffffffff, shr(msb, x))))
                msb := or(msb, shl(4, lt(0xffff, shr(msb, x))))
                msb := or(msb, shl(3, lt(0xff, shr(msb, x))))
                msb := or(msb, shl(2, lt(0xf, shr(msb, x))))
                msb := or(msb, and(3, shr(shl(1, shr(msb, x)), 0xffffaa50)))
                z := shr(1, shl(shr(1, msb), add(3, and(msb, 1))))
                z := shr(1, add(z, div(x, z)))
                z := shr(1, add(z, div(x, z)))
                z := shr(1, add(z, div(x, z)))
                z := shr(1, add(z, div(x, z)))
                z := shr(1, add(z, div(x, z)))
                z := shr(1, add(z, div(x, z)))
                z := sub(z, gt(z, div(x, z)))
            }
        }
    }

    /// @notice √x in X96 for a small integer x, such as a number of seconds.
    /// @dev Not rounded to the floor: at least ⌊√x * 2^96⌋ and above √x * 2^96 by a relative
    /// 1e-22 at most, five Newton steps instead of the six that exactness needs.
    /// @param x An integer below 2^32 (larger values give wrong results).
    /// @return z √x, X96.
    function sqrtX96(uint256 x) internal pure returns (uint256 z) {
        // Unchecked (assembly): x < 2^32, so y = x << 192 < 2^224 and msb(y) = msb(x) + 192,
        // with msb(x) found from bit 16 down as in `lnX96`. The start is that of `isqrt`, at
        // least √y and at most 1.5 √y; Newton's step from above stays at least ⌊√y⌋ and takes
        // the relative error from 0.5 to 0.083, 3.2e-3, 5.1e-6, 1.3e-11 and 8.5e-23. x = 0
        // skips the block and returns 0.
        assembly ("memory-safe") {
            if x {
                let msb := shl(4, lt(0xffff, x))
                msb := or(msb, shl(3, lt(0xff, shr(msb, x))))
                msb := or(msb, shl(2, lt(0xf, shr(msb, x))))
                msb := or(msb, and(3, shr(shl(1, shr(msb, x)), 0xffffaa50)))
                let y := shl(192, x)
                z := shl(add(shr(1, msb), 95), add(3, and(msb, 1)))
                z := shr(1, add(z, div(y, z)))
                z := shr(1, add(z, div(y, z)))
                z := shr(1, add(z, div(y, z)))
                z := shr(1, add(z, div(y, z)))
                z := shr(1, add(z, div(y, z)))
            }
        }
    }
}
