// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMailbox} from "../../src/interfaces/IMailbox.sol";

/// @title BatchDispatcher
/// @notice Dispatches many messages in one transaction, to load the message layer in benchmarks.
/// @dev Every message's sender is this contract.
contract BatchDispatcher {
    /// @notice Dispatches `count` messages to `recipient` on `destination` through `mailbox`.
    /// @dev Message `i` (from zero) has body `bodyPrefix ++ abi.encode(i)`: the prefix, then `i`
    /// as a 32-byte big-endian word, so every body is distinct. A prefix starting with 0xFF makes
    /// a `RecordingRecipient` reject every message.
    /// @param mailbox The mailbox on this chain.
    /// @param destination The destination domain.
    /// @param recipient The recipient on `destination`.
    /// @param count How many messages to send.
    /// @param bodyPrefix The bytes every body starts with.
    /// @return ids The message ids, in dispatch (nonce) order.
    function dispatchMany(
        address mailbox,
        uint32 destination,
        address recipient,
        uint256 count,
        bytes calldata bodyPrefix
    ) external returns (bytes32[] memory ids) {
        ids = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            ids[i] = IMailbox(mailbox)
                .dispatch(destination, recipient, bytes.concat(bodyPrefix, abi.encode(i)));
        }
    }
}
