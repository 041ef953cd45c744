// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOptionsMarket, IOptionsMarketBase} from "../../src/interfaces/IOptionsMarket.sol";
import {IPriceFeed} from "../../src/interfaces/IPriceFeed.sol";
import {Margin} from "../../src/libraries/Margin.sol";
import {MarginEngine} from "../../src/market/MarginEngine.sol";
import {MarketAdmin} from "../../src/market/MarketAdmin.sol";
import {MarketCollateral} from "../../src/market/MarketCollateral.sol";
import {PriceFeed} from "../../src/oracle/PriceFeed.sol";
import {OptionsMarketHarness} from "../helpers/OptionsMarketHarness.sol";
import {OracleTest} from "../oracle/OracleTest.sol";

/// @notice A market on real signed price feeds (ETH/USD at 3,000, ETH IV at 60%), with one listed
/// call, a quote token and WETH as collateral on the collateral domain, and funded traders.
abstract contract MarketTest is OracleTest {
    uint32 internal constant COLLATERAL_DOMAIN = 31_337;
    address internal constant USD = address(0x05D);
    address internal constant WETH = address(0xE7);
    uint64 internal constant WETH_HAIRCUT = 0.1e18;
    uint32 internal constant LATENCY = 600;
    uint128 internal constant STRIKE = 3000e18;
    uint128 internal constant TICK = 0.1e18; // $0.10 of premium per contract
    uint128 internal constant LOT = 0.1e18; // 0.1 contracts
    uint16 internal constant MAX_TICK = 60_000; // $6,000
    uint256 internal constant CASH = 100_000e18;
    uint256 internal constant MAX_FILLS = 20;
    uint16 internal constant MAKER_FEE_BPS = 10;
    uint16 internal constant TAKER_FEE_BPS = 20;

    OptionsMarketHarness internal harness;
    IOptionsMarket internal market; // the harness, by the interface users see
    PriceFeed internal volFeed;
    address internal feeAccount = makeAddr("fees");
    address internal insurance = makeAddr("insurance");
    uint32 internal callId;
    uint64 internal expiry;
    uint80 internal spotRound = 1;
    uint80 internal volRound = 1;

    function setUp() public virtual override {
        super.setUp();
        volFeed = new PriceFeed(
            ETH_IV, 18, "ETH IV", 5000, MAX_FUTURE_SKEW, true, firstSigners(3), 2, owner
        );
        post(feed, ETH_PRICE, spotRound);
        postVol(0.6e18);
        harness = deployMarket(
            IOptionsMarketBase.Setup({
                owner: owner,
                engine: new MarginEngine(),
                spotFeed: feed,
                volFeed: volFeed,
                feeAccount: feeAccount,
                insuranceFund: insurance,
                mailbox: marketMailbox()
            })
        );
        market = IOptionsMarket(address(harness));
        vm.startPrank(owner);
        market.setQuoteToken(COLLATERAL_DOMAIN, USD, 18);
        market.setCollateralToken(COLLATERAL_DOMAIN, WETH, WETH_HAIRCUT, true, 18);
        market.setDomainLatency(COLLATERAL_DOMAIN, LATENCY);
        expiry = uint64(block.timestamp + 30 days);
        callId = market.listSeries(STRIKE, expiry, true, TICK, LOT, MAX_TICK);
        vm.stopPrank();
        fund(alice, CASH);
        fund(bob, CASH);
        fund(carol, CASH);
    }

    /// @dev The market chain's mailbox; none here, the cross-chain tests give one.
    function marketMailbox() internal virtual returns (address) {
        return address(0);
    }

    /// @dev The market behind its test harness, with its two modules built from `setup`.
    function deployMarket(IOptionsMarketBase.Setup memory setup)
        internal
        returns (OptionsMarketHarness)
    {
        return new OptionsMarketHarness(
            setup,
            params(),
            liquidationParams(),
            new MarketAdmin(setup),
            new MarketCollateral(setup)
        );
    }

    function liquidationParams()
        internal
        pure
        returns (IOptionsMarketBase.LiquidationParams memory)
    {
        return IOptionsMarketBase.LiquidationParams({
            marginCallWindow: 10 minutes, liquidationGrace: 5 minutes, discount: 0.2e18
        });
    }

    function params() internal pure returns (IOptionsMarketBase.RiskParams memory) {
        return IOptionsMarketBase.RiskParams({
            margin: Margin.Params({
                uBaseMm: 0.1e18,
                uBaseIm: 0.15e18,
                volShock: 0.1e18,
                z: 2.33e18,
                shortFloor: 0.005e18,
                rate: 0
            }),
            spotMaxAge: 1 hours,
            volMaxAge: 1 hours,
            maxFills: uint16(MAX_FILLS),
            makerFeeBps: MAKER_FEE_BPS,
            takerFeeBps: TAKER_FEE_BPS
        });
    }

    function fund(address account, uint256 amount) internal {
        harness.creditForTest(account, COLLATERAL_DOMAIN, USD, amount);
    }

    /// @dev Posts a new spot round observed now (each round may move at most 20%).
    function moveSpot(int256 answer) internal {
        post(feed, answer, ++spotRound);
    }

    function postVol(int256 answer) internal {
        IPriceFeed.PriceReport memory report = IPriceFeed.PriceReport({
            feedId: ETH_IV, answer: answer, updatedAt: block.timestamp, roundId: volRound
        });
        volFeed.submit(report, signReport(report, firstKeys(2)));
        ++volRound;
    }

    /// @dev Keeps both feeds fresh after a warp.
    function refreshFeeds() internal {
        (, int256 spot,,,) = feed.latestRoundData();
        moveSpot(spot);
        (, int256 vol,,,) = volFeed.latestRoundData();
        postVol(vol);
    }

    function bid(address who, uint256 price, uint256 amount) internal returns (uint64 id) {
        vm.prank(who);
        (id,) = market.place(
            callId, true, price, amount, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS
        );
    }

    function ask(address who, uint256 price, uint256 amount) internal returns (uint64 id) {
        vm.prank(who);
        (id,) = market.place(
            callId, false, price, amount, IOptionsMarketBase.OrderKind.Limit, MAX_FILLS
        );
    }

    function position(address who, uint32 seriesId) internal view returns (int256 lots) {
        (uint32[] memory ids, int256[] memory held) = market.positionsOf(who);
        for (uint256 i; i < ids.length; ++i) {
            if (ids[i] == seriesId) return held[i];
        }
    }
}
