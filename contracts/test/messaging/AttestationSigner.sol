// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";

/// @notice Validator signatures in the layout `Mailbox.process` reads, shared by the unit
/// tests and the invariant handler (which cannot inherit a `Test`).
abstract contract AttestationSigner is CommonBase {
    /// @dev One signature per key, in the order of `keys`.
    function signDigest(bytes32 digest, uint256[] memory keys)
        internal
        pure
        returns (bytes[] memory signatures)
    {
        signatures = new bytes[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            signatures[i] = sign(keys[i], digest);
        }
    }

    /// @dev A 65-byte (r, s, v) signature.
    function sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }
}
