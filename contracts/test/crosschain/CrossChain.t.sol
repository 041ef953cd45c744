// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {IMessageApp} from "../../src/interfaces/IMessageApp.sol";
import {IOptionsMarketBase} from "../../src/interfaces/IOptionsMarket.sol";
import {AppMessage} from "../../src/libraries/AppMessage.sol";
import {CrossChainTest} from "./CrossChainTest.sol";

/// @notice Each cross-chain flow across two real mailboxes: deposit → CREDIT, withdrawal →
/// RELEASE, margin call → MARGIN_CALL → auto top-up → CREDIT, liquidation → SEIZE.
contract CrossChainFlowTest is CrossChainTest {
    uint256 internal constant USD_UNIT = 1e12; // 6-decimal test USD to WAD

    function test_deposit_CreditsCashAndCollateralOnlyWhenTheMessageLands() public {
        mintAndApprove(dave, usd, 5000e6);
        vm.prank(dave);
        vault.deposit(address(usd), 5000e6, dave);
        assertEq(market.cash(dave), 0, "nothing before the CREDIT lands");
        relay();
        deposit(dave, weth, 2e18);
        assertEq(market.cash(dave), 5000e18);
        assertEq(market.credit(dave, COLLATERAL_DOMAIN, address(weth)), 2e18);
        assertEq(market.pool(COLLATERAL_DOMAIN, address(usd)), 5000e18);
        assertEq(market.pool(COLLATERAL_DOMAIN, address(weth)), 2e18);
        uint32[] memory domains = market.domainsOf(dave);
        assertEq(domains.length, 1);
        assertEq(domains[0], COLLATERAL_DOMAIN);
    }

    function test_withdraw_DebitsAtOnceThenReleasesOnTheCollateralChain() public {
        deposit(dave, weth, 2e18);
        deposit(dave, usd, 1000e6);
        vm.prank(dave);
        market.withdraw(COLLATERAL_DOMAIN, address(weth), 0.5e18, erin);
        assertEq(market.credit(dave, COLLATERAL_DOMAIN, address(weth)), 1.5e18, "debited at once");
        assertEq(market.pool(COLLATERAL_DOMAIN, address(weth)), 1.5e18);
        assertEq(weth.balanceOf(erin), 0, "paid only when RELEASE lands");
        vm.prank(dave);
        market.withdraw(COLLATERAL_DOMAIN, address(usd), 400e18, dave);
        assertEq(market.cash(dave), 600e18);
        relay();
        assertEq(weth.balanceOf(erin), 0.5e18);
        assertEq(usd.balanceOf(dave), 400e6);
        address[] memory holders = new address[](1);
        holders[0] = dave;
        assertWethConserved(holders);
    }

    function test_withdraw_WholeCreditLeavesTheAccountsCollateral() public {
        deposit(dave, weth, 1e18);
        vm.prank(dave);
        market.withdraw(COLLATERAL_DOMAIN, address(weth), 1e18, dave);
        assertEq(market.health(dave).result.equity, 0);
        relay();
        assertEq(weth.balanceOf(dave), 1e18);
    }

    function test_RevertWhen_WithdrawingAboveFreeMargin() public {
        deposit(dave, usd, 4000e6);
        sellCalls(dave, 200e18, 10e18);
        int256 cash = market.cash(dave);
        vm.prank(dave);
        vm.expectPartialRevert(IOptionsMarketBase.MarketInsufficientMargin.selector);
        market.withdraw(COLLATERAL_DOMAIN, address(usd), 3000e18, dave);
        assertEq(market.cash(dave), cash, "nothing moved");
        assertEq(market.pool(COLLATERAL_DOMAIN, address(usd)), 4000e18);
    }

    /// @dev The cross-chain invariant suite found it: a withdrawal of less than one unit of
    /// the vault's token was debited and could never be paid.
    function test_RevertWhen_WithdrawingLessThanOneUnitOfTheVaultsToken() public {
        deposit(dave, usd, 100e6);
        vm.prank(dave);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketNotWholeUnits.selector,
                COLLATERAL_DOMAIN,
                address(usd),
                1e18 + 1,
                USD_UNIT
            )
        );
        market.withdraw(COLLATERAL_DOMAIN, address(usd), 1e18 + 1, dave);
        vm.prank(dave);
        market.withdraw(COLLATERAL_DOMAIN, address(usd), 1e18, dave);
        relay();
        assertEq(usd.balanceOf(dave), 1e6, "a whole unit is paid");
    }

    function test_RevertWhen_WithdrawingAboveThePool() public {
        // Alice's cash came from the test harness, not through this vault.
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketPoolTooSmall.selector,
                COLLATERAL_DOMAIN,
                address(usd),
                1e18,
                0
            )
        );
        market.withdraw(COLLATERAL_DOMAIN, address(usd), 1e18, alice);
    }

    function test_RevertWhen_WithdrawingBadInput() public {
        deposit(dave, weth, 1e18);
        vm.startPrank(dave);
        vm.expectRevert(IOptionsMarketBase.MarketZeroAmount.selector);
        market.withdraw(COLLATERAL_DOMAIN, address(weth), 0, dave);
        vm.expectRevert(IOptionsMarketBase.MarketZeroAddress.selector);
        market.withdraw(COLLATERAL_DOMAIN, address(weth), 1, address(0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketUnknownToken.selector, COLLATERAL_DOMAIN, address(0xBEEF)
            )
        );
        market.withdraw(COLLATERAL_DOMAIN, address(0xBEEF), 1, dave);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketInsufficientCredit.selector,
                dave,
                COLLATERAL_DOMAIN,
                address(weth),
                2e18,
                1e18
            )
        );
        market.withdraw(COLLATERAL_DOMAIN, address(weth), 2e18, dave);
        vm.stopPrank();
    }

    function test_marginCall_AutoTopUpFromReserveRestoresTheAccount() public {
        deposit(dave, usd, 4000e6);
        reserve(dave, usd, 10_000e6);
        sellCalls(dave, 200e18, 10e18);
        raiseSpotUntil(dave, inMarginCall);
        IOptionsMarketBase.Health memory h = market.health(dave);
        uint256 deficit = h.result.im - uint256(h.result.equity);

        vm.prank(erin); // anyone
        bytes32 callId = market.marginCall(dave);
        IOptionsMarketBase.MarginCall memory call = market.marginCallOf(dave);
        assertEq(call.id, callId);
        assertEq(call.deficit, deficit);
        relay(); // MARGIN_CALL to the vault, which commits reserve and sends CREDIT
        relay(); // the CREDIT lands
        assertGe(market.health(dave).result.equity, int256(market.health(dave).result.im));
        assertEq(vault.reserve(dave, address(usd)), 10_000e6 - (deficit + USD_UNIT - 1) / USD_UNIT);

        vm.prank(erin);
        market.closeMarginCall(dave);
        assertEq(market.marginCallOf(dave).id, bytes32(0));
    }

    function test_RevertWhen_MarginCallingAHealthyAccountOrTwice() public {
        deposit(dave, usd, 4000e6);
        vm.expectPartialRevert(IOptionsMarketBase.MarketNotMarginCallable.selector);
        market.marginCall(dave);

        sellCalls(dave, 200e18, 10e18);
        raiseSpotUntil(dave, inMarginCall);
        bytes32 callId = market.marginCall(dave);
        uint64 deadline = market.marginCallOf(dave).deadline;
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketMarginCallOpen.selector, dave, callId, deadline
            )
        );
        market.marginCall(dave);
        vm.expectPartialRevert(IOptionsMarketBase.MarketMarginCallNotClosable.selector);
        market.closeMarginCall(dave);
    }

    function test_marginCall_PastItsDeadlineMovesNoReserve() public {
        deposit(dave, usd, 4000e6);
        reserve(dave, usd, 10_000e6);
        sellCalls(dave, 200e18, 10e18);
        raiseSpotUntil(dave, inMarginCall);
        market.marginCall(dave);
        vm.warp(block.timestamp + liquidationParams().marginCallWindow + 1);
        refreshFeeds();
        relay(); // delivered late
        assertEq(vault.reserve(dave, address(usd)), 10_000e6, "late call moved nothing");
        assertEq(relay().length, 0, "and credited nothing");
    }

    function test_liquidate_SeizesCollateralToTheLiquidatorOnItsChain() public {
        deposit(dave, weth, 2e18);
        sellCalls(dave, 200e18, 10e18);
        deposit(liquidator, usd, 50_000e6);
        raiseSpotUntil(dave, liquidatable);
        int256 daveLots = position(dave, callId);

        vm.prank(liquidator);
        market.liquidate(dave, 1e18, recipients(erin));
        assertEq(position(dave, callId), 0);
        assertEq(position(liquidator, callId), daveLots);
        assertEq(market.credit(dave, COLLATERAL_DOMAIN, address(weth)), 0, "removed at once");
        assertEq(market.pool(COLLATERAL_DOMAIN, address(weth)), 0);
        assertEq(weth.balanceOf(erin), 0, "paid when SEIZE lands");
        relay();
        assertEq(weth.balanceOf(erin), 2e18);
        assertEq(vault.committed(address(weth)), 0);
        assertGe(market.cash(dave) + int256(market.badDebt()), 0);
    }

    function test_liquidate_PartialFractionTakesThatShareOfEverything() public {
        deposit(dave, weth, 2e18);
        sellCalls(dave, 200e18, 10e18);
        deposit(liquidator, usd, 50_000e6);
        raiseSpotUntil(dave, liquidatable);
        vm.prank(liquidator);
        market.liquidate(dave, 0.25e18, recipients(erin));
        assertEq(position(liquidator, callId), -25); // a quarter of 100 short lots
        assertEq(market.credit(dave, COLLATERAL_DOMAIN, address(weth)), 1.5e18);
        relay();
        assertEq(weth.balanceOf(erin), 0.5e18);
        address[] memory holders = new address[](2);
        (holders[0], holders[1]) = (dave, liquidator);
        assertWethConserved(holders);
    }

    function test_liquidate_InsuranceFundThenBadDebtCoverAnEmptiedAccount() public {
        deposit(dave, usd, 4000e6);
        sellCalls(dave, 200e18, 10e18);
        deposit(liquidator, usd, 100_000e6);
        harness.creditForTest(insurance, COLLATERAL_DOMAIN, address(usd), 10e18);
        // Far past MM: the account's equity goes negative.
        for (uint256 i; i < 6; ++i) {
            vm.warp(block.timestamp + 60);
            (, int256 spot,,,) = feed.latestRoundData();
            moveSpot(spot * 119 / 100);
            postVol(0.6e18);
        }
        assertLt(market.health(dave).result.equity, 0, "insolvent");
        int256 total = market.cash(dave) + market.cash(liquidator) + market.cash(insurance);
        vm.prank(liquidator);
        market.liquidate(dave, 1e18, recipients(erin));
        assertEq(market.cash(dave), 0, "square");
        assertEq(market.cash(insurance), 0, "the fund paid what it had");
        uint256 badDebt = market.badDebt();
        assertGt(badDebt, 0);
        assertEq(
            market.cash(dave) + market.cash(liquidator) + market.cash(insurance),
            total + int256(badDebt),
            "zero-sum but for the recorded bad debt"
        );
    }

    function test_RevertWhen_LiquidatingBadly() public {
        deposit(dave, weth, 2e18);
        sellCalls(dave, 200e18, 10e18);
        deposit(liquidator, usd, 50_000e6);
        vm.startPrank(liquidator);
        vm.expectPartialRevert(IOptionsMarketBase.MarketNotLiquidatable.selector);
        market.liquidate(dave, 1e18, recipients(erin));
        vm.stopPrank();

        raiseSpotUntil(dave, liquidatable);
        vm.startPrank(liquidator);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketInvalidFraction.selector, 0)
        );
        market.liquidate(dave, 0, recipients(erin));
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketInvalidFraction.selector, 1e18 + 1)
        );
        market.liquidate(dave, 1e18 + 1, recipients(erin));
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketMissingRecipient.selector, COLLATERAL_DOMAIN
            )
        );
        market.liquidate(dave, 1e18, recipients(address(0)));
        vm.stopPrank();
        vm.prank(dave);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsMarketBase.MarketSelfLiquidation.selector, dave)
        );
        market.liquidate(dave, 1e18, recipients(dave));
    }

    function test_RevertWhen_LiquidatingInsideTheGraceAfterAStaleFeed() public {
        deposit(dave, weth, 2e18);
        sellCalls(dave, 200e18, 10e18);
        deposit(liquidator, usd, 50_000e6);
        raiseSpotUntil(dave, liquidatable);
        vm.warp(block.timestamp + 2 hours); // both feeds stale
        market.pokeFeeds();
        refreshFeeds();
        market.pokeFeeds(); // recovered now: the grace starts
        vm.prank(liquidator);
        vm.expectRevert(IOptionsMarketBase.MarketLiquidationsPaused.selector);
        market.liquidate(dave, 1e18, recipients(erin));

        vm.warp(block.timestamp + liquidationParams().liquidationGrace);
        refreshFeeds();
        vm.prank(liquidator);
        market.liquidate(dave, 1e18, recipients(erin));
    }

    function test_handle_OnlyACreditOfAKnownTokenEntersTheLedger() public {
        bytes memory unknown = AppMessage.encodeCredit(
            AppMessage.Credit({account: dave, token: address(0xBEEF), amount: 1e18, depositId: 0})
        );
        vm.prank(address(marketBox));
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketUnknownToken.selector, COLLATERAL_DOMAIN, address(0xBEEF)
            )
        );
        harness.handle(COLLATERAL_DOMAIN, address(vault), unknown);

        bytes memory release = AppMessage.encodeRelease(
            AppMessage.Payout({
                account: dave, token: address(weth), amount: 1, recipient: dave, id: 0
            })
        );
        vm.prank(address(marketBox));
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsMarketBase.MarketUnexpectedMessage.selector, AppMessage.RELEASE
            )
        );
        harness.handle(COLLATERAL_DOMAIN, address(vault), release);

        bytes memory toNobody = AppMessage.encodeCredit(
            AppMessage.Credit({account: address(0), token: address(weth), amount: 1, depositId: 0})
        );
        vm.prank(address(marketBox));
        vm.expectRevert(IOptionsMarketBase.MarketZeroAddress.selector);
        harness.handle(COLLATERAL_DOMAIN, address(vault), toNobody);

        vm.prank(address(marketBox));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMessageApp.RecipientUntrustedSender.selector, COLLATERAL_DOMAIN, address(this)
            )
        );
        harness.handle(COLLATERAL_DOMAIN, address(this), unknown);
    }

    function test_handle_AFailedCreditIsRecordedAndMovesNothing() public {
        vm.prank(owner);
        market.setCollateralToken(COLLATERAL_DOMAIN, address(weth), WETH_HAIRCUT, false, 18);
        mintAndApprove(dave, weth, 1e18);
        vm.prank(dave);
        vault.deposit(address(weth), 1e18, dave);
        vm.expectEmit(false, false, false, false, address(marketBox));
        emit IMailbox.MessageFailed(bytes32(0), "");
        relay();
        assertEq(market.credit(dave, COLLATERAL_DOMAIN, address(weth)), 0);
        assertEq(market.pool(COLLATERAL_DOMAIN, address(weth)), 0);
    }
}
