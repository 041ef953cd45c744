// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOptionsMarket, IOptionsMarketBase} from "../../src/interfaces/IOptionsMarket.sol";
import {MarketTest} from "./MarketTest.sol";

/// @notice The gas of the market's hot paths, against the issue's targets: a resting order of an
/// account holding one position, each extra maker of a sweep, a cancel, a position's settlement.
contract OptionsMarketGasTest is MarketTest {
    address[] internal makers;

    function setUp() public override {
        super.setUp();
        for (uint256 i; i < 20; ++i) {
            address maker = makeAddr(string.concat("maker-", vm.toString(i)));
            fund(maker, CASH);
            makers.push(maker);
        }
    }

    /// @dev Each maker first trades once, so it already holds the series when swept.
    function seedMakers(uint256 count) internal {
        for (uint256 i; i < count; ++i) {
            ask(makers[i], 200e18, 0.1e18);
            bid(carol, 200e18, 0.1e18);
        }
    }

    function sweepGas(uint256 count, bool holding) internal returns (uint256 used) {
        if (holding) seedMakers(count);
        for (uint256 i; i < count; ++i) {
            ask(makers[i], 200e18 + i * TICK, 0.1e18);
        }
        vm.prank(bob);
        uint256 before = gasleft();
        market.place(
            callId, true, 300e18, count * 0.1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS
        );
        used = before - gasleft();
    }

    function test_gas_PlaceRestingOrderHoldingOnePosition() public {
        bid(alice, 150e18, 0.1e18);
        ask(bob, 150e18, 0.1e18); // alice now holds the series
        vm.prank(alice);
        uint256 before = gasleft();
        market.place(callId, true, 140e18, 1e18, IOptionsMarketBase.OrderKind.PostOnly, 0);
        emit log_named_uint("place resting, one position held", before - gasleft());
    }

    function test_gas_SweepOneMaker() public {
        emit log_named_uint("sweep 1 maker (holding the series)", sweepGas(1, true));
    }

    function test_gas_SweepFiveMakers() public {
        emit log_named_uint("sweep 5 makers (holding the series)", sweepGas(5, true));
    }

    function test_gas_SweepTwentyMakers() public {
        emit log_named_uint("sweep 20 makers (holding the series)", sweepGas(20, true));
    }

    function test_gas_SweepTwentyMakersFirstFill() public {
        emit log_named_uint("sweep 20 makers (first fill in the series)", sweepGas(20, false));
    }

    /// @dev A fill never re-runs a maker's margin, so what a maker costs a sweep does not grow
    /// with its portfolio: the same sweep of five makers costs the same when each also holds six
    /// other series.
    function test_sweep_MakerCostIndependentOfPortfolioSize() public {
        seedMakers(5);
        uint256 snapshot = vm.snapshotState();
        uint256 small = coldSweepGas(5);
        vm.revertToState(snapshot);
        for (uint256 k = 1; k <= 6; ++k) {
            vm.prank(owner);
            uint32 other =
                market.listSeries(uint128(STRIKE + k * 100e18), expiry, true, TICK, LOT, MAX_TICK);
            for (uint256 i; i < 5; ++i) {
                vm.prank(makers[i]);
                market.place(other, false, 100e18, LOT, IOptionsMarketBase.OrderKind.Limit, 1);
                vm.prank(carol);
                market.place(other, true, 100e18, LOT, IOptionsMarketBase.OrderKind.Limit, 1);
            }
        }
        (uint32[] memory held,) = market.positionsOf(makers[0]);
        assertEq(held.length, 7);
        // Within a few gas (the values written differ, not the slots): a single extra slot read
        // per maker would cost 2,100 each.
        assertApproxEqAbs(coldSweepGas(5), small, 50);
    }

    /// @dev `sweepGas` with the market's storage cold, as in a transaction of its own.
    function coldSweepGas(uint256 count) internal returns (uint256 used) {
        for (uint256 i; i < count; ++i) {
            ask(makers[i], 200e18 + i * TICK, 0.1e18);
        }
        vm.cool(address(market));
        vm.prank(bob);
        uint256 before = gasleft();
        market.place(
            callId, true, 300e18, count * 0.1e18, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS
        );
        used = before - gasleft();
    }

    function test_gas_Cancel() public {
        uint64 id = bid(alice, 150e18, 1e18);
        bid(alice, 151e18, 1e18);
        vm.prank(alice);
        uint256 before = gasleft();
        market.cancel(id);
        emit log_named_uint("cancel", before - gasleft());
    }

    function test_gas_SettlePosition() public {
        bid(alice, 150e18, 1e18);
        ask(bob, 150e18, 1e18);
        vm.warp(expiry - 1);
        moveSpot(ETH_PRICE);
        vm.warp(expiry + 5);
        moveSpot(3300e8);
        market.settleSeries(callId, spotRound);
        uint256 before = gasleft();
        market.settlePosition(alice, callId);
        emit log_named_uint("settle one position", before - gasleft());
    }
}
