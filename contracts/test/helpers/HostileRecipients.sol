// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMessageRecipient} from "../../src/interfaces/IMessageRecipient.sol";

/// @notice Records the gas left on entry to `handle`, to check what the mailbox forwards.
/// @dev The fallback catches `handle` after the selector dispatch (about 120 gas with the
/// project's optimizer settings) before `gas()`, so the reading is within `ENTRY_OVERHEAD` below
/// the gas the CALL forwarded.
contract GasProbeRecipient {
    uint256 public constant ENTRY_OVERHEAD = 200;

    fallback() external {
        assembly ("memory-safe") {
            sstore(0, gas())
        }
    }

    function gasAtEntry() external view returns (uint256 gas_) {
        assembly ("memory-safe") {
            gas_ := sload(0)
        }
    }
}

/// @notice Burns all the gas it gets but what it needs to revert with `reasonBytes` bytes of
/// revert data: the worst case for the caller's work after the call.
contract GasBurnerRecipient is IMessageRecipient {
    /// @dev Left for the final revert: memory expansion for up to ~10 KB and the REVERT itself.
    uint256 private constant GAS_FOR_REVERT = 1_500;

    uint256 public immutable reasonBytes;

    constructor(uint256 reasonBytes_) {
        reasonBytes = reasonBytes_;
    }

    function handle(uint32, address, bytes calldata) external view {
        while (gasleft() > GAS_FOR_REVERT) {}
        uint256 size = reasonBytes;
        assembly ("memory-safe") {
            revert(0, size)
        }
    }
}

/// @notice Honest but costly: `handle` burns `gasNeeded` before it records the message, so it
/// fails at the mailbox's handler gas and succeeds on a `retry` given more.
contract ThirstyRecipient is IMessageRecipient {
    uint256 public immutable gasNeeded;
    uint256 public handled;

    constructor(uint256 gasNeeded_) {
        gasNeeded = gasNeeded_;
    }

    function handle(uint32, address, bytes calldata) external {
        uint256 start = gasleft();
        while (start - gasleft() < gasNeeded) {}
        ++handled;
    }
}

/// @notice Reverts at once with `reasonBytes` bytes of 0xAB, to flood the caller's memory.
contract ReturnBombRecipient is IMessageRecipient {
    uint256 public immutable reasonBytes;

    constructor(uint256 reasonBytes_) {
        reasonBytes = reasonBytes_;
    }

    function handle(uint32, address, bytes calldata) external view {
        bytes memory reason = new bytes(reasonBytes);
        for (uint256 i; i < reason.length; i += 32) {
            assembly ("memory-safe") {
                mstore(add(add(reason, 0x20), i), not(0))
            }
        }
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
    }
}

/// @notice On `handle`, makes one configured call (say back into the mailbox) and reverts with
/// the callee's revert data when it fails, so the mailbox records why.
contract CallingRecipient is IMessageRecipient {
    address public target;
    bytes public callData;
    uint256 public handled;

    function setCall(address target_, bytes calldata callData_) external {
        target = target_;
        callData = callData_;
    }

    function handle(uint32, address, bytes calldata) external {
        ++handled;
        (bool success, bytes memory result) = target.call(callData);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
