// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {FixedPointMath} from "../../src/libraries/FixedPointMath.sol";
import {RiskMathHarness} from "../helpers/RiskMathHarness.sol";

/// @notice `FixedPointMath` against values computed in 60-digit decimal arithmetic (Python
/// `decimal`: exp, ln, sqrt directly, Φ from the Taylor series of erf), at its edges, and by
/// property.
contract FixedPointMathTest is Test {
    int256 internal constant WAD = 1e18;

    RiskMathHarness internal harness;

    function setUp() public {
        harness = new RiskMathHarness();
    }

    function test_exp_KnownValues() public pure {
        _assertExp(0, 1e18);
        _assertExp(1e18, 2_718_281_828_459_045_235);
        _assertExp(-1e18, 367_879_441_171_442_322);
        _assertExp(0.5e18, 1_648_721_270_700_128_147);
        _assertExp(10e18, 22_026_465_794_806_716_516_958);
        _assertExp(-10e18, 45_399_929_762_485);
        _assertExp(2_302_585_092_994_045_684, 10e18);
        _assertExp(1, 1_000_000_000_000_000_001);
        _assertExp(-1, 999_999_999_999_999_999);
        _assertExp(41.4e18, 954_534_326_273_208_325_471_632_798_789_991_391);
        _assertExp(-41.4e18, 1);
        _assertExp(
            100e18,
            26_881_171_418_161_354_484_126_255_515_800_135_873_611_118_773_741_922_415_191_600
        );
        _assertExp(
            135e18,
            42_633_899_483_147_210_448_936_866_880_765_989_356_468_745_853_255_281_087_440_000_000_000_000_000_000
        );
    }

    function test_exp_UnderflowsToZero() public pure {
        assertEq(FixedPointMath.exp(FixedPointMath.EXP_MIN_WAD), 0);
        assertEq(FixedPointMath.exp(-50e18), 0);
        assertEq(FixedPointMath.exp(type(int256).min), 0);
    }

    function test_exp_LargestInputFitsInt256() public pure {
        int256 largest = FixedPointMath.exp(FixedPointMath.EXP_MAX_WAD);
        // e^EXP_MAX_WAD is (2^255 - 1) e^(-7.03e-20) in wei: just below the int256 maximum.
        assertApproxEqRel(largest, type(int256).max, 1e-16 * 1e18);
        assertLt(largest, type(int256).max);
    }

    function test_RevertWhen_ExpOverflows() public {
        int256 x = FixedPointMath.EXP_MAX_WAD + 1;
        vm.expectRevert(
            abi.encodeWithSelector(FixedPointMath.FixedPointMathExpOverflow.selector, x)
        );
        harness.exp(x);
    }

    function test_ln_KnownValues() public pure {
        assertEq(FixedPointMath.ln(1e18), 0);
        assertEq(FixedPointMath.ln(2e18), 693_147_180_559_945_309);
        assertEq(FixedPointMath.ln(0.5e18), -693_147_180_559_945_309);
        assertEq(FixedPointMath.ln(3e18), 1_098_612_288_668_109_691);
        assertEq(FixedPointMath.ln(2_718_281_828_459_045_235), 1e18);
        assertEq(FixedPointMath.ln(1), -41_446_531_673_892_822_312);
        assertEq(FixedPointMath.ln(1e36), 41_446_531_673_892_822_312);
        assertEq(FixedPointMath.ln(1e9), -20_723_265_836_946_411_156);
        assertEq(FixedPointMath.ln(1e48), 69_077_552_789_821_370_521);
        assertEq(FixedPointMath.ln(type(int256).max), FixedPointMath.EXP_MAX_WAD);
    }

    function test_RevertWhen_LnOfZeroOrNegative() public {
        vm.expectRevert(
            abi.encodeWithSelector(FixedPointMath.FixedPointMathLnUndefined.selector, 0)
        );
        harness.ln(0);
        vm.expectRevert(
            abi.encodeWithSelector(FixedPointMath.FixedPointMathLnUndefined.selector, -1)
        );
        harness.ln(-1);
        vm.expectRevert(
            abi.encodeWithSelector(
                FixedPointMath.FixedPointMathLnUndefined.selector, type(int256).min
            )
        );
        harness.ln(type(int256).min);
    }

    function test_sqrt_KnownValues() public pure {
        assertEq(FixedPointMath.sqrt(0), 0);
        assertEq(FixedPointMath.sqrt(1), 1e9);
        assertEq(FixedPointMath.sqrt(1e18), 1e18);
        assertEq(FixedPointMath.sqrt(4e18), 2e18);
        assertEq(FixedPointMath.sqrt(2e18), 1_414_213_562_373_095_048);
        assertEq(FixedPointMath.sqrt(1e36), 1e27);
        assertEq(
            FixedPointMath.sqrt(type(uint256).max), FixedPointMath.isqrt(type(uint256).max) * 1e9
        );
    }

    /// @dev Within a relative 1e-22 above the exact values.
    function test_sqrtX96_KnownValues() public pure {
        assertEq(FixedPointMath.sqrtX96(0), 0);
        _assertSqrtX96(1, 2 ** 96);
        _assertSqrtX96(4, 2 ** 97);
        _assertSqrtX96(31_536_000, 444_920_982_116_099_312_838_033_793_615_079);
    }

    function test_cdf_KnownValues() public pure {
        _assertCdf(0, 500_000_000_000_000_000);
        _assertCdf(0.3e18, 617_911_422_188_952_637);
        _assertCdf(1e18, 841_344_746_068_542_949);
        _assertCdf(1.96e18, 975_002_104_851_779_566);
        _assertCdf(2e18, 977_249_868_051_820_793);
        _assertCdf(2.5e18, 993_790_334_674_223_865);
        _assertCdf(3e18, 998_650_101_968_369_905);
        _assertCdf(5e18, 999_999_713_348_428_121);
        _assertCdf(5.66e18, 999_999_992_431_350_248);
        _assertCdf(6e18, 999_999_999_013_412_355);
        _assertCdf(8.5e18, 999_999_999_999_999_991);
        _assertCdf(-1e18, 158_655_253_931_457_051);
        _assertCdf(-1.96e18, 24_997_895_148_220_434);
        _assertCdf(-3e18, 1_349_898_031_630_095);
        _assertCdf(-5e18, 286_651_571_879);
        _assertCdf(-8.5e18, 9);
    }

    function test_cdf_ClampsBeyondNine() public pure {
        assertEq(FixedPointMath.cdf(9e18), 1e18);
        assertEq(FixedPointMath.cdf(-9e18), 0);
        assertEq(FixedPointMath.cdf(type(int256).max), 1e18);
        assertEq(FixedPointMath.cdf(type(int256).min), 0);
        // Just inside the clamp the tail (1.1e-19) already rounds to zero.
        assertEq(FixedPointMath.cdf(-9e18 + 1), 0);
    }

    function test_pdf_KnownValues() public pure {
        assertApproxEqAbs(FixedPointMath.pdf(0), 398_942_280_401_432_678, 1);
        assertApproxEqAbs(FixedPointMath.pdf(1e18), 241_970_724_519_143_350, 1);
        assertApproxEqAbs(FixedPointMath.pdf(-1e18), 241_970_724_519_143_350, 1);
        assertApproxEqAbs(FixedPointMath.pdf(2.5e18), 17_528_300_493_568_537, 1);
        assertApproxEqAbs(FixedPointMath.pdf(5e18), 1_486_719_514_734, 1);
        assertApproxEqAbs(FixedPointMath.pdf(9e18), 1, 1);
    }

    function test_pdf_ZeroBeyondTen() public pure {
        assertEq(FixedPointMath.pdf(10e18), 0);
        assertEq(FixedPointMath.pdf(-10e18), 0);
        assertEq(FixedPointMath.pdf(type(int256).min), 0);
    }

    function testFuzz_cdf_Monotone(int256 a, int256 b) public pure {
        a = bound(a, -10e18, 10e18);
        b = bound(b, a, 10e18);
        assertLe(FixedPointMath.cdf(a), FixedPointMath.cdf(b));
    }

    function testFuzz_cdf_MonotoneAtNeighbours(int256 x) public pure {
        x = bound(x, -9.5e18, 9.5e18);
        assertLe(FixedPointMath.cdf(x), FixedPointMath.cdf(x + 1e9));
    }

    function testFuzz_cdf_SymmetricExactly(int256 x) public pure {
        x = bound(x, -100e18, 100e18);
        assertEq(FixedPointMath.cdf(x) + FixedPointMath.cdf(-x), 1e18);
    }

    function testFuzz_pdf_Symmetric(int256 x) public pure {
        x = bound(x, -20e18, 20e18);
        assertEq(FixedPointMath.pdf(x), FixedPointMath.pdf(-x));
    }

    /// @dev ln is within half a wei, which e^x turns into a relative 5e-19; exp adds half a wei
    /// and a relative 3e-19.
    function testFuzz_exp_InvertsLn(int256 x) public pure {
        x = bound(x, 1, 1e36);
        int256 back = FixedPointMath.exp(FixedPointMath.ln(x));
        // Casting is safe: x >= 1 after the bound.
        // forge-lint: disable-next-line(unsafe-typecast)
        assertApproxEqAbs(back, x, 1 + uint256(x) / 1e18);
    }

    /// @dev e^x is within half a wei plus a relative 3e-19, which ln turns into 0.5e18 / e^x
    /// wei plus 0.3 wei; ln adds half a wei.
    function testFuzz_ln_InvertsExp(int256 x) public pure {
        x = bound(x, -30e18, FixedPointMath.EXP_MAX_WAD);
        int256 e = FixedPointMath.exp(x);
        int256 back = FixedPointMath.ln(e);
        // Casting is safe: e^x > 0 for x >= -30.
        // forge-lint: disable-next-line(unsafe-typecast)
        assertApproxEqAbs(back, x, 2 + uint256(1e18 / e));
    }

    function testFuzz_exp_Monotone(int256 a, int256 b) public pure {
        a = bound(a, -45e18, FixedPointMath.EXP_MAX_WAD);
        b = bound(b, a, FixedPointMath.EXP_MAX_WAD);
        assertLe(FixedPointMath.exp(a), FixedPointMath.exp(b));
    }

    function testFuzz_sqrt_IsFloor(uint256 x) public pure {
        x = bound(x, 0, type(uint256).max / 1e18 - 1);
        uint256 root = FixedPointMath.sqrt(x);
        uint256 scaled = x * 1e18;
        assertLe(root * root, scaled);
        assertLt(scaled / (root + 1), root + 1);
    }

    function testFuzz_isqrt_IsFloor(uint256 x) public pure {
        uint256 root = FixedPointMath.isqrt(x);
        assertLe(root, type(uint128).max);
        assertLe(root * root, x);
        if (root < type(uint128).max) assertGt((root + 1) * (root + 1), x);
    }

    /// @dev At least the floor and above it by a relative 1e-22 at most.
    function testFuzz_sqrtX96_CloseAboveTheFloor(uint256 x) public pure {
        x = bound(x, 1, type(uint32).max);
        uint256 root = FixedPointMath.sqrtX96(x);
        uint256 floor = FixedPointMath.isqrt(x << 192);
        assertGe(root, floor);
        assertLe(root - floor, floor / 1e22 + 1);
    }

    /// @dev Both pieces meet Q(2) = 0.02275013194817920720 within their 3e-17 relative error
    /// at the hand-over from the central to the middle approximation.
    function test_normTailX96_ContinuousAtHandOver() public pure {
        uint256 y = FixedPointMath.NORM_CENTRAL_X96;
        uint256 exact = 1_802_451_151_211_299_369_591_660_758;
        assertApproxEqRel(FixedPointMath.normTailX96(y), exact, 30);
        assertApproxEqRel(FixedPointMath.normTailX96(y + 1), exact, 30);
    }

    function _assertExp(int256 x, int256 expected) internal pure {
        // |error| <= 0.5 wei + 3e-19 e^x. Casting is safe: expected is positive.
        // forge-lint: disable-next-line(unsafe-typecast)
        assertApproxEqAbs(FixedPointMath.exp(x), expected, 1 + uint256(expected) / 3e18, "exp");
    }

    function _assertSqrtX96(uint256 x, uint256 expected) internal pure {
        uint256 root = FixedPointMath.sqrtX96(x);
        assertGe(root, expected, "sqrtX96");
        assertLe(root - expected, expected / 1e22 + 1, "sqrtX96");
    }

    function _assertCdf(int256 x, uint256 expected) internal pure {
        assertApproxEqAbs(FixedPointMath.cdf(x), expected, 1, "cdf");
    }
}
