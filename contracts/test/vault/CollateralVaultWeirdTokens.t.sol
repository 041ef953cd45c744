// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ICollateralVault} from "../../src/interfaces/ICollateralVault.sol";
import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {FeeOnTransferToken} from "../helpers/weird/FeeOnTransferToken.sol";
import {NoReturnToken} from "../helpers/weird/NoReturnToken.sol";
import {ReentrantToken} from "../helpers/weird/ReentrantToken.sol";
import {MockFeed} from "../helpers/MockFeed.sol";
import {VaultTest} from "./VaultTest.sol";

/// @notice Fee-on-transfer, no-return-value and reentrant-hook tokens keep the vault's books
/// equal to its balance.
contract CollateralVaultWeirdTokensTest is VaultTest {
    FeeOnTransferToken private fot;
    NoReturnToken private noReturn;
    ReentrantToken private reentrant;
    /// @dev The handler gas `ICollateralVault` asks a vault's mailbox for.
    uint256 private constant TOP_UP_HANDLER_GAS = 500_000;

    function setUp() public override {
        super.setUp();
        fot = new FeeOnTransferToken(100);
        noReturn = new NoReturnToken();
        reentrant = new ReentrantToken();
        vm.startPrank(owner);
        vault.listToken(address(fot), usdcConfig());
        vault.listToken(address(noReturn), usdcConfig());
        vault.listToken(address(reentrant), usdcConfig());
        vm.stopPrank();
    }

    function test_deposit_FeeOnTransferCreditsWhatArrived() public {
        _mintAndApprove(address(fot), alice, 100e18);
        vm.prank(alice);
        vault.deposit(address(fot), 100e18, alice);
        relayOne();
        assertEq(vault.committed(address(fot)), 99e18);
        assertEq(market.credited(alice, address(fot)), 99e18);
        assertBalanceAccounted(address(fot));
    }

    function test_depositReserve_FeeOnTransferReservesWhatArrived() public {
        _mintAndApprove(address(fot), alice, 100e18);
        vm.prank(alice);
        vault.depositReserve(address(fot), 100e18);
        assertEq(vault.reserve(alice, address(fot)), 99e18);
        vm.prank(alice);
        vault.withdrawReserve(address(fot), 99e18, alice);
        assertEq(vault.totalReserve(address(fot)), 0);
        assertBalanceAccounted(address(fot));
    }

    function test_release_FeeOnTransferKeepsBooksEqualToBalance() public {
        _mintAndApprove(address(fot), alice, 100e18);
        vm.prank(alice);
        vault.deposit(address(fot), 100e18, alice);
        relayOne();
        releaseAndRelay(alice, address(fot), 50e18, bob, "w1");
        assertEq(fot.balanceOf(bob), 49.5e18, "the fee is the recipient's");
        assertBalanceAccounted(address(fot));
    }

    function test_RevertWhen_DepositArrivesAsNothing() public {
        FeeOnTransferToken burner = new FeeOnTransferToken(10_000);
        vm.prank(owner);
        vault.listToken(address(burner), usdcConfig());
        _mintAndApprove(address(burner), alice, 100e18);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.VaultNothingReceived.selector, address(burner))
        );
        vm.prank(alice);
        vault.deposit(address(burner), 100e18, alice);
    }

    function test_noReturnToken_DepositReleaseAndReserveWork() public {
        _mintAndApprove(address(noReturn), alice, 300e6);
        vm.startPrank(alice);
        vault.deposit(address(noReturn), 100e6, alice);
        vault.depositReserve(address(noReturn), 200e6);
        vault.withdrawReserve(address(noReturn), 50e6, carol);
        vm.stopPrank();
        relayOne();
        assertEq(market.credited(alice, address(noReturn)), 100e18);
        releaseAndRelay(alice, address(noReturn), 40e18, bob, "w1");
        assertEq(noReturn.balanceOf(bob), 40e6);
        assertEq(noReturn.balanceOf(carol), 50e6);
        assertBalanceAccounted(address(noReturn));
    }

    function test_RevertWhen_DepositHookReentersDeposit() public {
        _mintAndApprove(address(reentrant), alice, 2e18);
        reentrant.arm(
            address(vault), abi.encodeCall(vault.deposit, (address(reentrant), 1e18, alice))
        );
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        vm.prank(alice);
        vault.deposit(address(reentrant), 1e18, alice);
    }

    function test_RevertWhen_WithdrawReserveHookReentersWithdrawReserve() public {
        _mintAndApprove(address(reentrant), alice, 2e18);
        vm.prank(alice);
        vault.depositReserve(address(reentrant), 2e18);
        reentrant.arm(
            address(vault), abi.encodeCall(vault.withdrawReserve, (address(reentrant), 1e18, alice))
        );
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        vm.prank(alice);
        vault.withdrawReserve(address(reentrant), 1e18, alice);
    }

    function test_process_ReleaseWhoseHookReentersFailsThenRetries() public {
        _mintAndApprove(address(reentrant), alice, 10e18);
        vm.startPrank(alice);
        vault.deposit(address(reentrant), 5e18, alice);
        vault.depositReserve(address(reentrant), 5e18);
        vm.stopPrank();
        relayOne();

        reentrant.arm(
            address(vault), abi.encodeCall(vault.withdrawReserve, (address(reentrant), 5e18, alice))
        );
        bytes32 id = market.release(COLLATERAL, payout(alice, address(reentrant), 1e18, bob, "w1"));
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id,
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
        );
        bytes memory message = relayOne();
        assertEq(reentrant.balanceOf(bob), 0);
        assertEq(vault.reserve(alice, address(reentrant)), 5e18);

        reentrant.arm(address(0), "");
        collateralMailbox.retry(message);
        assertEq(reentrant.balanceOf(bob), 1e18);
        assertBalanceAccounted(address(reentrant));
    }

    /// @dev With every slot listed, a top-up that moves all eight tokens from cold storage fits
    /// the handler gas the interface asks for (measured: about 440k).
    function test_marginCall_EightTokenTopUpFitsTheStatedHandlerGas() public {
        vm.prank(owner);
        vault.delistToken(address(usdc));
        address[] memory extra = new address[](4);
        vm.startPrank(owner);
        for (uint256 i; i < extra.length; ++i) {
            extra[i] = address(new FeeOnTransferToken(0));
            ICollateralVault.TokenConfig memory config = wethConfig();
            config.feed = new MockFeed(8, 1e8);
            vault.listToken(extra[i], config);
        }
        vm.stopPrank();
        address[] memory tokens = vault.listedTokens();
        assertEq(tokens.length, vault.MAX_TOKENS());
        vm.prank(alice);
        vault.setAutoTopUp(true);
        for (uint256 i; i < tokens.length; ++i) {
            if (tokens[i] == address(weth)) fund(alice, tokens[i], 1e6);
            else _mintAndApprove(tokens[i], alice, 1e6);
            vm.prank(alice);
            vault.depositReserve(tokens[i], 1e6);
        }

        vm.prank(owner);
        collateralMailbox.setHandlerGas(TOP_UP_HANDLER_GAS);
        marginCallAndRelay(alice, type(uint128).max, uint64(block.timestamp + 1), "call");
        assertEq(
            uint8(vault.marginCallStatus("call")), uint8(ICollateralVault.MarginCallStatus.ToppedUp)
        );
        assertEq(market.credits(), tokens.length, "one CREDIT per token, all delivered");
        for (uint256 i; i < tokens.length; ++i) {
            assertEq(vault.reserve(alice, tokens[i]), 0);
        }
    }

    function _mintAndApprove(address token, address account, uint256 amount) private {
        (bool ok,) = token.call(abi.encodeWithSignature("mint(address,uint256)", account, amount));
        assertTrue(ok);
        vm.prank(account);
        (ok,) =
            token.call(abi.encodeWithSignature("approve(address,uint256)", address(vault), amount));
        assertTrue(ok);
    }
}
