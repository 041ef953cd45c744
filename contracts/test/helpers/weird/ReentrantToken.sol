// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Calls a hook before every transfer between two accounts, as ERC-777 senders' hooks
/// do, so a test can reenter whoever moves the token. The hook fires once, then is cleared; its
/// revert bubbles up.
contract ReentrantToken is ERC20 {
    address private _target;
    bytes private _data;

    constructor() ERC20("Reentrant", "REE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Arms the hook: the next transfer first calls `target` with `data`.
    function arm(address target, bytes calldata data) external {
        _target = target;
        _data = data;
    }

    function _update(address from, address to, uint256 value) internal override {
        address target = _target;
        if (target != address(0) && from != address(0) && to != address(0)) {
            bytes memory data = _data;
            delete _target;
            delete _data;
            (bool ok, bytes memory reason) = target.call(data);
            if (!ok) {
                assembly ("memory-safe") {
                    // Bubbles the hook's revert data unchanged.
                    revert(add(reason, 0x20), mload(reason))
                }
            }
        }
        super._update(from, to, value);
    }
}
