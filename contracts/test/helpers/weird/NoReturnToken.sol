// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice An ERC-20 whose `transfer`, `transferFrom` and `approve` return nothing (USDT, BNB):
/// a caller that expects a `bool` reverts on it.
contract NoReturnToken {
    uint8 public constant decimals = 6;

    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;
    uint256 public totalSupply;

    error NoReturnTokenInsufficient();

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        if (allowance[from][msg.sender] < amount) revert NoReturnTokenInsufficient();
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        if (balanceOf[from] < amount) revert NoReturnTokenInsufficient();
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}
