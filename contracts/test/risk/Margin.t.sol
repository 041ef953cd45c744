// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, console} from "forge-std/Test.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {BlackScholes} from "../../src/libraries/BlackScholes.sol";
import {Margin} from "../../src/libraries/Margin.sol";
import {RiskHarness} from "../helpers/RiskHarness.sol";

/// @notice `Margin` against scenario values worked out by hand with `BlackScholes.price`, by
/// property (docs/architecture.md §6), at its edges and for gas. Tolerances: an option's value in the
/// grid may differ from `price` by 1 wei plus 1e-19 of max(spot, strike) per contract (see
/// `BlackScholes.addValues`), and each value, shock and floor rounds by a wei.
contract MarginTest is Test {
    uint256 internal constant NOW = 1_800_000_000;
    uint256 internal constant SPOT = 3000e18;
    uint256 internal constant VOL = 0.6e18;
    /// @dev Per contract: 1 wei plus 1e-19 of a strike or spot below 1e23 is below 1e4 wei.
    uint256 internal constant PER_CONTRACT = 1e4;
    /// @dev The issue's target for IM and MM of a 16-position account.
    uint256 internal constant GAS_TARGET = 1_000_000;

    RiskHarness internal harness;

    function setUp() public {
        harness = new RiskHarness();
    }

    function test_evaluate_CashOnly() public pure {
        Margin.Result memory result = Margin.evaluate(_account(1000e18, 600), _market(), _params());
        assertEq(result.equity, 1000e18);
        assertEq(result.mm, 0);
        assertEq(result.im, 0);
        assertEq(uint256(result.health), uint256(Margin.Health.Healthy));

        result = Margin.evaluate(_account(-1, 600), _market(), _params());
        assertEq(uint256(result.health), uint256(Margin.Health.Insolvent));
    }

    /// @dev u = sqrt(u_base² + (z σ)² τ / year), exact values from Python `decimal`; the
    /// library rounds up, by a few wei.
    function test_widenedShock_KnownValues() public pure {
        uint256 u = Margin.widenedShock(0.1e18, VOL, 600, 2.33e18);
        assertGe(u, 100_185_748_719_941_912);
        assertLe(u, 100_185_748_719_941_912 + 4);
        u = Margin.widenedShock(0.15e18, VOL, 1 hours, 2.33e18);
        assertGe(u, 150_741_850_457_834_219);
        assertLe(u, 150_741_850_457_834_219 + 4);
    }

    function test_widenedShock_ZeroLatencyIsTheBaseShock() public pure {
        assertEq(Margin.widenedShock(0.1e18, VOL, 0, 2.33e18), 0.1e18);
        Margin.Result memory result = Margin.evaluate(_account(0, 0), _market(), _params());
        assertEq(result.uMm, 0.1e18);
        assertEq(result.uIm, 0.15e18);
    }

    function testFuzz_widenedShock_GrowsWithVolAndLatency(
        uint256 uBase,
        uint256 vol,
        uint256 latency,
        uint256 more
    ) public pure {
        uBase = bound(uBase, 0, 1e18);
        vol = bound(vol, 0, BlackScholes.MAX_VOL);
        latency = bound(latency, 0, 30 days);
        more = bound(more, 1, 1 days);
        uint256 u = Margin.widenedShock(uBase, vol, latency, 2.33e18);
        assertGe(u, uBase);
        assertGe(Margin.widenedShock(uBase, vol, latency + more, 2.33e18), u);
        assertGe(Margin.widenedShock(uBase, vol + more * 1e12, latency, 2.33e18), u);
    }

    /// @dev 10 of the underlying with a 10% haircut is worth 9 S; its worst scenario is spot
    /// down by u. A stablecoin holding counts at its haircut price in every scenario.
    function test_evaluate_CollateralThatTracksSpotNeedsItsShockedLoss() public pure {
        Margin.Account memory account = _account(0, 0);
        account.collateral = new Margin.Collateral[](2);
        account.collateral[0] =
            Margin.Collateral({amount: 10e18, haircut: 0.1e18, tracksSpot: true, price: 0});
        account.collateral[1] = Margin.Collateral({
            amount: 50_000e18, haircut: 0.02e18, tracksSpot: false, price: 1e18
        });
        Margin.Result memory result = Margin.evaluate(account, _market(), _params());
        assertEq(result.equity, 27_000e18 + 49_000e18);
        assertApproxEqAbs(result.mm, 2700e18, 2);
        assertApproxEqAbs(result.im, 4050e18, 2);
    }

    function test_evaluate_EquityIsCashPlusBlackScholes() public pure {
        Margin.Account memory account = _account(500e18, 600);
        account.positions = new Margin.Position[](2);
        account.positions[0] = _position(2e18, 3200e18, 30 days, true);
        account.positions[1] = _position(-1e18, 2800e18, 7 days, false);
        Margin.Result memory result = Margin.evaluate(account, _market(), _params());
        uint256 call = BlackScholes.price(SPOT, 3200e18, VOL, 30 days, 0, true);
        uint256 put = BlackScholes.price(SPOT, 2800e18, VOL, 7 days, 0, false);
        assertApproxEqAbs(
            result.equity,
            SafeCast.toInt256(500e18 + 2 * call) - SafeCast.toInt256(put),
            3 * PER_CONTRACT
        );
    }

    /// @dev A long call is worth least at the lowest spot and vol of each grid.
    function test_evaluate_LongCallWorstAtLowSpotAndVol() public pure {
        Margin.Account memory account = _onePosition(_position(1e18, 3000e18, 30 days, true), 0, 0);
        Margin.Result memory result = Margin.evaluate(account, _market(), _params());
        uint256 value = BlackScholes.price(SPOT, 3000e18, VOL, 30 days, 0, true);
        uint256 mmWorst = BlackScholes.price(2700e18, 3000e18, 0.5e18, 30 days, 0, true);
        uint256 imWorst = BlackScholes.price(2550e18, 3000e18, 0.5e18, 30 days, 0, true);
        assertApproxEqAbs(result.mm, value - mmWorst, 2 * PER_CONTRACT);
        assertApproxEqAbs(result.im, value - imWorst, 2 * PER_CONTRACT);
    }

    /// @dev A naked short call loses most at the highest spot and vol, plus the per-short
    /// floor: 0.5% of spot per contract.
    function test_evaluate_NakedShortCallWorstAtHighSpotAndVolPlusFloor() public pure {
        Margin.Account memory account = _onePosition(_position(-1e18, 3000e18, 30 days, true), 0, 0);
        Margin.Result memory result = Margin.evaluate(account, _market(), _params());
        uint256 value = BlackScholes.price(SPOT, 3000e18, VOL, 30 days, 0, true);
        uint256 mmWorst = BlackScholes.price(3300e18, 3000e18, 0.7e18, 30 days, 0, true);
        uint256 imWorst = BlackScholes.price(3450e18, 3000e18, 0.7e18, 30 days, 0, true);
        assertApproxEqAbs(result.mm, mmWorst - value + 15e18, 2 * PER_CONTRACT);
        assertApproxEqAbs(result.im, imWorst - value + 15e18, 2 * PER_CONTRACT);
        assertGe(result.im, result.mm);
    }

    /// @dev At the money, where the short call's upside loss is what margin is for (far out of
    /// the money the ether's own downside is most of the covered account's risk).
    function test_evaluate_CoveredCallNeedsLessThanNakedCall() public pure {
        Margin.Account memory naked = _account(3000e18, 600);
        naked.positions = new Margin.Position[](1);
        naked.positions[0] = _position(-1e18, 3000e18, 30 days, true);
        Margin.Account memory covered = _account(0, 600);
        covered.positions = naked.positions;
        covered.collateral = new Margin.Collateral[](1);
        covered.collateral[0] =
            Margin.Collateral({amount: 1e18, haircut: 0, tracksSpot: true, price: 0});
        Margin.Result memory nakedResult = Margin.evaluate(naked, _market(), _params());
        Margin.Result memory coveredResult = Margin.evaluate(covered, _market(), _params());
        // Same equity: the underlying is worth the cash the naked account holds instead.
        assertEq(coveredResult.equity, nakedResult.equity);
        assertLt(coveredResult.mm, nakedResult.mm);
        assertLt(coveredResult.im, nakedResult.im);
    }

    /// @dev A short butterfly loses most at 3,100, a point of the maintenance grid that the
    /// initial grid (steps of 5%) steps over: IM is raised to MM.
    function test_evaluate_ImNeverBelowMm() public pure {
        Margin.Account memory account = _account(1000e18, 0);
        account.positions = new Margin.Position[](3);
        account.positions[0] = _position(-1e18, 3050e18, 1 days, true);
        account.positions[1] = _position(2e18, 3100e18, 1 days, true);
        account.positions[2] = _position(-1e18, 3150e18, 1 days, true);
        Margin.Result memory result = Margin.evaluate(account, _market(), _params());
        Margin.Params memory initialOnly = _params();
        initialOnly.uBaseMm = initialOnly.uBaseIm;
        uint256 initialGridOnly = Margin.evaluate(account, _market(), initialOnly).mm;
        assertLt(initialGridOnly, result.mm);
        assertEq(result.im, result.mm);
    }

    /// @dev The buffer is what latency adds to a requirement: nothing at τ = 0, more for a
    /// slower route.
    function test_evaluate_LatencyBufferGrowsWithLatency() public pure {
        Margin.Account memory account = _onePosition(_position(-1e18, 3000e18, 7 days, true), 0, 0);
        Margin.Result memory instant = Margin.evaluate(account, _market(), _params());
        account.latency = 10 minutes;
        Margin.Result memory minutes10 = Margin.evaluate(account, _market(), _params());
        account.latency = 1 hours;
        Margin.Result memory hour = Margin.evaluate(account, _market(), _params());
        assertEq(instant.uMm, 0.1e18);
        assertGt(minutes10.uMm, instant.uMm);
        assertGt(minutes10.mm, instant.mm);
        assertGt(hour.mm, minutes10.mm);
        assertGt(hour.im, minutes10.im);
        assertEq(hour.equity, instant.equity);
    }

    /// @dev At or after expiry an option is worth its intrinsic value in every scenario.
    function test_evaluate_ExpiredOptionAtIntrinsicValue() public pure {
        Margin.Account memory account = _onePosition(_position(1e18, 3200e18, 0, false), 0, 0);
        Margin.Result memory result = Margin.evaluate(account, _market(), _params());
        assertEq(result.equity, 200e18);
        // Spot up 10% (15% for IM) leaves the put worthless.
        assertEq(result.mm, 200e18);
        assertEq(result.im, 200e18);
    }

    /// @dev Cash moves equity, never a requirement; health follows equity across MM and IM.
    function test_evaluate_HealthFollowsEquity() public pure {
        Margin.Account memory account =
            _onePosition(_position(-1e18, 3000e18, 30 days, true), 0, 600);
        Margin.Result memory bare = Margin.evaluate(account, _market(), _params());
        int256 mm = SafeCast.toInt256(bare.mm);
        int256 im = SafeCast.toInt256(bare.im);
        assertLt(bare.equity, 0);
        assertLt(mm, im);

        _assertHealthAt(account, -bare.equity - 1, bare, Margin.Health.Insolvent);
        _assertHealthAt(account, -bare.equity, bare, Margin.Health.Liquidatable);
        _assertHealthAt(account, -bare.equity + mm - 1, bare, Margin.Health.Liquidatable);
        _assertHealthAt(account, -bare.equity + mm, bare, Margin.Health.MarginCall);
        _assertHealthAt(account, -bare.equity + im - 1, bare, Margin.Health.MarginCall);
        _assertHealthAt(account, -bare.equity + im, bare, Margin.Health.Healthy);
    }

    function test_health_Boundaries() public pure {
        assertEq(uint256(Margin.health(-1, 0, 0)), uint256(Margin.Health.Insolvent));
        assertEq(uint256(Margin.health(0, 0, 0)), uint256(Margin.Health.Healthy));
        assertEq(uint256(Margin.health(0, 1, 2)), uint256(Margin.Health.Liquidatable));
        assertEq(uint256(Margin.health(1, 1, 2)), uint256(Margin.Health.MarginCall));
        assertEq(uint256(Margin.health(2, 1, 2)), uint256(Margin.Health.Healthy));
    }

    function test_shortFloor_CountsShortContractsOnly() public pure {
        Margin.Account memory account = _account(0, 0);
        account.positions = new Margin.Position[](3);
        account.positions[0] = _position(-2e18, 3000e18, 30 days, true);
        account.positions[1] = _position(5e18, 3000e18, 30 days, false);
        account.positions[2] = _position(-0.5e18, 2500e18, 7 days, false);
        // 0.5% of 3000 per contract, 2.5 short contracts.
        assertEq(Margin.shortFloor(account, SPOT, 0.005e18), 37.5e18);
    }

    function test_RevertWhen_ShockIsWholeSpot() public {
        Margin.Params memory params = _params();
        params.uBaseIm = 1e18;
        vm.expectRevert(abi.encodeWithSelector(Margin.MarginShockTooLarge.selector, 1e18));
        harness.evaluateGas(_account(0, 0), _market(), params);
    }

    /// @dev A year of latency at σ = 0.6 widens the 10% shock past 100%.
    function test_RevertWhen_LatencyWidensShockPastWholeSpot() public {
        uint256 u = Margin.widenedShock(0.1e18, VOL, 365 days, 2.33e18);
        assertGe(u, 1e18);
        vm.expectRevert(abi.encodeWithSelector(Margin.MarginShockTooLarge.selector, u));
        harness.evaluateGas(_account(0, 365 days), _market(), _params());
    }

    function test_RevertWhen_StrikeOutOfRange() public {
        Margin.Account memory account = _onePosition(_position(1e18, 0, 30 days, true), 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(BlackScholes.BlackScholesStrikeOutOfRange.selector, 0)
        );
        harness.evaluateGas(account, _market(), _params());
    }

    /// @dev An account without options prices nothing, so only `evaluate` itself stands between
    /// a spot or vol out of range and a health verdict built on it.
    function test_RevertWhen_SpotOutOfRangeWithoutOptions() public {
        Margin.Market memory market = _market();
        market.spot = 0;
        vm.expectRevert(abi.encodeWithSelector(BlackScholes.BlackScholesSpotOutOfRange.selector, 0));
        harness.evaluateGas(_account(1000e18, 600), market, _params());
        market.spot = BlackScholes.MAX_PRICE + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                BlackScholes.BlackScholesSpotOutOfRange.selector, BlackScholes.MAX_PRICE + 1
            )
        );
        harness.evaluateGas(_account(1000e18, 600), market, _params());
    }

    /// @dev The highest scenario vol, σ + v, is what must stay within `MAX_VOL`, with options or
    /// without.
    function test_RevertWhen_VolTooHighWithoutOptions() public {
        Margin.Market memory market = _market();
        Margin.Params memory params = _params();
        market.vol = BlackScholes.MAX_VOL - params.volShock + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                BlackScholes.BlackScholesVolTooHigh.selector, BlackScholes.MAX_VOL + 1
            )
        );
        harness.evaluateGas(_account(1000e18, 600), market, params);
    }

    /// @dev Any market outside the ranges gets no verdict, whatever the book.
    function testFuzz_RevertWhen_MarketOutOfRange(uint256 seed, uint256 spot, uint256 vol) public {
        Margin.Params memory params = _params();
        Margin.Market memory market = _market();
        if (seed % 2 == 0) {
            market.spot = spot % 2 == 0
                ? bound(spot, 0, BlackScholes.MIN_PRICE - 1)
                : bound(spot, BlackScholes.MAX_PRICE + 1, type(uint128).max);
            vm.expectRevert(
                abi.encodeWithSelector(
                    BlackScholes.BlackScholesSpotOutOfRange.selector, market.spot
                )
            );
        } else {
            market.vol = bound(vol, BlackScholes.MAX_VOL - params.volShock + 1, type(uint128).max);
            vm.expectRevert(
                abi.encodeWithSelector(
                    BlackScholes.BlackScholesVolTooHigh.selector, market.vol + params.volShock
                )
            );
        }
        harness.evaluateGas(_randomBook(seed, 600), market, params);
    }

    /// @dev Any book of up to four options and some collateral: both requirements are at least
    /// the floor (the unshocked scenario is in each grid) and IM is at least MM.
    function testFuzz_evaluate_ImAtLeastMmAtLeastFloor(uint256 seed, uint256 latency) public pure {
        Margin.Account memory account = _randomBook(seed, bound(latency, 0, 1 days));
        Margin.Result memory result = Margin.evaluate(account, _market(), _params());
        uint256 floor = Margin.shortFloor(account, SPOT, _params().shortFloor);
        assertGe(result.mm, floor);
        assertGe(result.im, result.mm);
        assertGe(result.uIm, result.uMm);
    }

    /// @dev One option's value is monotone in spot and vol, so its worst scenario is a corner
    /// of the grid and a larger shock can only find a worse one.
    function testFuzz_requirement_MonotoneInShock(
        int256 quantity,
        uint256 strike,
        uint256 daysLeft,
        bool isCall,
        uint256 uSmall,
        uint256 uLarge
    ) public pure {
        Margin.Account memory account =
            _onePosition(_boundedOption(quantity, strike, daysLeft, isCall), 0, 0);
        uSmall = bound(uSmall, 0, 0.9e18);
        uLarge = bound(uLarge, uSmall, 0.9e18);
        Margin.Params memory params = _params();
        (params.uBaseMm, params.uBaseIm) = (uSmall, uSmall);
        uint256 small = Margin.evaluate(account, _market(), params).mm;
        (params.uBaseMm, params.uBaseIm) = (uLarge, uLarge);
        uint256 large = Margin.evaluate(account, _market(), params).mm;
        assertGe(large + _tolerance(account), small);
    }

    /// @dev The buffer grows with latency for any single option.
    function testFuzz_requirement_GrowsWithLatency(
        int256 quantity,
        uint256 strike,
        uint256 daysLeft,
        bool isCall,
        uint256 latency,
        uint256 more
    ) public pure {
        Margin.Account memory account = _onePosition(
            _boundedOption(quantity, strike, daysLeft, isCall), 0, bound(latency, 0, 1 days)
        );
        Margin.Result memory sooner = Margin.evaluate(account, _market(), _params());
        account.latency += bound(more, 1, 1 days);
        Margin.Result memory later = Margin.evaluate(account, _market(), _params());
        assertGe(later.mm + _tolerance(account), sooner.mm);
        assertGe(later.im + _tolerance(account), sooner.im);
    }

    /// @dev One pass for an account and an order equals two `evaluate` calls to the wei, whether
    /// the account holds the order's option (its prices then shared) or not, at any latency.
    function testFuzz_evaluateWithOrder_EqualsTwoEvaluations(
        uint256 seed,
        uint256 latency,
        int256 orderQuantity,
        bool heldOption,
        uint256 rate
    ) public pure {
        Margin.Account memory account = _randomBook(seed, bound(latency, 0, 1 days));
        Margin.Position memory order =
            _boundedOption(orderQuantity, seed >> 8, seed >> 32, seed % 3 == 0);
        if (order.quantity == 0) order.quantity = 1;
        if (heldOption && account.positions.length != 0) {
            Margin.Position memory held = account.positions[seed % account.positions.length];
            (order.strike, order.expiry, order.isCall) = (held.strike, held.expiry, held.isCall);
        }
        Margin.Params memory params = _params();
        params.rate = bound(rate, 0, 0.1e18);
        (Margin.Result memory both, Margin.Result memory alone) =
            Margin.evaluateWithOrder(account, order, _market(), params);
        _assertSameResult(both, Margin.evaluate(account, _market(), params));
        _assertSameResult(
            alone, Margin.evaluate(_onePosition(order, 0, account.latency), _market(), params)
        );
    }

    /// @dev The issue's benchmark account: 16 options, 1 day to 90 days, calls and puts, long
    /// and short, with stablecoin and underlying collateral, at r = 0 and r = 5%. Gas is that of
    /// the library call alone (`RiskHarness.evaluateGas`), printed with `-vv`.
    function test_gas_evaluate_SixteenPositions() public view {
        Margin.Params memory params = _params();
        (, uint256 gasUsed) = harness.evaluateGas(_sixteen(), _market(), params);
        console.log("evaluate, 16 positions, r = 0 ", gasUsed);
        assertLe(gasUsed, GAS_TARGET);
        params.rate = 0.05e18;
        (, gasUsed) = harness.evaluateGas(_sixteen(), _market(), params);
        console.log("evaluate, 16 positions, r = 5%", gasUsed);
        assertLe(gasUsed, GAS_TARGET);
    }

    function _assertSameResult(Margin.Result memory got, Margin.Result memory want) internal pure {
        assertEq(got.equity, want.equity, "equity");
        assertEq(got.mm, want.mm, "mm");
        assertEq(got.im, want.im, "im");
        assertEq(got.uMm, want.uMm, "uMm");
        assertEq(got.uIm, want.uIm, "uIm");
        assertEq(uint8(got.health), uint8(want.health), "health");
    }

    function _assertHealthAt(
        Margin.Account memory account,
        int256 cash,
        Margin.Result memory bare,
        Margin.Health expected
    ) internal pure {
        account.cash = cash;
        Margin.Result memory result = Margin.evaluate(account, _market(), _params());
        assertEq(result.equity, bare.equity + cash);
        assertEq(result.mm, bare.mm);
        assertEq(result.im, bare.im);
        assertEq(uint256(result.health), uint256(expected));
    }

    function _randomBook(uint256 seed, uint256 latency)
        internal
        pure
        returns (Margin.Account memory account)
    {
        account = _account(SafeCast.toInt256(seed % 20_000e18), latency);
        uint256 count = seed % 5;
        account.positions = new Margin.Position[](count);
        for (uint256 i; i < count; ++i) {
            uint256 draw = uint256(keccak256(abi.encode(seed, i)));
            account.positions[i] = _position(
                SafeCast.toInt256(draw % 20e18) - 10e18,
                1500e18 + (draw >> 64) % 4500e18,
                ((draw >> 128) % 181) * 1 days,
                (draw >> 200) % 2 == 0
            );
        }
        account.collateral = new Margin.Collateral[](1);
        account.collateral[0] = Margin.Collateral({
            amount: (seed >> 128) % 10e18, haircut: 0.1e18, tracksSpot: true, price: 0
        });
    }

    function _sixteen() internal pure returns (Margin.Account memory account) {
        account = _account(25_000e18, 600);
        uint256[16] memory strikes = [
            uint256(2500e18),
            2800e18,
            3000e18,
            3200e18,
            3500e18,
            2000e18,
            4000e18,
            3100e18,
            2900e18,
            2700e18,
            3300e18,
            3600e18,
            2400e18,
            4500e18,
            3000e18,
            2600e18
        ];
        uint8[16] memory daysLeft = [1, 2, 3, 5, 7, 10, 14, 21, 28, 30, 35, 45, 60, 75, 90, 90];
        int256[16] memory quantities = [
            int256(2e18),
            -1e18,
            -3e18,
            1.5e18,
            -0.5e18,
            4e18,
            -2e18,
            1e18,
            -1e18,
            2.5e18,
            -1.5e18,
            1e18,
            -2e18,
            5e18,
            -0.25e18,
            3e18
        ];
        account.positions = new Margin.Position[](16);
        for (uint256 i; i < 16; ++i) {
            account.positions[i] =
                _position(quantities[i], strikes[i], uint256(daysLeft[i]) * 1 days, i % 3 != 1);
        }
        account.collateral = new Margin.Collateral[](2);
        account.collateral[0] = Margin.Collateral({
            amount: 50_000e18, haircut: 0.02e18, tracksSpot: false, price: 1e18
        });
        account.collateral[1] =
            Margin.Collateral({amount: 5e18, haircut: 0.1e18, tracksSpot: true, price: 0});
    }

    /// @dev Up to 100 contracts either way, strikes 1,000 to 9,000, up to a year to expiry.
    function _boundedOption(int256 quantity, uint256 strike, uint256 daysLeft, bool isCall)
        internal
        pure
        returns (Margin.Position memory)
    {
        return _position(
            bound(quantity, -100e18, 100e18),
            bound(strike, 1000e18, 9000e18),
            bound(daysLeft, 0, 365) * 1 days,
            isCall
        );
    }

    /// @dev Two requirements of a one-position account compared: each value in the grid may be
    /// `PER_CONTRACT` off per contract, and the shock and floor round by a wei.
    function _tolerance(Margin.Account memory account) internal pure returns (uint256) {
        return 2 * PER_CONTRACT * SignedMath.abs(account.positions[0].quantity) / 1e18 + 2;
    }

    function _onePosition(Margin.Position memory position, int256 cash, uint256 latency)
        internal
        pure
        returns (Margin.Account memory account)
    {
        account = _account(cash, latency);
        account.positions = new Margin.Position[](1);
        account.positions[0] = position;
    }

    function _account(int256 cash, uint256 latency)
        internal
        pure
        returns (Margin.Account memory account)
    {
        account.cash = cash;
        account.latency = latency;
    }

    function _position(int256 quantity, uint256 strike, uint256 secondsLeft, bool isCall)
        internal
        pure
        returns (Margin.Position memory)
    {
        return Margin.Position({
            quantity: quantity,
            strike: strike,
            expiry: SafeCast.toUint64(NOW + secondsLeft),
            isCall: isCall
        });
    }

    function _market() internal pure returns (Margin.Market memory) {
        return Margin.Market({spot: SPOT, vol: VOL, timestamp: NOW});
    }

    function _params() internal pure returns (Margin.Params memory) {
        return Margin.Params({
            uBaseMm: 0.1e18,
            uBaseIm: 0.15e18,
            volShock: 0.1e18,
            z: 2.33e18,
            shortFloor: 0.005e18,
            rate: 0
        });
    }
}
