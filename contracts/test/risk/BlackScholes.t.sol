// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {BlackScholes} from "../../src/libraries/BlackScholes.sol";
import {FixedPointMath} from "../../src/libraries/FixedPointMath.sol";
import {RiskMathHarness} from "../helpers/RiskMathHarness.sol";

/// @notice `BlackScholes` against textbook examples, against the exact formula evaluated in
/// 60-digit decimal arithmetic (Python `decimal`, T = seconds / 31,536,000), at its edges, and
/// by property.
contract BlackScholesTest is Test {
    /// @dev One input set and the exact call, put, call delta, gamma and vega, all WAD.
    struct Case {
        uint256 spot;
        uint256 strike;
        uint256 vol;
        uint256 secondsToExpiry;
        uint256 rate;
        uint256 call;
        uint256 put;
        int256 callDelta;
        uint256 gamma;
        uint256 vega;
    }

    uint256 internal constant YEAR = 31_536_000;
    /// @dev 1/√(2π) in WAD, rounded up.
    uint256 internal constant INV_SQRT_2PI = 398_942_280_401_432_678;
    /// @dev √YEAR in WAD, rounded down (so an upper bound divided by it stays an upper bound).
    uint256 internal constant SQRT_YEAR = 5_615_692_299_262_843_336_293;
    /// @dev √YEAR in X96, rounded up: vol (WAD) * √seconds (X96) / it is σ√T (WAD), rounded
    /// down, so a bound divided by it stays an upper bound.
    uint256 internal constant SQRT_YEAR_X96 = 444_920_982_116_099_312_838_033_793_615_080;

    RiskMathHarness internal harness;

    function setUp() public {
        harness = new RiskMathHarness();
    }

    /// @dev Hull, Options, Futures, and Other Derivatives, the Black-Scholes-Merton worked
    /// example: S0 = 42, K = 40, r = 10%, σ = 20%, T = 0.5 gives c = 4.76 and p = 0.81. In double
    /// precision c = 4.759422392871532, p = 0.808599372900092; in 60 digits
    /// c = 4.759422392871533220, p = 0.808599372900093583.
    function test_priceAndDelta_HullExample() public pure {
        (uint256 call,) = BlackScholes.priceAndDelta(42e18, 40e18, 0.2e18, YEAR / 2, 0.1e18, true);
        (uint256 put,) = BlackScholes.priceAndDelta(42e18, 40e18, 0.2e18, YEAR / 2, 0.1e18, false);
        assertApproxEqAbs(call, 4.76e18, 0.005e18);
        assertApproxEqAbs(put, 0.81e18, 0.005e18);
        assertApproxEqAbs(call, 4_759_422_392_871_532_000, 2000);
        assertApproxEqAbs(put, 808_599_372_900_092_000, 2000);
        assertApproxEqAbs(call, 4_759_422_392_871_533_220, 2);
        assertApproxEqAbs(put, 808_599_372_900_093_583, 2);
    }

    /// @dev Hull's example for the Greek letters: a call with S0 = 49, K = 50, r = 5%,
    /// σ = 20%, T = 20 weeks (0.3846 years; 12,129,231 seconds of a 365-day year) is worth 2.40,
    /// with delta 0.522, gamma 0.066 and vega 12.1.
    function test_greeks_HullGreekLettersExample() public pure {
        (uint256 price, int256 delta, uint256 gamma, uint256 vega) =
            BlackScholes.greeks(49e18, 50e18, 0.2e18, 12_129_231, 0.05e18, true);
        assertApproxEqAbs(price, 2.4e18, 0.005e18);
        assertApproxEqAbs(delta, 0.522e18, 0.0005e18);
        assertApproxEqAbs(gamma, 0.066e18, 0.0005e18);
        assertApproxEqAbs(vega, 12.1e18, 0.05e18);
    }

    /// @dev Haug, The Complete Guide to Option Pricing Formulas (2nd ed.), the Black-Scholes
    /// (1973) example: S = 60, X = 65, T = 0.25, r = 8%, σ = 30% gives c = 2.1334.
    function test_price_HaugBlackScholesExample() public pure {
        uint256 call = BlackScholes.price(60e18, 65e18, 0.3e18, YEAR / 4, 0.08e18, true);
        assertApproxEqAbs(call, 2.1334e18, 0.00005e18);
    }

    /// @dev Haug's gamma example with cost of carry b = r (a stock without dividends): S = 55,
    /// X = 60, T = 0.75, r = b = 10%, σ = 30% gives gamma 0.0278, the same for call and put.
    function test_gamma_HaugExample() public pure {
        uint256 gamma = BlackScholes.gamma(55e18, 60e18, 0.3e18, YEAR * 3 / 4, 0.1e18);
        assertApproxEqAbs(gamma, 0.0278e18, 0.00005e18);
    }

    /// @dev Every regime: both tails central, one or both beyond the centre and beyond √32,
    /// 1 second to expiry, 100 years, the vol floor and the vol cap, the ends of the price
    /// range, the largest rate. Price within 1e-17 of max(spot, strike) plus 4 wei (measured:
    /// 5e-19 plus a wei), delta within 2 wei, gamma and vega within 1e-15 plus 2 wei.
    function test_priceAndGreeks_MatchExactValues() public pure {
        _checkCase(
            Case(
                42_000_000_000_000_000_000,
                40_000_000_000_000_000_000,
                200_000_000_000_000_000,
                15_768_000,
                100_000_000_000_000_000,
                4_759_422_392_871_533_220,
                808_599_372_900_093_583,
                779_131_290_942_668_940,
                49_962_670_405_911_856,
                8_813_415_059_602_851_338
            )
        );
        _checkCase(
            Case(
                49_000_000_000_000_000_000,
                50_000_000_000_000_000_000,
                200_000_000_000_000_000,
                12_129_231,
                50_000_000_000_000_000,
                2_400_527_354_776_586_644,
                2_448_175_454_841_059_502,
                521_604_662_506_197_542,
                65_544_038_711_492_545,
                12_105_479_995_416_854_942
            )
        );
        _checkCase(
            Case(
                60_000_000_000_000_000_000,
                65_000_000_000_000_000_000,
                300_000_000_000_000_000,
                7_884_000,
                80_000_000_000_000_000,
                2_133_368_444_916_200_006,
                5_846_282_209_855_294_651,
                372_482_797_961_972_860,
                42_042_755_753_785_170,
                11_351_544_053_521_995_849
            )
        );
        _checkCase(
            Case(
                55_000_000_000_000_000_000,
                60_000_000_000_000_000_000,
                300_000_000_000_000_000,
                23_652_000,
                100_000_000_000_000_000,
                5_392_778_824_120_155_188,
                6_057_388_003_833_328_721,
                533_341_389_683_484_734,
                27_821_160_476_940_841,
                18_935_777_349_617_859_597
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                100_000_000_000_000_000_000,
                500_000_000_000_000_000,
                604_800,
                0,
                2_761_823_401_283_908_726,
                2_761_823_401_283_908_726,
                513_809_117_006_419_544,
                57_580_733_709_785_520,
                5_521_440_218_746_556_743
            )
        );
        _checkCase(
            Case(
                3_000_000_000_000_000_000_000,
                3_500_000_000_000_000_000_000,
                800_000_000_000_000_000,
                2_592_000,
                0,
                110_884_791_359_869_883_213,
                610_884_791_359_869_883_213,
                288_615_140_870_139_947,
                496_374_719_472_058,
                293_745_039_468_395_851_287
            )
        );
        _checkCase(
            Case(
                1_000_000_000_000_000_000,
                1_500_000_000_000_000_000,
                1_000_000_000_000_000_000,
                86_400,
                0,
                38,
                500_000_000_000_000_038,
                5_806,
                870_284,
                2_384
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                60_000_000_000_000_000_000,
                300_000_000_000_000_000,
                31_536_000,
                50_000_000_000_000_000,
                43_195_040_983_358_106_463,
                268_806_453_400_947_009,
                978_278_142_612_180_219,
                1_730_816_614_249_688,
                5_192_449_842_749_062_693
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                100_000_000_000_000_000_000,
                3_000_000_000_000_000_000,
                315_360_000,
                0,
                99_999_789_856_404_398_756,
                99_999_789_856_404_398_756,
                999_998_949_282_021_994,
                5_469_855_956,
                1_640_956_786_728_727
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                100_000_000_000_000_000_000,
                200_000_000_000_000_000,
                1,
                0,
                1_420_812_463_078_566,
                1_420_812_463_078_566,
                500_007_104_062_315_393,
                112_016_854_577_274_016_114,
                7_104_062_314_641_934
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                101_000_000_000_000_000_000,
                200_000_000_000_000_000,
                1,
                0,
                0,
                1_000_000_000_000_000_000,
                0,
                0,
                0
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                100_000_000_000_000_000_000,
                0,
                2_592_000,
                0,
                1_143_731_970_281_407,
                1_143_731_970_281_407,
                500_005_718_659_851_407,
                139_154_056_374_706_730_795,
                11_437_319_702_030_690_202
            )
        );
        _checkCase(
            Case(
                1_000_000_000_000,
                1_000_000_000_000_000_000_000_000_000_000_000_000,
                1_000_000_000_000_000_000,
                31_536_000,
                0,
                0,
                999_999_999_999_999_999_999_999_000_000_000_000,
                0,
                0,
                0
            )
        );
        _checkCase(
            Case(
                1_000_000_000_000_000_000_000_000_000_000_000_000,
                1_000_000_000_000,
                500_000_000_000_000_000,
                31_536_000,
                0,
                999_999_999_999_999_999_999_999_000_000_000_000,
                0,
                1_000_000_000_000_000_000,
                0,
                0
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                100_000_000_000_000_000_000,
                100_000_000_000_000_000_000,
                31_536_000,
                0,
                100_000_000_000_000_000_000,
                100_000_000_000_000_000_000,
                1_000_000_000_000_000_000,
                0,
                0
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                80_000_000_000_000_000_000,
                200_000_000_000_000_000,
                3_153_600_000,
                10_000_000_000_000_000,
                84_380_475_075_111_105_302,
                13_810_830_368_826_491_030,
                946_472_421_688_317_597,
                544_393_790_275_275,
                108_878_758_055_055_050_700
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                100_000_000_000_000_000_000,
                200_000_000_000_000_000,
                31_536_000,
                1_000_000_000_000_000_000,
                63_212_056_528_349_297_439,
                645_493_529_599,
                999_999_830_173_259_285,
                44_862_175_812,
                89_724_351_623_833
            )
        );
        _checkCase(
            Case(
                1_000_000_000_000_000,
                1_200_000_000_000_000,
                600_000_000_000_000_000,
                7_776_000,
                0,
                53_665_766_478_112,
                253_665_766_478_112,
                321_691_030_263_027_912,
                1_202_927_128_884_212_775_133,
                177_967_301_259_582
            )
        );
        _checkCase(
            Case(
                2_500_000_000_000_000_000_000,
                2_000_000_000_000_000_000_000,
                650_000_000_000_000_000,
                1_209_600,
                30_000_000_000_000_000,
                506_760_300_579_446_097_811,
                4_460_254_284_525_365_691,
                966_042_800_453_471_766,
                236_836_030_772_237,
                36_904_244_521_016_369_232
            )
        );
        _checkCase(
            Case(
                1_000_000_000_000_000_000,
                1_000_000_000_000_000_000,
                100_000_000_000_000,
                31_536_000,
                0,
                39_894_228_023_521,
                39_894_228_023_521,
                500_019_947_114_011_760,
                3_989_422_799_027_548_277_498,
                398_942_279_902_754_828
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                130_000_000_000_000_000_000,
                300_000_000_000_000_000,
                15_768_000,
                0,
                1_252_855_151_067_342_653,
                31_252_855_151_067_342_653,
                129_084_167_556_730_495,
                9_923_609_068_523_072,
                14_885_413_602_784_607_800
            )
        );
        _checkCase(
            Case(
                100_000_000_000_000_000_000,
                250_000_000_000_000_000_000,
                1_500_000_000_000_000_000,
                63_072_000,
                20_000_000_000_000_000,
                57_257_116_648_918_611_777,
                197_454_476_436_999_414_137,
                741_369_339_558_948_866,
                1_524_905_776_336_683,
                45_747_173_290_100_504_306
            )
        );
        _checkCase(
            Case(
                65_000_000_000_000_000_000_000,
                40_000_000_000_000_000_000_000,
                900_000_000_000_000_000,
                259_200,
                0,
                25_000_000_000_888_329_562_061,
                888_329_562_061,
                999_999_998_957_905_579,
                1_208_365,
                37_765_545_646_209
            )
        );
        _checkCase(
            Case(
                700_000_000_000_000_000,
                900_000_000_000_000_000,
                1_200_000_000_000_000_000,
                3_888_000,
                40_000_000_000_000_000,
                57_000_502_836_027_110,
                252_573_072_595_753_963,
                354_174_262_038_239_144,
                1_261_203_263_355_748_205,
                91_428_598_214_775_610
            )
        );
    }

    function test_atExpiry_IntrinsicValueAndStepDelta() public pure {
        _assertAtExpiry(110e18, 100e18, true, 10e18, 1e18);
        _assertAtExpiry(90e18, 100e18, true, 0, 0);
        _assertAtExpiry(100e18, 100e18, true, 0, 0);
        _assertAtExpiry(90e18, 100e18, false, 10e18, -1e18);
        _assertAtExpiry(110e18, 100e18, false, 0, 0);
        _assertAtExpiry(100e18, 100e18, false, 0, 0);
        assertEq(BlackScholes.gamma(100e18, 100e18, 0.5e18, 0, 0), 0);
        assertEq(BlackScholes.vega(100e18, 100e18, 0.5e18, 0, 0), 0);
    }

    function test_priceAndDelta_VolBelowFloorUsesFloor() public pure {
        uint256 floored =
            BlackScholes.price(100e18, 100e18, BlackScholes.VOL_FLOOR, 30 days, 0, true);
        assertEq(BlackScholes.price(100e18, 100e18, 0, 30 days, 0, true), floored);
        assertEq(BlackScholes.price(100e18, 100e18, 1, 30 days, 0, true), floored);
        assertGt(floored, 0);
    }

    function test_priceAndDelta_DeepInAndOutOfTheMoney() public pure {
        (uint256 call, int256 callDelta) =
            BlackScholes.priceAndDelta(100e18, 1e18, 0.5e18, 30 days, 0.05e18, true);
        (uint256 put, int256 putDelta) =
            BlackScholes.priceAndDelta(100e18, 1e18, 0.5e18, 30 days, 0.05e18, false);
        uint256 discountedStrike = _discount(1e18, 0.05e18, 30 days);
        assertApproxEqAbs(call, 100e18 - discountedStrike, 1);
        assertEq(callDelta, 1e18);
        assertEq(put, 0);
        assertEq(putDelta, 0);
        (call, callDelta) = BlackScholes.priceAndDelta(1e18, 100e18, 0.5e18, 30 days, 0, true);
        assertEq(call, 0);
        assertEq(callDelta, 0);
    }

    function test_priceAndDelta_EndsOfTheInputRange() public pure {
        uint256 lo = BlackScholes.MIN_PRICE;
        uint256 hi = BlackScholes.MAX_PRICE;
        uint256 maxVol = BlackScholes.MAX_VOL;
        uint256 maxSeconds = BlackScholes.MAX_SECONDS;
        uint256 maxRate = BlackScholes.MAX_RATE;
        _assertWithinBounds(lo, lo, maxVol, maxSeconds, maxRate);
        _assertWithinBounds(hi, hi, maxVol, maxSeconds, maxRate);
        _assertWithinBounds(lo, hi, 0, 1, 0);
        _assertWithinBounds(hi, lo, 0, 1, 0);
        _assertWithinBounds(lo, hi, maxVol, maxSeconds, 0);
        _assertWithinBounds(hi, lo, maxVol, maxSeconds, maxRate);
        _assertWithinBounds(hi, hi, 0, 1, maxRate);
    }

    function test_RevertWhen_SpotOutOfRange() public {
        uint256 low = BlackScholes.MIN_PRICE - 1;
        uint256 high = BlackScholes.MAX_PRICE + 1;
        vm.expectRevert(
            abi.encodeWithSelector(BlackScholes.BlackScholesSpotOutOfRange.selector, low)
        );
        harness.priceAndDelta(low, 1e18, 0.5e18, 1 days, 0, true);
        vm.expectRevert(
            abi.encodeWithSelector(BlackScholes.BlackScholesSpotOutOfRange.selector, high)
        );
        harness.greeks(high, 1e18, 0.5e18, 1 days, 0, true);
    }

    function test_RevertWhen_StrikeOutOfRange() public {
        uint256 low = BlackScholes.MIN_PRICE - 1;
        uint256 high = BlackScholes.MAX_PRICE + 1;
        vm.expectRevert(
            abi.encodeWithSelector(BlackScholes.BlackScholesStrikeOutOfRange.selector, low)
        );
        harness.priceAndDelta(1e18, low, 0.5e18, 1 days, 0, false);
        vm.expectRevert(
            abi.encodeWithSelector(BlackScholes.BlackScholesStrikeOutOfRange.selector, high)
        );
        harness.gamma(1e18, high, 0.5e18, 1 days, 0);
    }

    function test_RevertWhen_VolTooHigh() public {
        uint256 vol = BlackScholes.MAX_VOL + 1;
        vm.expectRevert(abi.encodeWithSelector(BlackScholes.BlackScholesVolTooHigh.selector, vol));
        harness.price(1e18, 1e18, vol, 1 days, 0, true);
    }

    function test_RevertWhen_ExpiryTooFar() public {
        uint256 secondsToExpiry = BlackScholes.MAX_SECONDS + 1;
        vm.expectRevert(
            abi.encodeWithSelector(BlackScholes.BlackScholesExpiryTooFar.selector, secondsToExpiry)
        );
        harness.delta(1e18, 1e18, 0.5e18, secondsToExpiry, 0, true);
    }

    function test_RevertWhen_RateTooHigh() public {
        uint256 rate = BlackScholes.MAX_RATE + 1;
        vm.expectRevert(abi.encodeWithSelector(BlackScholes.BlackScholesRateTooHigh.selector, rate));
        harness.vega(1e18, 1e18, 0.5e18, 1 days, rate);
    }

    function test_RevertWhen_OutOfRangeEvenAtExpiry() public {
        vm.expectRevert(abi.encodeWithSelector(BlackScholes.BlackScholesSpotOutOfRange.selector, 0));
        harness.priceAndDelta(0, 1e18, 0.5e18, 0, 0, true);
    }

    /// @dev With r = 0 the call and the put come from the same two terms, so parity holds to
    /// the wei unless a bound clamps one of them, which only happens within a wei of the bound.
    function testFuzz_putCallParity_ZeroRate(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry
    ) public pure {
        (spot, strike, vol, secondsToExpiry) = _boundInputs(spot, strike, vol, secondsToExpiry);
        uint256 call = BlackScholes.price(spot, strike, vol, secondsToExpiry, 0, true);
        uint256 put = BlackScholes.price(spot, strike, vol, secondsToExpiry, 0, false);
        assertApproxEqAbs(call + strike, put + spot, 1);
    }

    /// @dev C - P = S - K e^(-rT), with K e^(-rT) from `FixedPointMath.exp` (within 1e-18).
    function testFuzz_putCallParity(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate
    ) public pure {
        (spot, strike, vol, secondsToExpiry) = _boundInputs(spot, strike, vol, secondsToExpiry);
        rate = bound(rate, 0, 0.5e18);
        uint256 call = BlackScholes.price(spot, strike, vol, secondsToExpiry, rate, true);
        uint256 put = BlackScholes.price(spot, strike, vol, secondsToExpiry, rate, false);
        uint256 discountedStrike = _discount(strike, rate, secondsToExpiry);
        uint256 tolerance = 2 + (spot > strike ? spot : strike) / 1e17;
        assertApproxEqAbs(call + discountedStrike, put + spot, tolerance);
    }

    function testFuzz_price_WithinNoArbitrageBounds(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate
    ) public pure {
        (spot, strike, vol, secondsToExpiry) = _boundInputs(spot, strike, vol, secondsToExpiry);
        rate = bound(rate, 0, BlackScholes.MAX_RATE);
        uint256 call = BlackScholes.price(spot, strike, vol, secondsToExpiry, rate, true);
        uint256 put = BlackScholes.price(spot, strike, vol, secondsToExpiry, rate, false);
        assertGe(call, spot > strike ? spot - strike : 0);
        assertLe(call, spot);
        assertLe(put, strike);
        if (rate == 0) assertGe(put, strike > spot ? strike - spot : 0);
    }

    function testFuzz_delta_InRangeAndCallMinusPutIsOne(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate
    ) public pure {
        (spot, strike, vol, secondsToExpiry) = _boundInputs(spot, strike, vol, secondsToExpiry);
        rate = bound(rate, 0, BlackScholes.MAX_RATE);
        int256 callDelta = BlackScholes.delta(spot, strike, vol, secondsToExpiry, rate, true);
        int256 putDelta = BlackScholes.delta(spot, strike, vol, secondsToExpiry, rate, false);
        assertGe(callDelta, 0);
        assertLe(callDelta, 1e18);
        assertGe(putDelta, -1e18);
        assertLe(putDelta, 0);
        assertEq(callDelta - putDelta, 1e18);
    }

    /// @dev Gamma and vega are unsigned, so non-negative by type; here they also stay below
    /// their maxima over d1, φ(0) / (S σ √T) and S φ(0) √T, and match for call and put.
    function testFuzz_gammaAndVega_BoundedAndSharedByCallAndPut(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate
    ) public pure {
        (spot, strike, vol, secondsToExpiry) = _boundInputs(spot, strike, vol, secondsToExpiry);
        vol = bound(vol, 0.01e18, 5e18);
        rate = bound(rate, 0, BlackScholes.MAX_RATE);
        (,, uint256 gamma, uint256 vega) =
            BlackScholes.greeks(spot, strike, vol, secondsToExpiry, rate, true);
        (,, uint256 putGamma, uint256 putVega) =
            BlackScholes.greeks(spot, strike, vol, secondsToExpiry, rate, false);
        assertEq(gamma, putGamma);
        assertEq(vega, putVega);
        // spot √seconds (WAD) and σ √T (WAD), from √seconds in X96 and √(seconds a year).
        uint256 spotRootSeconds = (spot * FixedPointMath.sqrtX96(secondsToExpiry)) >> 96;
        uint256 volRootT = vol * FixedPointMath.sqrtX96(secondsToExpiry) / SQRT_YEAR_X96;
        uint256 maxVega = spotRootSeconds * INV_SQRT_2PI / SQRT_YEAR;
        assertLe(vega, maxVega + maxVega / 1e15 + 2);
        uint256 maxGamma = INV_SQRT_2PI * 1e36 / (spot * volRootT / 1e18 + 1);
        assertLe(gamma, maxGamma + maxGamma / 1e15 + 2);
    }

    function testFuzz_price_MatchesPriceAndDeltaAndGreeks(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall
    ) public pure {
        (spot, strike, vol, secondsToExpiry) = _boundInputs(spot, strike, vol, secondsToExpiry);
        rate = bound(rate, 0, BlackScholes.MAX_RATE);
        (uint256 price, int256 delta) =
            BlackScholes.priceAndDelta(spot, strike, vol, secondsToExpiry, rate, isCall);
        (uint256 greeksPrice, int256 greeksDelta, uint256 gamma, uint256 vega) =
            BlackScholes.greeks(spot, strike, vol, secondsToExpiry, rate, isCall);
        assertEq(BlackScholes.price(spot, strike, vol, secondsToExpiry, rate, isCall), price);
        assertEq(BlackScholes.delta(spot, strike, vol, secondsToExpiry, rate, isCall), delta);
        assertEq(greeksPrice, price);
        assertEq(greeksDelta, delta);
        assertEq(BlackScholes.gamma(spot, strike, vol, secondsToExpiry, rate), gamma);
        assertEq(BlackScholes.vega(spot, strike, vol, secondsToExpiry, rate), vega);
    }

    /// @dev A call is worth more as spot rises (its delta is non-negative), up to the price
    /// error: within a wei plus 1e-17 of max(spot, strike) (rounding noise of ln(S/K) / σ√T
    /// near expiry is the largest part for large prices).
    function testFuzz_callPrice_IncreasesWithSpot(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 bump
    ) public pure {
        (spot, strike, vol, secondsToExpiry) = _boundInputs(spot, strike, vol, secondsToExpiry);
        bump = bound(bump, 1, spot / 10 + 1);
        if (spot + bump > BlackScholes.MAX_PRICE) return;
        uint256 lower = BlackScholes.price(spot, strike, vol, secondsToExpiry, 0, true);
        uint256 higher = BlackScholes.price(spot + bump, strike, vol, secondsToExpiry, 0, true);
        uint256 tolerance = 2 + (spot + bump > strike ? spot + bump : strike) / 1e17;
        assertGe(higher + tolerance, lower);
    }

    /// @dev `addValues` adds q · P / 1e18 rounded towards -∞, where its P may differ from
    /// `price` by 1 wei plus 1e-19 of max(spot, strike) (ln S - ln K instead of ln(S/K)).
    function testFuzz_addValues_MatchesPrice(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall,
        int256 quantity
    ) public view {
        (spot, strike, vol, secondsToExpiry) = _boundInputs(spot, strike, vol, secondsToExpiry);
        rate = bound(rate, 0, BlackScholes.MAX_RATE);
        quantity = bound(quantity, -1e24, 1e24);
        int256[] memory values = harness.addValues(
            _one(spot), _one(vol), strike, secondsToExpiry, rate, isCall, quantity, 1
        );
        uint256 unitPrice = BlackScholes.price(spot, strike, vol, secondsToExpiry, rate, isCall);
        uint256 size = SignedMath.abs(quantity);
        uint256 priceError = 1 + (spot > strike ? spot : strike) / 1e19;
        assertApproxEqAbs(values[0], _scaledDown(quantity, unitPrice), priceError * size / 1e18 + 1);
    }

    /// @dev Two spots by three vols: `values[i * 3 + j]` is the option at spot i, vol j.
    function test_addValues_SpotMajorGrid() public view {
        uint256[] memory spots = new uint256[](2);
        (spots[0], spots[1]) = (2700e18, 3300e18);
        uint256[] memory vols = new uint256[](3);
        (vols[0], vols[1], vols[2]) = (0.5e18, 0.6e18, 0.7e18);
        int256[] memory values =
            harness.addValues(spots, vols, 3000e18, 30 days, 0.05e18, false, -2e18, 6);
        for (uint256 i; i < 2; ++i) {
            for (uint256 j; j < 3; ++j) {
                uint256 unitPrice =
                    BlackScholes.price(spots[i], 3000e18, vols[j], 30 days, 0.05e18, false);
                assertApproxEqAbs(values[i * 3 + j], _scaledDown(-2e18, unitPrice), 2);
            }
        }
        // A short put loses as spot falls and as vol rises.
        assertLt(values[0], values[3]);
        assertGt(values[3], values[4]);
        assertGt(values[4], values[5]);
    }

    function test_addValues_AtExpiryIntrinsicInEveryVol() public view {
        uint256[] memory vols = new uint256[](3);
        (vols[0], vols[1], vols[2]) = (0.1e18, 0.6e18, 1.2e18);
        int256[] memory values =
            harness.addValues(_one(3500e18), vols, 3000e18, 0, 0, true, 1.5e18, 3);
        for (uint256 j; j < 3; ++j) {
            assertEq(values[j], 750e18);
        }
    }

    function test_RevertWhen_addValuesGridMismatch() public {
        vm.expectRevert(abi.encodeWithSelector(BlackScholes.BlackScholesGridMismatch.selector, 2));
        harness.addValues(_one(1e18), _one(0.5e18), 1e18, 1 days, 0, true, 1e18, 2);
    }

    function test_RevertWhen_addValuesQuantityTooLarge() public {
        int256 quantity = -(2 ** 127);
        vm.expectRevert(
            abi.encodeWithSelector(BlackScholes.BlackScholesQuantityTooLarge.selector, quantity)
        );
        harness.addValues(_one(1e18), _one(0.5e18), 1e18, 1 days, 0, true, quantity, 1);
    }

    function test_RevertWhen_scenarioGridSpotOutOfRange() public {
        uint256 low = BlackScholes.MIN_PRICE - 1;
        vm.expectRevert(
            abi.encodeWithSelector(BlackScholes.BlackScholesSpotOutOfRange.selector, low)
        );
        harness.addValues(_one(low), _one(0.5e18), 1e18, 1 days, 0, true, 1e18, 1);
    }

    function _checkCase(Case memory c) internal pure {
        (uint256 call, int256 callDelta, uint256 gamma, uint256 vega) =
            BlackScholes.greeks(c.spot, c.strike, c.vol, c.secondsToExpiry, c.rate, true);
        (uint256 put, int256 putDelta) =
            BlackScholes.priceAndDelta(c.spot, c.strike, c.vol, c.secondsToExpiry, c.rate, false);
        uint256 priceTolerance = 4 + (c.spot > c.strike ? c.spot : c.strike) / 1e17;
        assertApproxEqAbs(call, c.call, priceTolerance, "call");
        assertApproxEqAbs(put, c.put, priceTolerance, "put");
        assertApproxEqAbs(callDelta, c.callDelta, 2, "call delta");
        assertApproxEqAbs(putDelta, c.callDelta - 1e18, 2, "put delta");
        assertApproxEqAbs(gamma, c.gamma, 2 + c.gamma / 1e15, "gamma");
        assertApproxEqAbs(vega, c.vega, 2 + c.vega / 1e15, "vega");
    }

    function _assertAtExpiry(
        uint256 spot,
        uint256 strike,
        bool isCall,
        uint256 expectedPrice,
        int256 expectedDelta
    ) internal pure {
        (uint256 price, int256 delta) = BlackScholes.priceAndDelta(
            spot, strike, 0.5e18, 0, 0.05e18, isCall
        );
        assertEq(price, expectedPrice);
        assertEq(delta, expectedDelta);
    }

    function _assertWithinBounds(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate
    ) internal pure {
        // greeks, not priceAndDelta, so gamma and vega run at the ends of the range too.
        (uint256 call, int256 callDelta,,) =
            BlackScholes.greeks(spot, strike, vol, secondsToExpiry, rate, true);
        (uint256 put, int256 putDelta) =
            BlackScholes.priceAndDelta(spot, strike, vol, secondsToExpiry, rate, false);
        assertGe(call, spot > strike ? spot - strike : 0);
        assertLe(call, spot);
        assertLe(put, strike);
        assertEq(callDelta - putDelta, 1e18);
    }

    function _boundInputs(uint256 spot, uint256 strike, uint256 vol, uint256 secondsToExpiry)
        internal
        pure
        returns (uint256, uint256, uint256, uint256)
    {
        spot = bound(spot, BlackScholes.MIN_PRICE, BlackScholes.MAX_PRICE);
        // Strikes within a factor 1e6 of spot: wider ratios are covered by the exact cases.
        uint256 lowest = spot / 1e6 > BlackScholes.MIN_PRICE ? spot / 1e6 : BlackScholes.MIN_PRICE;
        uint256 highest = spot < BlackScholes.MAX_PRICE / 1e6 ? spot * 1e6 : BlackScholes.MAX_PRICE;
        strike = bound(strike, lowest, highest);
        vol = bound(vol, 0, BlackScholes.MAX_VOL);
        secondsToExpiry = bound(secondsToExpiry, 1, BlackScholes.MAX_SECONDS);
        return (spot, strike, vol, secondsToExpiry);
    }

    function _discount(uint256 strike, uint256 rate, uint256 secondsToExpiry)
        internal
        pure
        returns (uint256)
    {
        // Casting is safe: rT <= 1e18 * 3.2e9 / 3.2e7 = 1e20 and e^(-rT) is in [0, 1e18].
        // forge-lint: disable-next-line(unsafe-typecast)
        int256 rt = int256(rate * secondsToExpiry / YEAR);
        // forge-lint: disable-next-line(unsafe-typecast)
        return strike * uint256(FixedPointMath.exp(-rt)) / 1e18;
    }

    function _one(uint256 value) internal pure returns (uint256[] memory values) {
        values = new uint256[](1);
        values[0] = value;
    }

    /// @dev q · P / 1e18 rounded towards -∞.
    function _scaledDown(int256 quantity, uint256 unitPrice) internal pure returns (int256) {
        // Casting is safe: |q| <= 1e24 and P <= 1e36 keep both products far below 2^255.
        // forge-lint: disable-next-line(unsafe-typecast)
        if (quantity >= 0) return int256(uint256(quantity) * unitPrice / 1e18);
        // forge-lint: disable-next-line(unsafe-typecast)
        return -int256((uint256(-quantity) * unitPrice + 1e18 - 1) / 1e18);
    }
}
