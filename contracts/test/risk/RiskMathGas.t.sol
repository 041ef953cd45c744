// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, console} from "forge-std/Test.sol";
import {BlackScholes} from "../../src/libraries/BlackScholes.sol";
import {FixedPointMath} from "../../src/libraries/FixedPointMath.sol";

/// @notice Gas of `BlackScholes.priceAndDelta` and the `FixedPointMath` primitives, measured
/// with `gasleft()` around one internal call and printed with `-vv`. The issue's target is
/// 3,000 gas for price and delta.
/// @dev The cost depends on which pieces of the normal CDF d1 and d2 fall in: |d| <= 2 needs no
/// exponential, 2 < |d| <= √32 needs e^(-d1²/2) and the middle Mills ratio, larger |d| the
/// asymptotic one; a non-zero rate adds e^(-rT). With the default rate 0 the target holds in
/// every case; a non-zero rate costs about 350 more, which puts some cases over it. The
/// ceilings on those pin what was measured, so a regression shows.
contract RiskMathGasTest is Test {
    uint256 internal constant TARGET = 3000;
    uint256 internal constant YEAR = 31_536_000;

    function test_gas_priceAndDelta_ZeroRateMeetsTarget() public view {
        // ATM week, |d| < 0.1: two central tails.
        assertLe(_gas("ATM put, 7 days, r = 0", 100e18, 100e18, 0.5e18, 7 days, 0, false), TARGET);
        // Hull's inputs without the rate: d1 = 0.42, d2 = 0.28.
        assertLe(
            _gas("Hull call, 6 months, r = 0", 42e18, 40e18, 0.2e18, YEAR / 2, 0, true), TARGET
        );
        // 15% out of the money, 30 days, 80% vol: d1 = -0.58, d2 = -0.81.
        assertLe(
            _gas("OTM call, 30 days, r = 0", 3000e18, 3500e18, 0.8e18, 30 days, 0, true), TARGET
        );
        // 40% out of the money, 6 months: d1 = -1.13, d2 = -1.34.
        assertLe(
            _gas("OTM call, 6 months, r = 0", 100e18, 140e18, 0.3e18, YEAR / 2, 0, true), TARGET
        );
        // One tail beyond the centre: d1 = -1.81, d2 = -2.11.
        assertLe(_gas("OTM call, 1 year, r = 0", 100e18, 180e18, 0.3e18, YEAR, 0, true), TARGET);
        // Both tails asymptotic: d1 = -7.73, d2 = -7.78.
        assertLe(_gas("far OTM call, 1 day, r = 0", 1e18, 1.5e18, 1e18, 1 days, 0, true), TARGET);
        // |d1| >= 12: both tails are dropped.
        assertLe(
            _gas("deep ITM call, 1 day, r = 0", 100e18, 20e18, 0.1e18, 1 days, 0, true), TARGET
        );
        // Both tails in the middle piece: d1 = -2.16, d2 = -2.46.
        assertLe(_gas("far OTM call, 1 year, r = 0", 100e18, 200e18, 0.3e18, YEAR, 0, true), TARGET);
        // At expiry: intrinsic value only.
        assertLe(_gas("at expiry", 100e18, 90e18, 0.5e18, 0, 0, true), TARGET);
    }

    function test_gas_priceAndDelta_WithRate() public view {
        // The rate adds e^(-rT).
        assertLe(_gas("Hull call, r = 10%", 42e18, 40e18, 0.2e18, YEAR / 2, 0.1e18, true), TARGET);
        assertLe(_gas("ITM call, 1 year, r = 5%", 100e18, 60e18, 0.3e18, YEAR, 0.05e18, true), 3200);
        assertLe(
            _gas("far OTM put, 1 year, r = 5%", 100e18, 200e18, 0.3e18, YEAR, 0.05e18, false), 3200
        );
    }

    function test_gas_primitives() public view {
        uint256 used;
        used = gasleft();
        FixedPointMath.exp(-1.234e18);
        used -= gasleft();
        console.log("exp            ", used);
        assertLe(used, 700);

        used = gasleft();
        FixedPointMath.ln(1.234e18);
        used -= gasleft();
        console.log("ln             ", used);
        assertLe(used, 700);

        used = gasleft();
        FixedPointMath.sqrt(2e18);
        used -= gasleft();
        console.log("sqrt           ", used);
        assertLe(used, 600);

        used = gasleft();
        FixedPointMath.cdf(1.234e18);
        used -= gasleft();
        console.log("cdf |x| <= 2   ", used);
        assertLe(used, 900);

        used = gasleft();
        FixedPointMath.cdf(-3.5e18);
        used -= gasleft();
        console.log("cdf 2 < |x| <= 5.66", used);
        assertLe(used, 1200);

        used = gasleft();
        FixedPointMath.cdf(7e18);
        used -= gasleft();
        console.log("cdf |x| > 5.66 ", used);
        assertLe(used, 1200);

        used = gasleft();
        FixedPointMath.pdf(1.234e18);
        used -= gasleft();
        console.log("pdf            ", used);
        assertLe(used, 700);

        used = gasleft();
        BlackScholes.greeks(42e18, 40e18, 0.2e18, YEAR / 2, 0.1e18, true);
        used -= gasleft();
        console.log("greeks (Hull)  ", used);
        assertLe(used, 6000);
    }

    function _gas(
        string memory label,
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall
    ) internal view returns (uint256 used) {
        used = gasleft();
        BlackScholes.priceAndDelta(spot, strike, vol, secondsToExpiry, rate, isCall);
        used -= gasleft();
        console.log(label, used);
    }
}
