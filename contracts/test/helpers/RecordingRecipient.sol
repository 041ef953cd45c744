// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMessageRecipient} from "../../src/interfaces/IMessageRecipient.sol";

/// @title RecordingRecipient
/// @notice A message recipient for tests and the relay benchmark that records what it handles.
/// @dev Accepts calls from anyone (no mailbox check) and has no owner. It rejects, with
/// `RecordingRecipientRejected`, every body whose first byte is 0xFF and, while `revertAll` is
/// on, every body: turn `revertAll` on to make deliveries fail, off to let their retries succeed.
contract RecordingRecipient is IMessageRecipient {
    /// @notice A body from `sender` on `origin` was handled.
    event Handled(uint32 origin, address sender, bytes body);

    /// @notice `setRevertAll(enabled)` was called.
    event RevertAllSet(bool enabled);

    /// @notice The recipient rejected `body` from `sender` on `origin`.
    error RecordingRecipientRejected(uint32 origin, address sender, bytes body);

    /// @notice The first body byte that always makes `handle` revert.
    bytes1 public constant REJECT_MARKER = 0xFF;

    /// @notice How many messages were handled, over all origins.
    uint256 public count;
    /// @notice The body of the last handled message.
    bytes public lastBody;
    /// @notice The origin of the last handled message.
    uint32 public lastOrigin;
    /// @notice The sender of the last handled message.
    address public lastSender;
    /// @notice Whether every `handle` reverts.
    bool public revertAll;

    mapping(uint32 origin => bytes[] bodies) private _received;

    /// @notice Makes every later `handle` revert (`true`) or only 0xFF bodies (`false`).
    function setRevertAll(bool enabled) external {
        revertAll = enabled;
        emit RevertAllSet(enabled);
    }

    /// @inheritdoc IMessageRecipient
    function handle(uint32 origin, address sender, bytes calldata body) external {
        if (revertAll || (body.length != 0 && body[0] == REJECT_MARKER)) {
            revert RecordingRecipientRejected(origin, sender, body);
        }
        ++count;
        lastBody = body;
        lastOrigin = origin;
        lastSender = sender;
        _received[origin].push(body);
        emit Handled(origin, sender, body);
    }

    /// @notice Every body handled from `origin`, in the order handled.
    function received(uint32 origin) external view returns (bytes[] memory) {
        return _received[origin];
    }

    /// @notice How many bodies were handled from `origin`.
    function receivedCount(uint32 origin) external view returns (uint256) {
        return _received[origin].length;
    }
}
