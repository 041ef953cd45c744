// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {FeeOnTransferToken} from "../../helpers/weird/FeeOnTransferToken.sol";
import {VaultTest} from "../VaultTest.sol";
import {VaultHandler} from "./VaultHandler.sol";

/// @notice docs/architecture.md §7.1 and §7.6 on the collateral side: the vault holds exactly
/// its committed collateral plus its reserves; committed collateral is what the market was
/// credited less what was paid out; outflows never outrun the bucket; a late margin call never
/// moves reserve.
contract VaultInvariantTest is VaultTest {
    VaultHandler private handler;
    address[] private tokens;
    address[] private actors;
    uint256 private start;

    function setUp() public override {
        super.setUp();
        FeeOnTransferToken fot = new FeeOnTransferToken(100);
        vm.prank(owner);
        vault.listToken(address(fot), usdcConfig());
        tokens = [address(usdc), address(weth), address(fot)];
        actors = [alice, bob, carol];
        handler = new VaultHandler(
            vault, market, collateralMailbox, marketMailbox, ethFeed, validatorKey, actors, tokens
        );
        // The handler gas `ICollateralVault` asks of a vault's mailbox.
        vm.prank(owner);
        collateralMailbox.setHandlerGas(500_000);
        start = block.timestamp;
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_VaultHoldsCommittedPlusReserves() public view {
        for (uint256 i; i < tokens.length; ++i) {
            assertBalanceAccounted(tokens[i]);
        }
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_CommittedIsCreditedLessPaidOut() public view {
        for (uint256 i; i < tokens.length; ++i) {
            uint256 credited;
            for (uint256 j; j < actors.length; ++j) {
                credited += market.credited(actors[j], tokens[i]);
            }
            (, uint8 decimals,) = vault.tokenConfig(tokens[i]);
            assertEq(
                vault.committed(tokens[i]) * 10 ** (18 - decimals),
                credited - handler.ghost_paidWad(tokens[i]),
                "committed == credited - paid out"
            );
        }
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_ReservesAddUpToTheirTotal() public view {
        for (uint256 i; i < tokens.length; ++i) {
            uint256 sum;
            for (uint256 j; j < actors.length; ++j) {
                sum += vault.reserve(actors[j], tokens[i]);
            }
            assertEq(sum, vault.totalReserve(tokens[i]), "sum of reserves == total");
        }
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_OutflowsNeverOutrunTheBucket() public view {
        for (uint256 i; i < tokens.length; ++i) {
            (uint256 capacity, uint256 refill,) = vault.outflowBucket(tokens[i]);
            assertLe(
                handler.ghost_paidWad(tokens[i]),
                capacity + refill * (block.timestamp - start),
                "paid out <= capacity + refill x elapsed"
            );
        }
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_LateMarginCallsNeverMoveReserve() public view {
        assertEq(handler.ghost_lateCallsThatMovedReserve(), 0, "a late call moved reserve");
    }

    /// @dev The handler reaches every interesting state: payouts, rate-limited failures and
    /// their retries, top-ups and late calls.
    function test_handler_ReachesTheInterestingStates() public {
        handler.deposit(0, 1, 120e18);
        handler.payOut(0, 1, 120e18, false);
        assertEq(handler.ghost_payouts(), 0, "over capacity: rate limited");
        assertEq(handler.ghost_rateLimited(), 1);
        handler.warp(1 days);
        handler.retry();
        assertEq(handler.ghost_retried(), 0, "the retry is capped at capacity too");
        handler.payOut(0, 1, 50e18, true);
        assertEq(handler.ghost_payouts(), 1);

        handler.setAutoTopUp(1, true);
        handler.depositReserve(1, 0, 1000e6);
        handler.marginCall(1, 300e18, false);
        assertEq(handler.ghost_topUps(), 1);
        handler.marginCall(1, 300e18, true);
        assertEq(handler.ghost_lateCalls(), 1);
        assertEq(handler.ghost_lateCallsThatMovedReserve(), 0);
        assertEq(IERC20(address(usdc)).balanceOf(address(vault)), 1000e6);
    }
}
