// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICollateralVault} from "../../src/interfaces/ICollateralVault.sol";
import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {AppMessage} from "../../src/libraries/AppMessage.sol";
import {VaultTest} from "./VaultTest.sol";

/// @notice MARGIN_CALL: a notice always, a top-up from reserve when on time and opted in, never
/// anything after the deadline.
contract CollateralVaultMarginCallTest is VaultTest {
    /// @dev 3000 USD less the 10% haircut.
    uint256 private constant WETH_VALUE = 2700e18;

    bytes32 private constant CALL_ID = "call-1";

    uint64 private deadline;

    function setUp() public override {
        super.setUp();
        deadline = uint64(block.timestamp + 1 hours);
        vm.prank(alice);
        vault.setAutoTopUp(true);
    }

    function test_marginCall_TopsUpFromQuoteReserveAtPar() public {
        reserveFor(alice, address(usdc), 1000e6);
        sendMarginCall(alice, 400e18, deadline, "call-1");
        vm.expectEmit(address(vault));
        emit ICollateralVault.MarginCallReceived(
            "call-1", alice, 400e18, deadline, ICollateralVault.MarginCallStatus.ToppedUp, 400e18
        );
        relayOne();
        relay();

        assertEq(vault.reserve(alice, address(usdc)), 600e6);
        assertEq(vault.committed(address(usdc)), 400e6);
        assertEq(market.credited(alice, address(usdc)), 400e18);
        assertEq(
            uint8(vault.marginCallStatus("call-1")),
            uint8(ICollateralVault.MarginCallStatus.ToppedUp)
        );
        assertTrue(vault.executed(AppMessage.MARGIN_CALL, "call-1"));
        assertBalanceAccounted(address(usdc));
    }

    function test_marginCall_TopUpAppliesHaircutAndRoundsUp() public {
        reserveFor(alice, address(weth), 1e18);
        marginCallAndRelay(alice, 1000e18, deadline, "call-1");

        // 1000 / 2700 ETH, rounded up to the wei.
        uint256 moved = 370_370_370_370_370_371;
        assertEq(vault.reserve(alice, address(weth)), 1e18 - moved);
        assertEq(vault.committed(address(weth)), moved);
        assertEq(market.credited(alice, address(weth)), moved);
        assertGe(moved * WETH_VALUE / 1e18, 1000e18, "the credit covers the deficit");
        assertLt((moved - 1) * WETH_VALUE / 1e18, 1000e18, "one wei less would not");
    }

    function test_marginCall_UsesQuoteTokenFirstThenPricedTokens() public {
        reserveFor(alice, address(weth), 1e18);
        reserveFor(alice, address(usdc), 1000e6);
        sendMarginCall(alice, 1540e18, deadline, "call-1");
        vm.expectEmit(address(vault));
        emit ICollateralVault.MarginCallReceived(
            "call-1", alice, 1540e18, deadline, ICollateralVault.MarginCallStatus.ToppedUp, 1540e18
        );
        relayOne();
        relay();

        assertEq(vault.reserve(alice, address(usdc)), 0);
        assertEq(vault.reserve(alice, address(weth)), 0.8e18);
        assertEq(market.credited(alice, address(usdc)), 1000e18);
        assertEq(market.credited(alice, address(weth)), 0.2e18);
        assertEq(market.credits(), 2, "one CREDIT per token moved");
        assertEq(collateralMailbox.handlerGas(), 200_000, "two tokens fit the default gas");
    }

    function test_marginCall_MovesAtMostTheReserve() public {
        reserveFor(alice, address(weth), 1e18);
        reserveFor(alice, address(usdc), 1000e6);
        sendMarginCall(alice, 10_000e18, deadline, "call-1");
        vm.expectEmit(address(vault));
        emit ICollateralVault.MarginCallReceived(
            "call-1",
            alice,
            10_000e18,
            deadline,
            ICollateralVault.MarginCallStatus.ToppedUp,
            3700e18
        );
        relayOne();
        relay();
        assertEq(vault.totalReserve(address(weth)), 0);
        assertEq(vault.totalReserve(address(usdc)), 0);
        assertBalanceAccounted(address(weth));
        assertBalanceAccounted(address(usdc));
    }

    function test_marginCall_LateCallMovesNothing() public {
        reserveFor(alice, address(usdc), 1000e6);
        sendMarginCall(alice, 400e18, deadline, "call-1");
        vm.warp(deadline + 1);
        vm.expectEmit(address(vault));
        emit ICollateralVault.MarginCallReceived(
            "call-1", alice, 400e18, deadline, ICollateralVault.MarginCallStatus.Late, 0
        );
        relayOne();

        assertEq(relay().length, 0, "no CREDIT");
        assertEq(vault.reserve(alice, address(usdc)), 1000e6);
        assertEq(vault.committed(address(usdc)), 0);
        assertEq(
            uint8(vault.marginCallStatus("call-1")), uint8(ICollateralVault.MarginCallStatus.Late)
        );
    }

    function test_marginCall_AtTheDeadlineIsOnTime() public {
        reserveFor(alice, address(usdc), 1000e6);
        vm.warp(deadline);
        marginCallAndRelay(alice, 400e18, deadline, "call-1");
        assertEq(vault.reserve(alice, address(usdc)), 600e6);
    }

    function test_marginCall_WithoutOptInIsANoticeOnly() public {
        reserveFor(bob, address(usdc), 1000e6);
        sendMarginCall(bob, 400e18, deadline, "call-1");
        vm.expectEmit(address(vault));
        emit ICollateralVault.MarginCallReceived(
            "call-1", bob, 400e18, deadline, ICollateralVault.MarginCallStatus.Noticed, 0
        );
        relayOne();
        relay();
        assertEq(vault.reserve(bob, address(usdc)), 1000e6);
        assertEq(market.credits(), 0);
    }

    function test_marginCall_StaleFeedSkipsTheToken() public {
        reserveFor(alice, address(weth), 1e18);
        reserveFor(alice, address(usdc), 100e6);
        vm.warp(block.timestamp + FEED_MAX_AGE + 1);
        marginCallAndRelay(alice, 1000e18, uint64(block.timestamp + 1 hours), "call-1");
        assertEq(vault.reserve(alice, address(weth)), 1e18, "stale: skipped");
        assertEq(vault.reserve(alice, address(usdc)), 0);
        assertEq(
            uint8(vault.marginCallStatus("call-1")),
            uint8(ICollateralVault.MarginCallStatus.ToppedUp)
        );
    }

    function test_marginCall_BrokenFeedSkipsTheToken() public {
        reserveFor(alice, address(weth), 1e18);
        ethFeed.setBroken(true);
        marginCallAndRelay(alice, 1000e18, deadline, "call-1");
        assertEq(vault.reserve(alice, address(weth)), 1e18);
        assertEq(
            uint8(vault.marginCallStatus("call-1")),
            uint8(ICollateralVault.MarginCallStatus.ToppedUp)
        );
    }

    function test_marginCall_DelistedTokenIsNotUsed() public {
        reserveFor(alice, address(usdc), 1000e6);
        vm.prank(owner);
        vault.delistToken(address(usdc));
        marginCallAndRelay(alice, 400e18, deadline, "call-1");
        assertEq(vault.reserve(alice, address(usdc)), 1000e6);
    }

    function test_process_DuplicateCallIdFails() public {
        reserveFor(alice, address(usdc), 1000e6);
        marginCallAndRelay(alice, 400e18, deadline, "call-1");
        bytes32 id = sendMarginCall(alice, 400e18, deadline, "call-1");
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id,
            abi.encodeWithSelector(
                ICollateralVault.VaultAlreadyExecuted.selector, AppMessage.MARGIN_CALL, CALL_ID
            )
        );
        relayOne();
        assertEq(vault.reserve(alice, address(usdc)), 600e6, "topped up once");
    }

    function test_process_TopUpWaitsOutADepositPause() public {
        reserveFor(alice, address(usdc), 1000e6);
        vm.prank(guardian);
        vault.pause(ICollateralVault.Flow.Deposits);
        bytes32 id = sendMarginCall(alice, 400e18, deadline, "call-1");
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id,
            abi.encodeWithSelector(
                ICollateralVault.VaultPaused.selector, ICollateralVault.Flow.Deposits
            )
        );
        bytes memory message = relayOne();

        vm.prank(owner);
        vault.unpause(ICollateralVault.Flow.Deposits);
        collateralMailbox.retry(message);
        relayOne();
        assertEq(market.credited(alice, address(usdc)), 400e18);
    }

    function test_process_RetryAfterTheDeadlineMovesNothing() public {
        reserveFor(alice, address(usdc), 1000e6);
        vm.prank(guardian);
        vault.pause(ICollateralVault.Flow.Deposits);
        sendMarginCall(alice, 400e18, deadline, "call-1");
        bytes memory message = relayOne();

        vm.warp(deadline + 1);
        vm.prank(owner);
        vault.unpause(ICollateralVault.Flow.Deposits);
        collateralMailbox.retry(message);
        assertEq(relay().length, 0);
        assertEq(vault.reserve(alice, address(usdc)), 1000e6);
        assertEq(
            uint8(vault.marginCallStatus("call-1")), uint8(ICollateralVault.MarginCallStatus.Late)
        );
    }

    function test_process_LateCallIgnoresAPause() public {
        vm.prank(guardian);
        vault.pause(ICollateralVault.Flow.Deposits);
        vm.warp(deadline + 1);
        marginCallAndRelay(alice, 400e18, deadline, "call-1");
        assertEq(
            uint8(vault.marginCallStatus("call-1")), uint8(ICollateralVault.MarginCallStatus.Late)
        );
    }

    /// @dev The top-up moves the least whole units that cover the deficit, or all the reserve.
    function testFuzz_marginCall_MovesTheLeastThatCovers(
        uint256 deficit,
        uint256 usdcReserve,
        uint256 wethReserve,
        uint256 price
    ) public {
        deficit = bound(deficit, 0, 1e26);
        usdcReserve = bound(usdcReserve, 0, 1e15);
        wethReserve = bound(wethReserve, 0, 1e24);
        uint256 answer = bound(price, 1, 1e14);
        // Bounded to 1e14 just above.
        // forge-lint: disable-next-line(unsafe-typecast)
        ethFeed.setAnswer(int256(answer));
        uint256 wethValue = answer * 1e10 * 0.9e18 / 1e18;
        if (usdcReserve > 0) reserveFor(alice, address(usdc), usdcReserve);
        if (wethReserve > 0) reserveFor(alice, address(weth), wethReserve);

        marginCallAndRelay(alice, deficit, deadline, "call");

        uint256 movedUsdc = usdcReserve - vault.reserve(alice, address(usdc));
        uint256 movedWeth = wethReserve - vault.reserve(alice, address(weth));
        assertEq(market.credited(alice, address(usdc)), movedUsdc * 1e12);
        assertEq(market.credited(alice, address(weth)), movedWeth);
        uint256 usdcCovered = movedUsdc * 1e12;
        uint256 covered = usdcCovered + movedWeth * wethValue / 1e18;
        if (usdcReserve * 1e12 + wethReserve * wethValue / 1e18 >= deficit) {
            assertGe(covered, deficit, "covers the deficit when the reserve can");
        } else {
            assertEq(movedUsdc, usdcReserve, "all of it otherwise");
            assertEq(movedWeth, wethReserve, "all of it otherwise");
        }
        if (movedWeth > 0) {
            assertEq(movedUsdc, usdcReserve, "quote token first");
            assertLt(usdcCovered + (movedWeth - 1) * wethValue / 1e18, deficit, "least WETH");
        } else if (movedUsdc > 0) {
            assertLt((movedUsdc - 1) * 1e12, deficit, "least USDC");
        }
        assertBalanceAccounted(address(usdc));
        assertBalanceAccounted(address(weth));
    }
}
