// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title IFaucetToken
/// @notice Collateral ERC-20 for local devnets and public testnets: anyone may `drip` a fixed
/// amount to themselves once per cooldown, and the owner may mint freely to set up tests.
/// @dev Amounts are in the token's smallest unit (`10 ** decimals()` per whole token); times and
/// cooldowns are in seconds, compared with `block.timestamp`. Supports EIP-2612 `permit` with the
/// EIP-712 domain (name = token name, version = "1").
interface IFaucetToken is IERC20Metadata, IERC20Permit {
    /// @notice `account` received `amount` from the faucet and may drip again at `nextDripAt`.
    event Dripped(address indexed account, uint256 amount, uint256 nextDripAt);

    /// @notice The amount minted per drip changed from `previousAmount` to `newAmount`.
    event DripAmountChanged(uint256 previousAmount, uint256 newAmount);

    /// @notice The wait between two drips of one account changed from `previousCooldown` to
    /// `newCooldown` seconds.
    event DripCooldownChanged(uint256 previousCooldown, uint256 newCooldown);

    /// @notice `account` dripped within the cooldown; it may drip again at `nextDripAt`.
    error FaucetTokenDripTooSoon(address account, uint256 nextDripAt);

    /// @notice A cooldown of `cooldown` seconds exceeds the maximum of `maxCooldown` seconds.
    error FaucetTokenDripCooldownTooLong(uint256 cooldown, uint256 maxCooldown);

    /// @notice Mints `dripAmount()` to the caller and starts the caller's cooldown.
    /// @dev Reverts with `FaucetTokenDripTooSoon` before `nextDripAt(msg.sender)`. The cooldown is
    /// fixed when the drip happens: a later `setDripCooldown` moves only later drips' waits.
    /// Emits `Dripped` and the ERC-20 `Transfer` from the zero address.
    function drip() external;

    /// @notice Mints `amount` to `to` without any cooldown; for test and deployment set-up.
    /// @dev Owner only. Reverts with OpenZeppelin's `ERC20InvalidReceiver` when `to` is the zero
    /// address. Emits the ERC-20 `Transfer` from the zero address.
    /// @param to The recipient of the new tokens.
    /// @param amount The amount to mint, in the token's smallest unit.
    function mint(address to, uint256 amount) external;

    /// @notice Sets the amount minted per drip; applies from the next drip on.
    /// @dev Owner only. Zero is allowed and turns the faucet into a no-op that still starts
    /// cooldowns. Emits `DripAmountChanged`.
    /// @param newDripAmount The new amount per drip, in the token's smallest unit.
    function setDripAmount(uint256 newDripAmount) external;

    /// @notice Sets the wait between two drips of one account; applies from the next drip on.
    /// @dev Owner only. Reverts with `FaucetTokenDripCooldownTooLong` above
    /// `MAX_DRIP_COOLDOWN()`. Zero lets an account drip any number of times. Emits
    /// `DripCooldownChanged`.
    /// @param newDripCooldown The new cooldown, in seconds.
    function setDripCooldown(uint256 newDripCooldown) external;

    /// @notice The longest cooldown the owner may set, in seconds.
    /// @return The maximum cooldown, in seconds.
    function MAX_DRIP_COOLDOWN() external view returns (uint256);

    /// @notice The amount each drip mints.
    /// @return The amount per drip, in the token's smallest unit.
    function dripAmount() external view returns (uint256);

    /// @notice The wait between two drips of one account.
    /// @return The cooldown, in seconds.
    function dripCooldown() external view returns (uint256);

    /// @notice When `account` may drip next.
    /// @param account The account to look up.
    /// @return The earliest `block.timestamp` at which `account` may drip; zero if it never has.
    function nextDripAt(address account) external view returns (uint256);
}
