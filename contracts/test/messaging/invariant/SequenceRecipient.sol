// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMailbox} from "../../../src/interfaces/IMailbox.sol";
import {IMessageRecipient} from "../../../src/interfaces/IMessageRecipient.sol";

/// @notice Counts how often each message (by the sequence number in its body) is executed, and
/// notes every execution that runs before its channel reached it.
/// @dev Bodies are `abi.encode(uint256 sequence, bool fragile)`; the sequence is the message's
/// channel nonce. While `rejectFragile` is on, fragile messages revert, so first deliveries fail
/// and retries can be made to fail or succeed.
contract SequenceRecipient is IMessageRecipient {
    error SequenceRecipientRejected(uint256 sequence);

    IMailbox public immutable mailbox;
    bool public rejectFragile = true;
    uint256 public totalExecutions;
    uint256 public executionsAheadOfChannel;
    mapping(uint256 sequence => uint256 count) public executions;

    constructor(IMailbox mailbox_) {
        mailbox = mailbox_;
    }

    function setRejectFragile(bool reject) external {
        rejectFragile = reject;
    }

    function handle(uint32 origin, address, bytes calldata body) external {
        (uint256 sequence, bool fragile) = abi.decode(body, (uint256, bool));
        if (fragile && rejectFragile) revert SequenceRecipientRejected(sequence);
        ++executions[sequence];
        ++totalExecutions;
        // The mailbox advances the inbound nonce before calling: a first delivery sees
        // `sequence + 1`, a retry sees more. Less would mean the channel skipped ahead.
        if (mailbox.inboundNonce(origin) <= sequence) ++executionsAheadOfChannel;
    }
}
