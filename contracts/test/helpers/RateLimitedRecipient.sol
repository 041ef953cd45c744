// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMessageRecipient} from "../../src/interfaces/IMessageRecipient.sol";

/// @title RateLimitedRecipient
/// @notice A stand-in for a vault's outflow rate limit: each handled message spends one unit of
/// `allowance`, and a message that finds none left fails with `RateLimitedRecipientExhausted`
/// until someone `refill`s it; a retry of the failed message then succeeds.
/// @dev For tests: accepts calls from anyone and has no owner.
contract RateLimitedRecipient is IMessageRecipient {
    /// @notice No allowance was left for `body` from `origin`, after `handledSoFar` messages.
    error RateLimitedRecipientExhausted(uint32 origin, bytes body, uint256 handledSoFar);

    /// @notice How many more messages may be handled before the next `refill`.
    uint256 public allowance;

    bytes[] private _handled;

    constructor(uint256 allowance_) {
        allowance = allowance_;
    }

    /// @notice Lets `amount` more messages through.
    function refill(uint256 amount) external {
        allowance += amount;
    }

    /// @inheritdoc IMessageRecipient
    function handle(uint32 origin, address, bytes calldata body) external {
        if (allowance == 0) revert RateLimitedRecipientExhausted(origin, body, _handled.length);
        --allowance;
        _handled.push(body);
    }

    /// @notice The bodies handled so far, in the order they were handled.
    function handled() external view returns (bytes[] memory) {
        return _handled;
    }
}
