// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMessageRecipient} from "../../src/interfaces/IMessageRecipient.sol";

/// @title CountingRecipient
/// @notice A cheap recipient for floods of large messages: per origin it keeps a count and a hash
/// chain of the bodies, so a test can check that every message arrived once and in order without
/// paying to store the bodies.
contract CountingRecipient is IMessageRecipient {
    /// @notice How many bodies were handled from `origin`.
    mapping(uint32 origin => uint256) public count;
    /// @notice keccak256(previous digest ++ body) over the bodies from `origin`, in order.
    mapping(uint32 origin => bytes32) public digest;

    /// @inheritdoc IMessageRecipient
    function handle(uint32 origin, address, bytes calldata body) external {
        ++count[origin];
        digest[origin] = keccak256(bytes.concat(digest[origin], body));
    }
}
