// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {ICollateralVault} from "../../src/interfaces/ICollateralVault.sol";
import {IOptionsMarketBase} from "../../src/interfaces/IOptionsMarket.sol";
import {Margin} from "../../src/libraries/Margin.sol";
import {Mailbox} from "../../src/messaging/Mailbox.sol";
import {FaucetToken} from "../../src/tokens/FaucetToken.sol";
import {CollateralVault} from "../../src/vault/CollateralVault.sol";
import {MarketTest} from "../market/MarketTest.sol";
import {MessageCarrier} from "../vault/MessageCarrier.sol";

/// @notice The whole mission in one EVM: the options market on the market domain with its
/// mailbox, a `CollateralVault` with test USD (6 decimals, the quote token) and WETH on the
/// collateral domain with its mailbox, one validator attesting both ways, and `relay()` carrying
/// every dispatched message across by hand. The vault prices WETH with the same signed feed the
/// market trades on, as every chain gets the same oracle rounds.
abstract contract CrossChainTest is MarketTest, MessageCarrier {
    uint32 internal constant MARKET_DOMAIN = 31_338;
    uint128 internal constant OUTFLOW_CAPACITY = 1_000_000e18;
    uint128 internal constant OUTFLOW_REFILL = 100e18;
    uint32 internal constant FEED_MAX_AGE = 1 hours;

    Mailbox internal marketBox;
    Mailbox internal collateralBox;
    CollateralVault internal vault;
    FaucetToken internal usd;
    FaucetToken internal weth;
    uint256 internal validatorKey;

    address internal dave = makeAddr("dave");
    address internal erin = makeAddr("erin");
    address internal liquidator = makeAddr("liquidator");

    function marketMailbox() internal override returns (address) {
        marketBox = deployMailbox(MARKET_DOMAIN);
        return address(marketBox);
    }

    function setUp() public virtual override {
        super.setUp();
        address validator;
        (validator, validatorKey) = makeAddrAndKey("validator");
        address[] memory set = new address[](1);
        set[0] = validator;
        collateralBox = deployMailbox(COLLATERAL_DOMAIN);
        vault = new CollateralVault(address(collateralBox), MARKET_DOMAIN, owner, guardian);
        usd = deployUsdc();
        weth = deployWeth();
        vm.label(address(vault), "CollateralVault");

        vm.startPrank(owner);
        marketBox.setValidators(COLLATERAL_DOMAIN, set, 1);
        collateralBox.setValidators(MARKET_DOMAIN, set, 1);
        // Margin-call top-ups credit two tokens; the vault asks for more than the default.
        collateralBox.setHandlerGas(500_000);
        vault.setTrustedRemote(MARKET_DOMAIN, address(market));
        harness.setTrustedRemote(COLLATERAL_DOMAIN, address(vault));
        vault.listToken(address(usd), tokenConfig(0, AggregatorV3Interface(address(0)), 0));
        vault.listToken(address(weth), tokenConfig(WETH_HAIRCUT, feed, FEED_MAX_AGE));
        market.setQuoteToken(COLLATERAL_DOMAIN, address(usd), USDC_DECIMALS);
        market.setCollateralToken(
            COLLATERAL_DOMAIN, address(weth), WETH_HAIRCUT, true, WETH_DECIMALS
        );
        vm.stopPrank();
        vm.recordLogs();
    }

    function tokenConfig(uint64 haircut, AggregatorV3Interface priceFeed, uint32 maxAge)
        internal
        pure
        returns (ICollateralVault.TokenConfig memory)
    {
        return ICollateralVault.TokenConfig({
            haircut: haircut,
            feed: priceFeed,
            maxAge: maxAge,
            outflowCapacity: OUTFLOW_CAPACITY,
            outflowRefillPerSecond: OUTFLOW_REFILL
        });
    }

    /// @dev Delivers every message either mailbox dispatched since the last call, in order.
    function relay() internal returns (bytes[] memory) {
        return carry(collateralBox, marketBox, validatorKey);
    }

    /// @dev `account` deposits `amount` token units on the collateral chain; the CREDIT lands.
    function deposit(address account, FaucetToken token, uint256 amount) internal {
        mintAndApprove(account, token, amount);
        vm.prank(account);
        vault.deposit(address(token), amount, account);
        relay();
    }

    /// @dev `account` parks `amount` token units as reserve and opts in to auto top-up.
    function reserve(address account, FaucetToken token, uint256 amount) internal {
        mintAndApprove(account, token, amount);
        vm.startPrank(account);
        vault.depositReserve(address(token), amount);
        vault.setAutoTopUp(true);
        vm.stopPrank();
    }

    function mintAndApprove(address account, FaucetToken token, uint256 amount) internal {
        deal(address(token), account, token.balanceOf(account) + amount);
        vm.prank(account);
        token.approve(address(vault), type(uint256).max);
    }

    /// @dev `account` sells `amount` calls to carol at `price`: short calls to be margined.
    function sellCalls(address account, uint256 price, uint256 amount) internal {
        bid(carol, price, amount);
        ask(account, price, amount);
    }

    /// @dev Moves spot up 1% a round (with a fresh vol) until `account` reaches `state`, at most
    /// 40 rounds; fails the test otherwise.
    function raiseSpotUntil(address account, function(address) view returns (bool) reached)
        internal
    {
        for (uint256 i; i < 40; ++i) {
            if (reached(account)) return;
            vm.warp(block.timestamp + 60);
            (, int256 spot,,,) = feed.latestRoundData();
            moveSpot(spot * 101 / 100);
            postVol(0.6e18);
        }
        assertTrue(reached(account), "spot never got the account there");
    }

    function inMarginCall(address account) internal view returns (bool) {
        return market.health(account).result.health == Margin.Health.MarginCall;
    }

    function liquidatable(address account) internal view returns (bool) {
        IOptionsMarketBase.Health memory h = market.health(account);
        return h.result.equity < int256(h.result.mm);
    }

    function recipients(address recipient)
        internal
        pure
        returns (IOptionsMarketBase.SeizeRecipient[] memory list)
    {
        list = new IOptionsMarketBase.SeizeRecipient[](1);
        list[0] =
            IOptionsMarketBase.SeizeRecipient({domain: COLLATERAL_DOMAIN, recipient: recipient});
    }

    /// @dev DESIGN §7.1 at rest for WETH: vault balance = pool = Σ credits of `accounts`.
    function assertWethConserved(address[] memory accounts) internal view {
        uint256 credits;
        for (uint256 i; i < accounts.length; ++i) {
            credits += market.credit(accounts[i], COLLATERAL_DOMAIN, address(weth));
        }
        uint256 pool = market.pool(COLLATERAL_DOMAIN, address(weth));
        assertEq(vault.committed(address(weth)), pool, "vault committed == pool");
        assertEq(pool, credits, "pool == credits");
        assertEq(
            IERC20(address(weth)).balanceOf(address(vault)),
            vault.committed(address(weth)) + vault.totalReserve(address(weth)),
            "balance == committed + reserves"
        );
    }
}
