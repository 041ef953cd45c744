// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IMessageRecipient
/// @notice A contract that receives crossflow messages from its chain's `Mailbox`.
interface IMessageRecipient {
    /// @notice Executes the body of a message that a validator quorum attested.
    /// @dev Called by the destination `Mailbox` with `msg.sender` = the mailbox. A revert does not
    /// block the channel: the mailbox records the message as failed and anyone may `retry` it.
    /// Implementations must check `msg.sender` and (`origin`, `sender`) themselves.
    /// @param origin The domain of the chain the message came from.
    /// @param sender The account that dispatched the message on the origin.
    /// @param body The application payload.
    function handle(uint32 origin, address sender, bytes calldata body) external;
}
