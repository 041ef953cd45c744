// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {Mailbox} from "../src/messaging/Mailbox.sol";
import {FaucetToken} from "../src/tokens/FaucetToken.sol";

/// @notice Shared actors and deploy helpers for every contract test.
abstract contract BaseTest is Test {
    /// @dev A realistic start time, so cooldowns and deadlines never sit next to zero.
    uint256 internal constant START_TIME = 1_700_000_000;

    uint8 internal constant USDC_DECIMALS = 6;
    uint256 internal constant USDC_DRIP_AMOUNT = 1000e6;
    uint8 internal constant WETH_DECIMALS = 18;
    uint256 internal constant WETH_DRIP_AMOUNT = 1e18;
    uint256 internal constant DRIP_COOLDOWN = 1 days;

    address internal owner = makeAddr("owner");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal guardian = makeAddr("guardian");

    function setUp() public virtual {
        vm.warp(START_TIME);
    }

    /// @dev A USDC-like collateral token owned by `owner`.
    function deployUsdc() internal returns (FaucetToken) {
        return deployFaucetToken("USD Coin", "USDC", USDC_DECIMALS, USDC_DRIP_AMOUNT, DRIP_COOLDOWN);
    }

    /// @dev A WETH-like collateral token owned by `owner`.
    function deployWeth() internal returns (FaucetToken) {
        return
            deployFaucetToken(
                "Wrapped Ether", "WETH", WETH_DECIMALS, WETH_DRIP_AMOUNT, DRIP_COOLDOWN
            );
    }

    function deployFaucetToken(
        string memory name,
        string memory symbol,
        uint8 decimals,
        uint256 dripAmount,
        uint256 dripCooldown
    ) internal returns (FaucetToken token) {
        token = new FaucetToken(name, symbol, decimals, dripAmount, dripCooldown, owner);
        vm.label(address(token), symbol);
    }

    /// @dev A mailbox serving `domain`, owned by `owner` and paused by `guardian`.
    function deployMailbox(uint32 domain) internal returns (Mailbox mailbox) {
        mailbox = new Mailbox(domain, owner, guardian);
        vm.label(address(mailbox), string.concat("Mailbox-", vm.toString(domain)));
    }
}
