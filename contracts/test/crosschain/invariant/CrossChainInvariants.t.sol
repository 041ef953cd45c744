// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";

import {AggregatorV3Interface} from "../../../src/interfaces/AggregatorV3Interface.sol";
import {ICollateralVault} from "../../../src/interfaces/ICollateralVault.sol";
import {Margin} from "../../../src/libraries/Margin.sol";
import {CrossChainTest} from "../CrossChainTest.sol";
import {CrossChainHandler} from "./CrossChainHandler.sol";

/// @notice DESIGN.md §7 across the market, a vault and both mailboxes, with messages late,
/// offered twice and channels overtaking each other (`CrossChainHandler`):
/// 1. the vault holds the credits on the market plus what is in flight, and at rest exactly them;
/// 2. every message executes at most once, in channel order;
/// 3. trading, liquidation and settlement move cash zero-sum (bad debt aside);
/// 4. no account's own order or withdrawal leaves it below IM;
/// 5. reorgs are the relayer's to survive (it waits for finality before it carries a message),
///    so no property here: one EVM never reorgs;
/// 6. a margin call never moves reserve after its deadline, and a liquidation never seizes more
///    than the credit it removed.
/// Every account is funded through the vault, so the books balance exactly; the harness's own
/// cash for alice, bob and carol (MarketTest) is counted as minted.
/// Each invariant is its own campaign (9 of them): deep runs, fewer of them, keep CI near a
/// minute and a half on two cores.
/// forge-config: default.invariant.runs = 32
/// forge-config: default.invariant.depth = 128
/// forge-config: ci.invariant.runs = 64
/// forge-config: ci.invariant.depth = 128
contract CrossChainInvariantTest is CrossChainTest {
    uint256 internal constant USD_UNIT = 1e12;
    uint256 internal constant MINTED = 3 * CASH;
    uint128 internal constant USD_OUTFLOW_CAPACITY = 10_000e18;
    uint128 internal constant USD_OUTFLOW_REFILL = 2e18; // 7,200 USD an hour
    uint128 internal constant WETH_OUTFLOW_CAPACITY = 10e18;
    uint128 internal constant WETH_OUTFLOW_REFILL = 0.001e18; // 3.6 WETH an hour
    uint256 internal constant TO_MARKET = 0;
    uint256 internal constant TO_VAULT = 1;

    CrossChainHandler internal handler;
    address internal frank = makeAddr("frank");
    address internal gina = makeAddr("gina");
    address internal seizeRecipient = makeAddr("seizeRecipient");
    uint32 internal shortCallId;
    uint32 internal putId;

    function setUp() public override {
        super.setUp();
        vm.startPrank(owner);
        // Buckets small enough that payouts close together hit the limit.
        vault.listToken(
            address(usd),
            outflowConfig(
                0, AggregatorV3Interface(address(0)), 0, USD_OUTFLOW_CAPACITY, USD_OUTFLOW_REFILL
            )
        );
        vault.listToken(
            address(weth),
            outflowConfig(
                WETH_HAIRCUT, feed, FEED_MAX_AGE, WETH_OUTFLOW_CAPACITY, WETH_OUTFLOW_REFILL
            )
        );
        shortCallId =
            market.listSeries(STRIKE, uint64(block.timestamp + 6 hours), true, TICK, LOT, MAX_TICK);
        putId = market.listSeries(2700e18, expiry, false, TICK, LOT, MAX_TICK);
        vm.stopPrank();

        address[] memory traders = new address[](5);
        (traders[0], traders[1], traders[2], traders[3], traders[4]) =
        (dave, erin, frank, gina, liquidator);
        for (uint256 i; i < 4; ++i) {
            deposit(traders[i], usd, 2000e6);
            deposit(traders[i], weth, 1e18);
        }
        deposit(liquidator, usd, 400_000e6);
        deposit(insurance, usd, 2000e6);

        address[] memory holders = new address[](10);
        for (uint256 i; i < 5; ++i) {
            holders[i] = traders[i];
        }
        (holders[5], holders[6], holders[7], holders[8], holders[9]) =
        (feeAccount, insurance, alice, bob, carol);
        uint32[] memory series = new uint32[](3);
        (series[0], series[1], series[2]) = (callId, shortCallId, putId);

        handler = new CrossChainHandler(
            CrossChainHandler.Deployment({
                market: market,
                vault: vault,
                marketBox: marketBox,
                collateralBox: collateralBox,
                validatorKey: validatorKey,
                spotFeed: feed,
                volFeed: volFeed,
                oracleKeys: firstKeys(2),
                usd: usd,
                weth: weth,
                collateralDomain: COLLATERAL_DOMAIN,
                accounts: traders,
                cashHolders: holders,
                seizeRecipient: seizeRecipient,
                series: series,
                usdOutflowCapacity: USD_OUTFLOW_CAPACITY
            })
        );
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: weightedActions()}));
    }

    /// @dev The actions, weighted by repetition: trading, price moves, margin calls and
    /// deliveries drive the rest.
    function weightedActions() internal pure returns (bytes4[] memory actions) {
        bytes4[40] memory weighted = [
            CrossChainHandler.deposit.selector,
            CrossChainHandler.deposit.selector,
            CrossChainHandler.depositReserve.selector,
            CrossChainHandler.depositReserve.selector,
            CrossChainHandler.withdrawReserve.selector,
            CrossChainHandler.place.selector,
            CrossChainHandler.place.selector,
            CrossChainHandler.trade.selector,
            CrossChainHandler.trade.selector,
            CrossChainHandler.trade.selector,
            CrossChainHandler.cancel.selector,
            CrossChainHandler.cancelOrdersOfUncovered.selector,
            CrossChainHandler.moveSpot.selector,
            CrossChainHandler.moveSpot.selector,
            CrossChainHandler.moveSpot.selector,
            CrossChainHandler.moveSpot.selector,
            CrossChainHandler.refreshVol.selector,
            CrossChainHandler.warp.selector,
            CrossChainHandler.warp.selector,
            CrossChainHandler.staleFeedsThenRecover.selector,
            CrossChainHandler.pokeFeeds.selector,
            CrossChainHandler.marginCall.selector,
            CrossChainHandler.marginCall.selector,
            CrossChainHandler.marginCall.selector,
            CrossChainHandler.marginCall.selector,
            CrossChainHandler.marginCall.selector,
            CrossChainHandler.closeMarginCall.selector,
            CrossChainHandler.liquidate.selector,
            CrossChainHandler.liquidate.selector,
            CrossChainHandler.withdraw.selector,
            CrossChainHandler.withdraw.selector,
            CrossChainHandler.settle.selector,
            CrossChainHandler.deliver.selector,
            CrossChainHandler.deliver.selector,
            CrossChainHandler.deliver.selector,
            CrossChainHandler.deliver.selector,
            CrossChainHandler.deliver.selector,
            CrossChainHandler.deliverTwice.selector,
            CrossChainHandler.deliverOutOfOrder.selector,
            CrossChainHandler.retry.selector
        ];
        actions = new bytes4[](40);
        for (uint256 i; i < 40; ++i) {
            actions[i] = weighted[i];
        }
    }

    function outflowConfig(
        uint64 haircut,
        AggregatorV3Interface priceFeed,
        uint32 maxAge,
        uint128 capacity,
        uint128 refill
    ) internal pure returns (ICollateralVault.TokenConfig memory) {
        return ICollateralVault.TokenConfig({
            haircut: haircut,
            feed: priceFeed,
            maxAge: maxAge,
            outflowCapacity: capacity,
            outflowRefillPerSecond: refill
        });
    }

    // ------------------------------------------------------------------------------ §7.1

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_TheVaultsWethIsTheCreditsPlusWhatIsInFlight() public view {
        uint256 credits = wethCredits();
        address token = address(weth);
        assertEq(market.pool(COLLATERAL_DOMAIN, token), credits, "pool == sum of credits");
        assertEq(
            vault.committed(token),
            credits + handler.ghost_creditsInFlight(token) + handler.ghost_payoutsInFlight(token),
            "committed == credits + CREDITs in flight + RELEASEs and SEIZEs in flight"
        );
        assertEq(
            weth.balanceOf(address(vault)),
            vault.committed(token) + vault.totalReserve(token),
            "balance == committed + reserves"
        );
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_TheVaultsUsdBacksAllCashLessBadDebtPlusWhatIsInFlight() public view {
        address token = address(usd);
        uint256 inFlight =
            handler.ghost_creditsInFlight(token) + handler.ghost_payoutsInFlight(token);
        int256 backing = cashSum() - int256(MINTED) - int256(market.badDebt()) + int256(inFlight);
        assertEq(
            int256(vault.committed(token) * USD_UNIT),
            backing,
            "committed == cash - minted - bad debt + in flight"
        );
        assertEq(
            market.pool(COLLATERAL_DOMAIN, token) + inFlight,
            vault.committed(token) * USD_UNIT,
            "pool + in flight == committed"
        );
        assertEq(
            usd.balanceOf(address(vault)),
            vault.committed(token) + vault.totalReserve(token),
            "balance == committed + reserves"
        );
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_AtRestTheVaultThePoolAndTheCreditsAgree() public view {
        if (handler.inFlight() != 0) return;
        assertAtRest();
    }

    // ------------------------------------------------------------------------------ §7.2

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_EveryMessageIsExecutedAtMostOnceAndInChannelOrder() public view {
        assertEq(handler.ghost_executedTwice(), 0, "a message or an app id executed twice");
        assertEq(handler.ghost_unknownExecutions(), 0, "a message nobody dispatched executed");
        assertEq(handler.ghost_acceptedTwiceOrOutOfOrder(), 0, "a replay or a jump was accepted");
        assertEq(handler.ghost_stateMovedOnRefusal(), 0, "a refused delivery moved something");
        assertEq(
            marketBox.inboundNonce(COLLATERAL_DOMAIN),
            handler.deliveredOn(TO_MARKET),
            "vault -> market: delivered in channel order"
        );
        assertEq(
            collateralBox.inboundNonce(MARKET_DOMAIN),
            handler.deliveredOn(TO_VAULT),
            "market -> vault: delivered in channel order"
        );
    }

    // ------------------------------------------------------------------------------ §7.3

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_TradingLiquidationAndSettlementMoveCashZeroSum() public view {
        assertEq(
            cashSum() - int256(MINTED) - int256(market.badDebt()),
            handler.ghost_netQuoteFlow(),
            "cash - bad debt changes only by quote deposits and withdrawals"
        );
        assertEq(handler.ghost_zeroSumBreaks(), 0, "a trade, liquidation or settlement minted cash");
    }

    // ------------------------------------------------------------------------------ §7.4

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_NoAccountsOwnActionLeavesItBelowInitialMargin() public view {
        assertEq(handler.ghost_belowImAfterOwnAction(), 0, "an own action left E < IM + orders");
    }

    // ------------------------------------------------------------------------------ §7.6

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_AMarginCallNeverMovesReserveAfterItsDeadline() public view {
        assertEq(handler.ghost_lateCallsThatMovedReserve(), 0, "a late margin call moved reserve");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_ALiquidationNeverSeizesMoreThanTheCreditItRemoved() public view {
        assertEq(handler.ghost_seizedMoreThanRemoved(), 0, "seized more than removed");
        bytes32[] memory ids = handler.liquidationIds();
        for (uint256 i; i < ids.length; ++i) {
            uint256 removed = handler.ghost_creditRemoved(ids[i]);
            assertEq(handler.ghost_seizeSent(ids[i]), removed, "SEIZE sent == credit removed");
            assertLe(handler.ghost_seizePaid(ids[i]), removed, "SEIZE paid <= credit removed");
        }
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_OnlyExpectedRefusalsAndFailures() public view {
        assertEq(handler.ghost_unexpectedRefusals(), 0, string(handler.lastUnexpected()));
    }

    /// @dev Once the relayer catches up (buckets refilled, failed payouts retried), nothing is
    /// in flight and the books agree exactly; and the run's reach is logged.
    function afterInvariant() public {
        bool caughtUp = handler.drain();
        logReach();
        assertEq(handler.ghost_unexpectedRefusals(), 0, string(handler.lastUnexpected()));
        assertTrue(caughtUp, "the relayer could not catch up");
        assertAtRest();
    }

    // ------------------------------------------------------------------------------ reach

    /// @dev The handlers really get to margin calls, top-ups, late calls, liquidations, rate
    /// limits and retries, withdrawals, refused replays and settlement.
    function test_handlerReachesTheInterestingStates() public {
        // Dave sells calls to erin: a short to be margined. Prices are near the model's.
        handler.place(0, 0, false, 10_000, 100, 2);
        handler.place(1, 0, true, 11_000, 100, 2);
        assertGt(handler.ghost_fills(), 0, "a fill");
        assertLt(position(dave, callId), 0, "dave is short");
        // Seed 5 is dave, opting in to auto top-up.
        handler.depositReserve(5, false, 2000e6);
        assertTrue(vault.autoTopUp(dave));

        // Up until dave is in margin call; a margin call, its top-up, then closed.
        raiseSpotUntilHandler(dave, inMarginCall);
        handler.marginCall(0);
        assertEq(handler.ghost_marginCalls(), 1, "a margin call");
        handler.deliver(TO_VAULT, 1); // MARGIN_CALL -> top-up -> CREDIT queued
        assertEq(handler.ghost_topUps(), 1, "a top-up");
        handler.deliverOutOfOrder(TO_VAULT, 1); // nothing queued behind: a no-op
        handler.deliver(TO_MARKET, 1); // the CREDIT lands
        handler.closeMarginCall(0);
        assertEq(handler.ghost_marginCallsClosed(), 1, "closed at IM again");
        handler.deliverTwice(0);
        assertGt(handler.ghost_duplicatesRefused(), 0, "a replay refused");

        // Up again: a margin call delivered after its deadline moves nothing.
        raiseSpotUntilHandler(dave, inMarginCall);
        handler.marginCall(0);
        handler.warp(604); // a multiple of 4: past the 600 s window
        handler.deliver(TO_VAULT, 1);
        assertEq(handler.ghost_lateCalls(), 1, "a late call");

        // Further up: dave is liquidated; his WETH is seized on the collateral chain.
        raiseSpotUntilHandler(dave, liquidatable);
        handler.liquidate(0, 0); // fraction seed 0: the whole account
        assertEq(handler.ghost_liquidations(), 1, "a liquidation");
        handler.deliver(TO_VAULT, 6);
        assertEq(handler.ghost_seizes(), 1, "a SEIZE paid");
        assertEq(weth.balanceOf(seizeRecipient), 1e18, "to the liquidator's recipient");

        // Two large WETH withdrawals: the second is over the bucket, fails, is retried later.
        handler.deposit(2, true, 6e18);
        handler.deposit(3, true, 6e18);
        handler.deliver(TO_MARKET, 2);
        handler.withdraw(2, true, 6e18);
        handler.withdraw(3, true, 6e18);
        assertEq(handler.ghost_withdrawals(), 2, "withdrawals");
        handler.deliverOutOfOrder(TO_VAULT, 1);
        assertEq(handler.ghost_outOfOrderRefused(), 1, "a jump refused");
        handler.deliver(TO_VAULT, 2);
        assertEq(handler.ghost_releases(), 1, "one released");
        assertEq(handler.ghost_rateLimited(), 1, "one rate limited");
        handler.retry(0);
        assertEq(handler.ghost_retriesRefused(), 1, "the bucket is still empty");
        handler.warp(2 hours);
        handler.retry(0);
        assertEq(handler.ghost_retried(), 1, "retried once it refilled");
        assertEq(handler.ghost_releases(), 2);

        // Past the short call's expiry: settled, then everything carried: the books agree.
        handler.place(2, 1, false, 10_000, 10, 2);
        handler.place(3, 1, true, 11_000, 10, 2);
        handler.warp(2 hours);
        handler.warp(2 hours);
        handler.warp(2 hours);
        handler.settle(1);
        assertEq(handler.ghost_seriesSettled(), 1, "a series settled");
        assertGt(handler.ghost_positionsSettled(), 0, "positions settled");

        invariant_TheVaultsWethIsTheCreditsPlusWhatIsInFlight();
        invariant_TheVaultsUsdBacksAllCashLessBadDebtPlusWhatIsInFlight();
        invariant_EveryMessageIsExecutedAtMostOnceAndInChannelOrder();
        invariant_TradingLiquidationAndSettlementMoveCashZeroSum();
        invariant_NoAccountsOwnActionLeavesItBelowInitialMargin();
        invariant_AMarginCallNeverMovesReserveAfterItsDeadline();
        invariant_ALiquidationNeverSeizesMoreThanTheCreditItRemoved();
        invariant_OnlyExpectedRefusalsAndFailures();
        assertTrue(handler.drain());
        assertAtRest();
    }

    // ------------------------------------------------------------------------------ helpers

    /// @dev Moves spot up 3% a round through the handler until `account` reaches `state`.
    function raiseSpotUntilHandler(address account, function(address) view returns (bool) reached)
        internal
    {
        for (uint256 i; i < 40 && !reached(account); ++i) {
            handler.moveSpot(300);
        }
        assertTrue(reached(account), "spot never got the account there");
    }

    /// @dev §7.1 at rest: vault committed == pool == Σ credits for WETH, committed == pool for
    /// USD, and both balances hold exactly committed + reserves.
    function assertAtRest() internal view {
        uint256 credits = wethCredits();
        assertEq(vault.committed(address(weth)), credits, "at rest: committed == credits");
        assertEq(market.pool(COLLATERAL_DOMAIN, address(weth)), credits, "at rest: pool == credits");
        assertEq(
            vault.committed(address(usd)) * USD_UNIT,
            market.pool(COLLATERAL_DOMAIN, address(usd)),
            "at rest: usd committed == pool"
        );
        assertEq(
            int256(vault.committed(address(usd)) * USD_UNIT),
            cashSum() - int256(MINTED) - int256(market.badDebt()),
            "at rest: usd committed == cash - minted - bad debt"
        );
    }

    function wethCredits() internal view returns (uint256 sum) {
        address[] memory accounts = handler.accounts();
        for (uint256 i; i < accounts.length; ++i) {
            sum += market.credit(accounts[i], COLLATERAL_DOMAIN, address(weth));
        }
    }

    function cashSum() internal view returns (int256 sum) {
        address[] memory holders = handler.cashHolders();
        for (uint256 i; i < holders.length; ++i) {
            sum += market.cash(holders[i]);
        }
    }

    function logReach() internal view {
        console.log("deposits", handler.ghost_deposits(), "reserves", handler.ghost_reserves());
        console.log(
            "orders", handler.ghost_ordersPlaced(), "refused", handler.ghost_ordersRefused()
        );
        console.log("fills", handler.ghost_fills(), "cancels", handler.ghost_cancels());
        console.log(
            "marginCalls", handler.ghost_marginCalls(), "closed", handler.ghost_marginCallsClosed()
        );
        console.log("topUps", handler.ghost_topUps(), "lateCalls", handler.ghost_lateCalls());
        console.log(
            "liquidations",
            handler.ghost_liquidations(),
            "paused",
            handler.ghost_liquidationsPaused()
        );
        console.log(
            "insurance", handler.ghost_insuranceUsed(), "badDebts", handler.ghost_badDebts()
        );
        console.log(
            "withdrawals",
            handler.ghost_withdrawals(),
            "refused",
            handler.ghost_withdrawalsRefused()
        );
        console.log("releases", handler.ghost_releases(), "seizes", handler.ghost_seizes());
        console.log("rateLimited", handler.ghost_rateLimited(), "retried", handler.ghost_retried());
        console.log(
            "deliveries",
            handler.ghost_deliveries(),
            "dupRefused",
            handler.ghost_duplicatesRefused()
        );
        console.log(
            "outOfOrderRefused",
            handler.ghost_outOfOrderRefused(),
            "settled",
            handler.ghost_seriesSettled()
        );
    }
}
