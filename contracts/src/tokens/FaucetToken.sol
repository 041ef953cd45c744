// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

import {IFaucetToken} from "../interfaces/IFaucetToken.sol";

/// @title FaucetToken
/// @notice Collateral ERC-20 with a rate-limited public faucet, for devnets and testnets.
contract FaucetToken is ERC20Permit, Ownable, IFaucetToken {
    /// @inheritdoc IFaucetToken
    uint256 public constant MAX_DRIP_COOLDOWN = 365 days;

    uint8 private immutable _decimals;

    uint256 private _dripAmount;
    uint256 private _dripCooldown;
    mapping(address account => uint256 timestamp) private _nextDripAt;

    /// @param name_ The token name, also the EIP-712 domain name for `permit`.
    /// @param symbol_ The token symbol.
    /// @param decimals_ The token decimals, e.g. 6 for a USDC-like token, 18 for a WETH-like one.
    /// @param dripAmount_ The amount each drip mints, in the token's smallest unit.
    /// @param dripCooldown_ The wait between two drips of one account, in seconds.
    /// @param owner_ The account allowed to mint and to change the faucet settings.
    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        uint256 dripAmount_,
        uint256 dripCooldown_,
        address owner_
    ) ERC20(name_, symbol_) ERC20Permit(name_) Ownable(owner_) {
        _decimals = decimals_;
        _setDripAmount(dripAmount_);
        _setDripCooldown(dripCooldown_);
    }

    /// @inheritdoc IFaucetToken
    function drip() external {
        // Checks
        uint256 next = _nextDripAt[msg.sender];
        // A validator skewing the clock by seconds only shifts a testnet faucet's cooldown.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < next) revert FaucetTokenDripTooSoon(msg.sender, next);

        // Effects
        uint256 amount = _dripAmount;
        next = block.timestamp + _dripCooldown;
        _nextDripAt[msg.sender] = next;
        emit Dripped(msg.sender, amount, next);

        _mint(msg.sender, amount);
    }

    /// @inheritdoc IFaucetToken
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @inheritdoc IFaucetToken
    function setDripAmount(uint256 newDripAmount) external onlyOwner {
        _setDripAmount(newDripAmount);
    }

    /// @inheritdoc IFaucetToken
    function setDripCooldown(uint256 newDripCooldown) external onlyOwner {
        _setDripCooldown(newDripCooldown);
    }

    /// @inheritdoc IFaucetToken
    function dripAmount() external view returns (uint256) {
        return _dripAmount;
    }

    /// @inheritdoc IFaucetToken
    function dripCooldown() external view returns (uint256) {
        return _dripCooldown;
    }

    /// @inheritdoc IFaucetToken
    function nextDripAt(address account) external view returns (uint256) {
        return _nextDripAt[account];
    }

    /// @inheritdoc IERC20Metadata
    function decimals() public view override(ERC20, IERC20Metadata) returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IERC20Permit
    function nonces(address owner_)
        public
        view
        override(ERC20Permit, IERC20Permit)
        returns (uint256)
    {
        return super.nonces(owner_);
    }

    function _setDripAmount(uint256 newDripAmount) internal {
        emit DripAmountChanged(_dripAmount, newDripAmount);
        _dripAmount = newDripAmount;
    }

    function _setDripCooldown(uint256 newDripCooldown) internal {
        if (newDripCooldown > MAX_DRIP_COOLDOWN) {
            revert FaucetTokenDripCooldownTooLong(newDripCooldown, MAX_DRIP_COOLDOWN);
        }
        emit DripCooldownChanged(_dripCooldown, newDripCooldown);
        _dripCooldown = newDripCooldown;
    }
}
