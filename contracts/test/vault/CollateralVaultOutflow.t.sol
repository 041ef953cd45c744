// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICollateralVault} from "../../src/interfaces/ICollateralVault.sol";
import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {AppMessage} from "../../src/libraries/AppMessage.sol";
import {VaultTest} from "./VaultTest.sol";

/// @notice RELEASE and SEIZE: payouts of committed collateral, once per id, through the outflow
/// bucket, failing in the mailbox (and retriable) when limited or paused.
contract CollateralVaultOutflowTest is VaultTest {
    bytes32 private constant W1 = "w1";

    function setUp() public override {
        super.setUp();
        depositAndRelay(alice, weth, 150e18, alice);
        depositAndRelay(alice, usdc, 10_000e6, alice);
    }

    function test_release_PaysRecipientAndEmits() public {
        market.release(COLLATERAL, payout(alice, address(weth), 2e18, bob, "w1"));
        vm.expectEmit(address(vault));
        emit ICollateralVault.CollateralReleased("w1", alice, address(weth), bob, 2e18);
        relayOne();

        assertEq(weth.balanceOf(bob), 2e18);
        assertEq(vault.committed(address(weth)), 148e18);
        assertTrue(vault.executed(AppMessage.RELEASE, "w1"));
        (,, uint256 available) = vault.outflowBucket(address(weth));
        assertEq(available, WETH_CAPACITY - 2e18);
        assertBalanceAccounted(address(weth));
    }

    function test_release_ScalesWadToTokenUnits() public {
        releaseAndRelay(alice, address(usdc), 1234.5e18, bob, "w1");
        assertEq(usdc.balanceOf(bob), 1234.5e6);
        assertEq(vault.committed(address(usdc)), 10_000e6 - 1234.5e6);
    }

    function test_seize_PaysLiquidatorAndEmits() public {
        market.seize(COLLATERAL, payout(alice, address(weth), 3e18, liquidator, "liq-1"));
        vm.expectEmit(address(vault));
        emit ICollateralVault.CollateralSeized("liq-1", alice, address(weth), liquidator, 3e18);
        relayOne();
        assertEq(weth.balanceOf(liquidator), 3e18);
        assertTrue(vault.executed(AppMessage.SEIZE, "liq-1"));
        assertFalse(vault.executed(AppMessage.RELEASE, "liq-1"));
        assertBalanceAccounted(address(weth));
    }

    function test_process_RateLimitedReleaseFailsThenRetrySucceedsAfterRefill() public {
        releaseAndRelay(alice, address(weth), 95e18, alice, "w1");
        bytes32 id = market.release(COLLATERAL, payout(alice, address(weth), 10e18, bob, "w2"));
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id,
            abi.encodeWithSelector(
                ICollateralVault.VaultRateLimited.selector, address(weth), 10e18, 5e18
            )
        );
        bytes memory message = relayOne();
        assertTrue(collateralMailbox.failed(id));
        assertEq(weth.balanceOf(bob), 0);
        assertEq(vault.committed(address(weth)), 55e18);

        // Half the refill needed: still limited, and the message stays failed.
        vm.warp(block.timestamp + 2500);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultRateLimited.selector, address(weth), 10e18, 7.5e18
            )
        );
        collateralMailbox.retry(message);

        vm.warp(block.timestamp + 2500);
        vm.prank(carol);
        collateralMailbox.retry(message);
        assertFalse(collateralMailbox.failed(id));
        assertEq(weth.balanceOf(bob), 10e18);
        (,, uint256 available) = vault.outflowBucket(address(weth));
        assertEq(available, 0);
    }

    function test_bucket_RefillsUpToCapacityOnly() public {
        releaseAndRelay(alice, address(weth), 50e18, alice, "w1");
        vm.warp(block.timestamp + 365 days);
        (,, uint256 available) = vault.outflowBucket(address(weth));
        assertEq(available, WETH_CAPACITY);
    }

    function test_process_DuplicateReleaseIdFails() public {
        releaseAndRelay(alice, address(weth), 1e18, bob, "w1");
        bytes32 id = market.release(COLLATERAL, payout(alice, address(weth), 1e18, bob, "w1"));
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id,
            abi.encodeWithSelector(
                ICollateralVault.VaultAlreadyExecuted.selector, AppMessage.RELEASE, W1
            )
        );
        relayOne();
        assertEq(weth.balanceOf(bob), 1e18, "paid once");
    }

    function test_process_DuplicateSeizeIdFails() public {
        market.seize(COLLATERAL, payout(alice, address(weth), 1e18, liquidator, "l1"));
        market.seize(COLLATERAL, payout(alice, address(weth), 1e18, liquidator, "l1"));
        relay();
        assertEq(weth.balanceOf(liquidator), 1e18, "seized once");
    }

    function test_process_PausedOutflowFailsThenRetrySucceedsAfterUnpause() public {
        vm.prank(guardian);
        vault.pause(ICollateralVault.Flow.Outflows);
        bytes32 id = market.release(COLLATERAL, payout(alice, address(weth), 1e18, bob, "w1"));
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id,
            abi.encodeWithSelector(
                ICollateralVault.VaultPaused.selector, ICollateralVault.Flow.Outflows
            )
        );
        bytes memory message = relayOne();
        assertEq(weth.balanceOf(bob), 0);

        vm.prank(owner);
        vault.unpause(ICollateralVault.Flow.Outflows);
        collateralMailbox.retry(message);
        assertEq(weth.balanceOf(bob), 1e18);
    }

    function test_process_DepositPauseDoesNotStopOutflows() public {
        vm.prank(guardian);
        vault.pause(ICollateralVault.Flow.Deposits);
        releaseAndRelay(alice, address(weth), 1e18, bob, "w1");
        assertEq(weth.balanceOf(bob), 1e18);
    }

    function test_process_FractionalUnitsFail() public {
        bytes32 id = market.release(COLLATERAL, payout(alice, address(usdc), 1e18 + 1, bob, "w1"));
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id,
            abi.encodeWithSelector(
                ICollateralVault.VaultNotWholeUnits.selector, address(usdc), 1e18 + 1, 1e12
            )
        );
        relayOne();
        assertEq(usdc.balanceOf(bob), 0);
    }

    function test_process_ReleaseAboveCommittedFailsAndSparesReserve() public {
        reserveFor(bob, address(weth), 1000e18);
        bytes32 id = market.release(COLLATERAL, payout(alice, address(weth), 151e18, bob, "w1"));
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id,
            abi.encodeWithSelector(
                ICollateralVault.VaultInsufficientCommitted.selector, address(weth), 151e18, 150e18
            )
        );
        relayOne();
        assertEq(vault.reserve(bob, address(weth)), 1000e18);
    }

    function test_process_UnknownTokenFails() public {
        bytes32 id = market.release(COLLATERAL, payout(alice, carol, 1e18, bob, "w1"));
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id, abi.encodeWithSelector(ICollateralVault.VaultUnknownToken.selector, carol)
        );
        relayOne();
    }

    function test_process_ZeroRecipientFails() public {
        bytes32 id =
            market.release(COLLATERAL, payout(alice, address(weth), 1e18, address(0), "w1"));
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id, abi.encodeWithSelector(ICollateralVault.VaultZeroAddress.selector)
        );
        relayOne();
    }

    function test_release_DelistedTokenStillPaysOut() public {
        vm.prank(owner);
        vault.delistToken(address(weth));
        releaseAndRelay(alice, address(weth), 1e18, bob, "w1");
        assertEq(weth.balanceOf(bob), 1e18);
    }

    function test_process_MalformedBodiesFailAndMoveNothing() public {
        bytes memory release =
            AppMessage.encodeRelease(payout(alice, address(weth), 1e18, bob, "w1"));
        bytes[4] memory bodies;
        bytes[4] memory reasons;
        bodies[0] = hex"09";
        reasons[0] = abi.encodeWithSelector(AppMessage.AppMessageTooShort.selector, 1);
        bodies[1] = hex"0901";
        reasons[1] = abi.encodeWithSelector(AppMessage.AppMessageUnknownType.selector, 9);
        bodies[2] = bytes.concat(release, hex"00");
        reasons[2] = abi.encodeWithSelector(
            AppMessage.AppMessageWrongLength.selector, AppMessage.RELEASE, 127, 126
        );
        bodies[3] = release;
        bodies[3][1] = 0x02;
        reasons[3] = abi.encodeWithSelector(
            AppMessage.AppMessageWrongVersion.selector, AppMessage.RELEASE, 2
        );
        for (uint256 i; i < bodies.length; ++i) {
            bytes32 id = market.send(COLLATERAL, bodies[i]);
            vm.expectEmit(address(collateralMailbox));
            emit IMailbox.MessageFailed(id, reasons[i]);
            relayOne();
        }
        assertEq(weth.balanceOf(bob), 0);
        assertEq(vault.committed(address(weth)), 150e18);
    }

    /// @dev However releases are sized and spaced, what leaves never exceeds the capacity plus
    /// the refill over the elapsed time.
    function testFuzz_release_NeverOutrunsTheBucket(
        uint256[6] memory amounts,
        uint256[6] memory gaps
    ) public {
        uint256 start = block.timestamp;
        uint256 paid;
        for (uint256 i; i < amounts.length; ++i) {
            vm.warp(block.timestamp + bound(gaps[i], 0, 20 hours));
            uint256 amount = bound(amounts[i], 1, 60) * 1e18;
            releaseAndRelay(alice, address(weth), amount, bob, bytes32(i));
            if (vault.executed(AppMessage.RELEASE, bytes32(i))) paid += amount;
        }
        assertEq(weth.balanceOf(bob), paid);
        assertLe(paid, WETH_CAPACITY + (block.timestamp - start) * WETH_REFILL);
        assertBalanceAccounted(address(weth));
    }
}
