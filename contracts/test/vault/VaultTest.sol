// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {ICollateralVault} from "../../src/interfaces/ICollateralVault.sol";
import {AppMessage} from "../../src/libraries/AppMessage.sol";
import {Mailbox} from "../../src/messaging/Mailbox.sol";
import {FaucetToken} from "../../src/tokens/FaucetToken.sol";
import {CollateralVault} from "../../src/vault/CollateralVault.sol";
import {BaseTest} from "../BaseTest.sol";
import {MockFeed} from "../helpers/MockFeed.sol";
import {FakeMarket} from "./FakeMarket.sol";
import {MessageCarrier} from "./MessageCarrier.sol";

/// @notice A collateral chain and a market chain in one EVM: a mailbox on each, one validator
/// attesting both ways, the vault under test on the collateral side and a `FakeMarket` on the
/// market side. `relay()` carries every dispatched message across by hand.
abstract contract VaultTest is BaseTest, MessageCarrier {
    uint32 internal constant COLLATERAL = 31_337;
    uint32 internal constant MARKET = 31_338;

    uint128 internal constant USDC_CAPACITY = 1_000_000e18;
    uint128 internal constant USDC_REFILL = 10e18;
    uint128 internal constant WETH_CAPACITY = 100e18;
    uint128 internal constant WETH_REFILL = 1e15;
    uint64 internal constant WETH_HAIRCUT = 0.1e18;
    uint32 internal constant FEED_MAX_AGE = 1 hours;
    /// @dev 3000 USD, 8 decimals.
    int256 internal constant ETH_PRICE = 3000e8;

    Mailbox internal collateralMailbox;
    Mailbox internal marketMailbox;
    CollateralVault internal vault;
    FakeMarket internal market;
    FaucetToken internal usdc;
    FaucetToken internal weth;
    MockFeed internal ethFeed;

    address internal validator;
    uint256 internal validatorKey;
    address internal liquidator = makeAddr("liquidator");

    function setUp() public virtual override {
        super.setUp();
        (validator, validatorKey) = makeAddrAndKey("validator");
        collateralMailbox = deployMailbox(COLLATERAL);
        marketMailbox = deployMailbox(MARKET);
        address[] memory set = new address[](1);
        set[0] = validator;

        vault = new CollateralVault(address(collateralMailbox), MARKET, owner, guardian);
        market = new FakeMarket(address(marketMailbox), owner);
        usdc = deployUsdc();
        weth = deployWeth();
        ethFeed = new MockFeed(8, ETH_PRICE);
        vm.label(address(vault), "CollateralVault");
        vm.label(address(market), "FakeMarket");

        vm.startPrank(owner);
        collateralMailbox.setValidators(MARKET, set, 1);
        marketMailbox.setValidators(COLLATERAL, set, 1);
        vault.setTrustedRemote(MARKET, address(market));
        market.setTrustedRemote(COLLATERAL, address(vault));
        vault.listToken(address(usdc), usdcConfig());
        vault.listToken(address(weth), wethConfig());
        vm.stopPrank();

        vm.recordLogs();
    }

    function usdcConfig() internal pure returns (ICollateralVault.TokenConfig memory) {
        return ICollateralVault.TokenConfig({
            haircut: 0,
            feed: AggregatorV3Interface(address(0)),
            maxAge: 0,
            outflowCapacity: USDC_CAPACITY,
            outflowRefillPerSecond: USDC_REFILL
        });
    }

    function wethConfig() internal view returns (ICollateralVault.TokenConfig memory) {
        return ICollateralVault.TokenConfig({
            haircut: WETH_HAIRCUT,
            feed: ethFeed,
            maxAge: FEED_MAX_AGE,
            outflowCapacity: WETH_CAPACITY,
            outflowRefillPerSecond: WETH_REFILL
        });
    }

    /// @dev Delivers every message dispatched since the last call, on either mailbox, in order.
    /// @return The delivered messages, as `retry` takes them.
    function relay() internal returns (bytes[] memory) {
        return carry(collateralMailbox, marketMailbox, validatorKey);
    }

    /// @dev Relays exactly one message and returns it.
    function relayOne() internal returns (bytes memory) {
        bytes[] memory delivered = relay();
        assertEq(delivered.length, 1, "one message in flight");
        return delivered[0];
    }

    /// @dev `from` deposits `amount` of `token` for `account`; the CREDIT is relayed to the market.
    function depositAndRelay(address from, FaucetToken token, uint256 amount, address account)
        internal
        returns (bytes32 depositId)
    {
        fund(from, address(token), amount);
        vm.prank(from);
        depositId = vault.deposit(address(token), amount, account);
        relayOne();
    }

    /// @dev `account` parks `amount` of `token` as reserve.
    function reserveFor(address account, address token, uint256 amount) internal {
        fund(account, token, amount);
        vm.prank(account);
        vault.depositReserve(token, amount);
    }

    /// @dev Mints `amount` of `token` to `account` and approves the vault for it.
    function fund(address account, address token, uint256 amount) internal {
        deal(token, account, IERC20(token).balanceOf(account) + amount);
        vm.prank(account);
        IERC20(token).approve(address(vault), type(uint256).max);
    }

    /// @dev The market sends a RELEASE and it is relayed; returns the delivered message.
    function releaseAndRelay(
        address account,
        address token,
        uint256 amountWad,
        address recipient,
        bytes32 id
    ) internal returns (bytes memory) {
        market.release(COLLATERAL, payout(account, token, amountWad, recipient, id));
        return relayOne();
    }

    /// @dev The market sends a MARGIN_CALL and it is relayed, with any CREDITs it triggers.
    function marginCallAndRelay(address account, uint256 deficit, uint64 deadline, bytes32 callId)
        internal
        returns (bytes memory message)
    {
        sendMarginCall(account, deficit, deadline, callId);
        message = relayOne();
        relay();
    }

    /// @dev The market sends a MARGIN_CALL; nothing is relayed yet.
    function sendMarginCall(address account, uint256 deficit, uint64 deadline, bytes32 callId)
        internal
        returns (bytes32 id)
    {
        return market.marginCall(
            COLLATERAL,
            AppMessage.MarginCall({
                account: account, deficit: deficit, deadline: deadline, callId: callId
            })
        );
    }

    function payout(
        address account,
        address token,
        uint256 amountWad,
        address recipient,
        bytes32 id
    ) internal pure returns (AppMessage.Payout memory) {
        return AppMessage.Payout({
            account: account, token: token, amount: amountWad, recipient: recipient, id: id
        });
    }

    /// @dev The vault holds exactly what it accounts for, token by token.
    function assertBalanceAccounted(address token) internal view {
        assertEq(
            IERC20(token).balanceOf(address(vault)),
            vault.committed(token) + vault.totalReserve(token),
            "balance == committed + reserves"
        );
    }
}
