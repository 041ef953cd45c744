// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";

import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {Message} from "../../src/libraries/Message.sol";
import {Mailbox} from "../../src/messaging/Mailbox.sol";
import {AttestationSigner} from "../messaging/AttestationSigner.sol";

/// @notice Carries messages between two mailboxes in one EVM by hand, as a relayer would: reads
/// the `Dispatch` logs recorded since the last call and processes each on the other mailbox with
/// one validator's signature. Shared by the unit tests and the invariant handler.
abstract contract MessageCarrier is AttestationSigner {
    /// @dev Delivers, in order, every message `a` or `b` dispatched since the last call.
    /// @return delivered The delivered messages, as `retry` takes them.
    function carry(Mailbox a, Mailbox b, uint256 validatorKey)
        internal
        returns (bytes[] memory delivered)
    {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        delivered = new bytes[](logs.length);
        uint256 count;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics.length == 0 || logs[i].topics[0] != IMailbox.Dispatch.selector) {
                continue;
            }
            bytes memory message = _messageOf(logs[i]);
            Mailbox destination = logs[i].emitter == address(a) ? b : a;
            bytes[] memory signatures = new bytes[](1);
            signatures[0] = sign(validatorKey, destination.attestationDigest(keccak256(message)));
            destination.process(message, signatures);
            delivered[count++] = message;
        }
        assembly ("memory-safe") {
            // Trims the array to the messages actually delivered.
            mstore(delivered, count)
        }
    }

    /// @dev The message a `Dispatch` log announced, as the destination's `process` takes it.
    function _messageOf(Vm.Log memory log) private pure returns (bytes memory) {
        (uint32 origin, uint64 nonce, address recipient, bytes memory body) =
            abi.decode(log.data, (uint32, uint64, address, bytes));
        uint32 destination = uint32(uint256(log.topics[2]));
        address sender = address(uint160(uint256(log.topics[3])));
        return Message.encode(nonce, origin, sender, destination, recipient, body);
    }
}
