// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {ICollateralVault} from "../../src/interfaces/ICollateralVault.sol";
import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {IMessageApp} from "../../src/interfaces/IMessageApp.sol";
import {AppMessage} from "../../src/libraries/AppMessage.sol";
import {Message} from "../../src/libraries/Message.sol";
import {FaucetToken} from "../../src/tokens/FaucetToken.sol";
import {MockFeed} from "../helpers/MockFeed.sol";
import {VaultTest} from "./VaultTest.sol";

/// @notice Configuration, deposits, reserve, pausing and message authentication.
contract CollateralVaultTest is VaultTest {
    // ---------------------------------------------------------------- configuration

    function test_constructor_SetsWiring() public view {
        assertEq(vault.mailbox(), address(collateralMailbox));
        assertEq(vault.marketDomain(), MARKET);
        assertEq(vault.owner(), owner);
        assertEq(vault.guardian(), guardian);
        assertEq(vault.trustedRemote(MARKET), address(market));
        assertEq(vault.MAX_TOKENS(), 8);
    }

    function test_listToken_StoresConfigAndEmits() public {
        FaucetToken wbtc = deployFaucetToken("Wrapped BTC", "WBTC", 8, 1e8, 1 days);
        ICollateralVault.TokenConfig memory config = wethConfig();
        vm.expectEmit(address(vault));
        emit ICollateralVault.TokenListed(address(wbtc), 8, config);
        vm.prank(owner);
        vault.listToken(address(wbtc), config);

        (bool listed, uint8 decimals, ICollateralVault.TokenConfig memory stored) =
            vault.tokenConfig(address(wbtc));
        assertTrue(listed);
        assertEq(decimals, 8);
        assertEq(abi.encode(stored), abi.encode(config));
        assertEq(vault.listedTokens().length, 3);
        assertEq(vault.listedTokens()[2], address(wbtc));
    }

    function test_listToken_NewBucketStartsFull() public view {
        (uint256 capacity, uint256 refill, uint256 available) = vault.outflowBucket(address(weth));
        assertEq(capacity, WETH_CAPACITY);
        assertEq(refill, WETH_REFILL);
        assertEq(available, WETH_CAPACITY);
    }

    function test_listToken_UpdateCutsBucketToNewCapacity() public {
        ICollateralVault.TokenConfig memory config = wethConfig();
        config.outflowCapacity = 10e18;
        vm.prank(owner);
        vault.listToken(address(weth), config);
        (uint256 capacity,, uint256 available) = vault.outflowBucket(address(weth));
        assertEq(capacity, 10e18);
        assertEq(available, 10e18);
        assertEq(vault.listedTokens().length, 2, "an update does not list twice");
    }

    function test_RevertWhen_ListTokenNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        vault.listToken(address(usdc), usdcConfig());
    }

    function test_RevertWhen_ListTokenHaircutNotBelowOne() public {
        ICollateralVault.TokenConfig memory config = wethConfig();
        config.haircut = 1e18;
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultInvalidHaircut.selector, address(weth), 1e18
            )
        );
        vm.prank(owner);
        vault.listToken(address(weth), config);
    }

    function test_RevertWhen_ListTokenDecimalsAbove18() public {
        FaucetToken odd = deployFaucetToken("Odd", "ODD", 19, 1, 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultUnsupportedDecimals.selector, address(odd), 19
            )
        );
        vm.prank(owner);
        vault.listToken(address(odd), usdcConfig());
    }

    function test_RevertWhen_ListTokenFeedWithoutMaxAge() public {
        ICollateralVault.TokenConfig memory config = wethConfig();
        config.maxAge = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultInvalidPriceSource.selector,
                address(weth),
                address(ethFeed),
                0
            )
        );
        vm.prank(owner);
        vault.listToken(address(weth), config);
    }

    function test_RevertWhen_ListTokenFeedDecimalsAbove18() public {
        ICollateralVault.TokenConfig memory config = wethConfig();
        config.feed = new MockFeed(19, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultInvalidPriceSource.selector,
                address(weth),
                address(config.feed),
                FEED_MAX_AGE
            )
        );
        vm.prank(owner);
        vault.listToken(address(weth), config);
    }

    function test_RevertWhen_ListTokenBeyondMax() public {
        vm.startPrank(owner);
        for (uint256 i = 2; i < vault.MAX_TOKENS(); ++i) {
            vault.listToken(address(new MockToken()), usdcConfig());
        }
        address extra = address(new MockToken());
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultTooManyTokens.selector, 8));
        vault.listToken(extra, usdcConfig());
        vm.stopPrank();
    }

    function test_delistToken_StopsDepositsAndEmits() public {
        vm.expectEmit(address(vault));
        emit ICollateralVault.TokenDelisted(address(usdc));
        vm.prank(owner);
        vault.delistToken(address(usdc));

        assertEq(vault.listedTokens().length, 1);
        assertEq(vault.listedTokens()[0], address(weth));
        fund(alice, address(usdc), 1e6);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.VaultUnknownToken.selector, address(usdc))
        );
        vm.prank(alice);
        vault.deposit(address(usdc), 1e6, alice);
    }

    function test_listToken_RelistsAfterDelistKeepingBucket() public {
        depositAndRelay(alice, usdc, 100e6, alice);
        releaseAndRelay(alice, address(usdc), 100e18, alice, "w1");
        vm.startPrank(owner);
        vault.delistToken(address(usdc));
        vault.listToken(address(usdc), usdcConfig());
        vm.stopPrank();
        (,, uint256 available) = vault.outflowBucket(address(usdc));
        assertEq(available, USDC_CAPACITY - 100e18, "relisting does not refill");
        assertEq(vault.listedTokens().length, 2);
    }

    function test_RevertWhen_DelistUnlisted() public {
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultUnknownToken.selector, bob));
        vm.prank(owner);
        vault.delistToken(bob);
    }

    // ---------------------------------------------------------------- deposit

    function test_deposit_DispatchesCreditInWadAndEmits() public {
        fund(alice, address(usdc), 100e6);
        bytes32 depositId = keccak256(abi.encode(block.chainid, address(vault), uint256(1)));
        bytes memory body = AppMessage.encodeCredit(
            AppMessage.Credit({
                account: bob, token: address(usdc), amount: 100e18, depositId: depositId
            })
        );
        bytes32 messageId =
            keccak256(Message.encode(0, COLLATERAL, address(vault), MARKET, address(market), body));
        vm.expectEmit(address(vault));
        emit ICollateralVault.CollateralDeposited(
            bob, address(usdc), alice, 100e6, 100e18, depositId, messageId
        );
        vm.prank(alice);
        assertEq(vault.deposit(address(usdc), 100e6, bob), depositId);

        assertEq(vault.committed(address(usdc)), 100e6);
        assertEq(vault.reserve(bob, address(usdc)), 0, "nothing credited locally");
        assertEq(vault.depositCount(), 1);
        assertEq(market.credited(bob, address(usdc)), 0, "not before the message lands");
        relayOne();
        assertEq(market.credited(bob, address(usdc)), 100e18);
        assertBalanceAccounted(address(usdc));
    }

    function test_deposit_IdsAreUnique() public {
        fund(alice, address(weth), 2);
        vm.startPrank(alice);
        bytes32 first = vault.deposit(address(weth), 1, alice);
        bytes32 second = vault.deposit(address(weth), 1, alice);
        vm.stopPrank();
        assertTrue(first != second);
    }

    function testFuzz_deposit_CreditsWadOfWhatArrived(uint256 amount) public {
        amount = bound(amount, 1, 1e30);
        depositAndRelay(alice, usdc, amount, alice);
        assertEq(market.credited(alice, address(usdc)), amount * 1e12);
        assertEq(vault.committed(address(usdc)), amount);
        assertBalanceAccounted(address(usdc));
    }

    function test_RevertWhen_DepositUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultUnknownToken.selector, bob));
        vm.prank(alice);
        vault.deposit(bob, 1, alice);
    }

    function test_RevertWhen_DepositZeroAmount() public {
        vm.expectRevert(ICollateralVault.VaultZeroAmount.selector);
        vm.prank(alice);
        vault.deposit(address(usdc), 0, alice);
    }

    function test_RevertWhen_DepositForZeroAccount() public {
        vm.expectRevert(ICollateralVault.VaultZeroAddress.selector);
        vm.prank(alice);
        vault.deposit(address(usdc), 1, address(0));
    }

    function test_RevertWhen_DepositPaused() public {
        vm.prank(guardian);
        vault.pause(ICollateralVault.Flow.Deposits);
        fund(alice, address(usdc), 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultPaused.selector, ICollateralVault.Flow.Deposits
            )
        );
        vm.prank(alice);
        vault.deposit(address(usdc), 1, alice);
    }

    function test_RevertWhen_DepositWithoutMarketWired() public {
        vm.prank(owner);
        vault.setTrustedRemote(MARKET, address(0));
        fund(alice, address(usdc), 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMessageApp.RecipientNoTrustedRemote.selector, MARKET)
        );
        vm.prank(alice);
        vault.deposit(address(usdc), 1, alice);
    }

    // ---------------------------------------------------------------- reserve

    function test_depositReserve_KeepsItLocalAndEmits() public {
        fund(alice, address(weth), 2e18);
        vm.expectEmit(address(vault));
        emit ICollateralVault.ReserveDeposited(alice, address(weth), 2e18);
        vm.prank(alice);
        vault.depositReserve(address(weth), 2e18);

        assertEq(vault.reserve(alice, address(weth)), 2e18);
        assertEq(vault.totalReserve(address(weth)), 2e18);
        assertEq(vault.committed(address(weth)), 0);
        assertEq(relay().length, 0, "no CREDIT");
        assertBalanceAccounted(address(weth));
    }

    function test_RevertWhen_DepositReservePaused() public {
        vm.prank(guardian);
        vault.pause(ICollateralVault.Flow.Deposits);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultPaused.selector, ICollateralVault.Flow.Deposits
            )
        );
        vm.prank(alice);
        vault.depositReserve(address(weth), 1);
    }

    function test_RevertWhen_DepositReserveUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultUnknownToken.selector, bob));
        vm.prank(alice);
        vault.depositReserve(bob, 1);
    }

    function test_withdrawReserve_PaysRecipientAndEmits() public {
        reserveFor(alice, address(weth), 2e18);
        vm.expectEmit(address(vault));
        emit ICollateralVault.ReserveWithdrawn(alice, address(weth), bob, 0.5e18);
        vm.prank(alice);
        vault.withdrawReserve(address(weth), 0.5e18, bob);
        assertEq(weth.balanceOf(bob), 0.5e18);
        assertEq(vault.reserve(alice, address(weth)), 1.5e18);
        assertBalanceAccounted(address(weth));
    }

    function test_withdrawReserve_WorksWhileEverythingIsPausedAndDelisted() public {
        reserveFor(alice, address(weth), 2e18);
        vm.startPrank(owner);
        vault.pause(ICollateralVault.Flow.Deposits);
        vault.pause(ICollateralVault.Flow.Outflows);
        vault.delistToken(address(weth));
        vm.stopPrank();
        vm.prank(alice);
        vault.withdrawReserve(address(weth), 2e18, alice);
        assertEq(weth.balanceOf(alice), 2e18);
    }

    function test_withdrawReserve_IsNotRateLimited() public {
        reserveFor(alice, address(weth), WETH_CAPACITY * 2);
        vm.prank(alice);
        vault.withdrawReserve(address(weth), WETH_CAPACITY * 2, alice);
        (,, uint256 available) = vault.outflowBucket(address(weth));
        assertEq(available, WETH_CAPACITY);
    }

    function test_RevertWhen_WithdrawReserveAboveReserve() public {
        reserveFor(alice, address(weth), 1e18);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultInsufficientReserve.selector,
                alice,
                address(weth),
                1e18 + 1,
                1e18
            )
        );
        vm.prank(alice);
        vault.withdrawReserve(address(weth), 1e18 + 1, alice);
    }

    function test_RevertWhen_WithdrawReserveOfAnotherAccount() public {
        reserveFor(alice, address(weth), 1e18);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultInsufficientReserve.selector, bob, address(weth), 1, 0
            )
        );
        vm.prank(bob);
        vault.withdrawReserve(address(weth), 1, bob);
    }

    function test_RevertWhen_WithdrawReserveZeroAmount() public {
        vm.expectRevert(ICollateralVault.VaultZeroAmount.selector);
        vm.prank(alice);
        vault.withdrawReserve(address(weth), 0, alice);
    }

    function test_RevertWhen_WithdrawReserveToZero() public {
        vm.expectRevert(ICollateralVault.VaultZeroAddress.selector);
        vm.prank(alice);
        vault.withdrawReserve(address(weth), 1, address(0));
    }

    function test_setAutoTopUp_StoresAndEmits() public {
        vm.expectEmit(address(vault));
        emit ICollateralVault.AutoTopUpSet(alice, true);
        vm.prank(alice);
        vault.setAutoTopUp(true);
        assertTrue(vault.autoTopUp(alice));
        vm.prank(alice);
        vault.setAutoTopUp(false);
        assertFalse(vault.autoTopUp(alice));
    }

    // ---------------------------------------------------------------- guardian and pauses

    function test_pause_GuardianPausesEachFlowAndEmits() public {
        vm.expectEmit(address(vault));
        emit ICollateralVault.Paused(ICollateralVault.Flow.Outflows, guardian);
        vm.prank(guardian);
        vault.pause(ICollateralVault.Flow.Outflows);
        assertTrue(vault.paused(ICollateralVault.Flow.Outflows));
        assertFalse(vault.paused(ICollateralVault.Flow.Deposits));
    }

    function test_pause_OwnerMayPause() public {
        vm.prank(owner);
        vault.pause(ICollateralVault.Flow.Deposits);
        assertTrue(vault.paused(ICollateralVault.Flow.Deposits));
    }

    function test_RevertWhen_PauseByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultNotPauser.selector, alice));
        vm.prank(alice);
        vault.pause(ICollateralVault.Flow.Deposits);
    }

    function test_RevertWhen_PauseTwice() public {
        vm.startPrank(guardian);
        vault.pause(ICollateralVault.Flow.Deposits);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultPaused.selector, ICollateralVault.Flow.Deposits
            )
        );
        vault.pause(ICollateralVault.Flow.Deposits);
        vm.stopPrank();
    }

    function test_unpause_OwnerResumesAndEmits() public {
        vm.prank(guardian);
        vault.pause(ICollateralVault.Flow.Outflows);
        vm.expectEmit(address(vault));
        emit ICollateralVault.Unpaused(ICollateralVault.Flow.Outflows, owner);
        vm.prank(owner);
        vault.unpause(ICollateralVault.Flow.Outflows);
        assertFalse(vault.paused(ICollateralVault.Flow.Outflows));
    }

    function test_RevertWhen_GuardianUnpauses() public {
        vm.startPrank(guardian);
        vault.pause(ICollateralVault.Flow.Outflows);
        vm.expectRevert(
            abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian)
        );
        vault.unpause(ICollateralVault.Flow.Outflows);
        vm.stopPrank();
    }

    function test_RevertWhen_UnpauseNotPaused() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.VaultNotPaused.selector, ICollateralVault.Flow.Deposits
            )
        );
        vm.prank(owner);
        vault.unpause(ICollateralVault.Flow.Deposits);
    }

    function test_setGuardian_ReplacesPauserAndEmits() public {
        vm.expectEmit(address(vault));
        emit ICollateralVault.GuardianSet(bob);
        vm.prank(owner);
        vault.setGuardian(bob);
        assertEq(vault.guardian(), bob);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultNotPauser.selector, guardian));
        vm.prank(guardian);
        vault.pause(ICollateralVault.Flow.Deposits);
    }

    function test_RevertWhen_SetGuardianNotOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian)
        );
        vm.prank(guardian);
        vault.setGuardian(guardian);
    }

    // ---------------------------------------------------------------- authentication

    function test_RevertWhen_HandleCallerNotMailbox() public {
        vm.expectRevert(abi.encodeWithSelector(IMessageApp.RecipientNotMailbox.selector, alice));
        vm.prank(alice);
        vault.handle(MARKET, address(market), "");
    }

    function test_RevertWhen_HandleSenderNotMarket() public {
        vm.expectRevert(
            abi.encodeWithSelector(IMessageApp.RecipientUntrustedSender.selector, MARKET, alice)
        );
        vm.prank(address(collateralMailbox));
        vault.handle(MARKET, alice, "");
    }

    function test_RevertWhen_HandleFromAnotherTrustedDomain() public {
        vm.prank(owner);
        vault.setTrustedRemote(42, alice);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.VaultWrongOrigin.selector, 42));
        vm.prank(address(collateralMailbox));
        vault.handle(42, alice, "");
    }

    function test_process_RecordsCreditSentToVaultAsFailed() public {
        bytes memory body = AppMessage.encodeCredit(
            AppMessage.Credit({account: alice, token: address(usdc), amount: 1, depositId: "d"})
        );
        bytes32 id = market.send(COLLATERAL, body);
        vm.expectEmit(address(collateralMailbox));
        emit IMailbox.MessageFailed(
            id,
            abi.encodeWithSelector(
                ICollateralVault.VaultUnexpectedMessage.selector, AppMessage.CREDIT
            )
        );
        relayOne();
        assertTrue(collateralMailbox.failed(id));
    }
}

/// @dev A bare 18-decimal token to fill the allow-list.
contract MockToken {
    uint8 public constant decimals = 18;
}
