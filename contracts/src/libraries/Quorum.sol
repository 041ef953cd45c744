// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IQuorum} from "../interfaces/IQuorum.sol";

/// @title Quorum
/// @notice An M-of-N signer set and the check that enough of its members signed a digest: the
/// mailbox's validators of one origin, the price feed's oracle signers.
/// @dev Reverts with the `IQuorum` errors, which `IMailbox` and `IPriceFeed` inherit.
library Quorum {
    /// @notice The largest set `replace` accepts; keeps replacing and verifying bounded.
    uint256 internal constant MAX_SIGNERS = 64;

    /// @notice One signer set.
    /// @param members The signer addresses, in the order they were set.
    /// @param threshold How many distinct members must sign; zero while no set was ever stored.
    /// @param isMember Whether an address is in `members`.
    struct Set {
        address[] members;
        uint8 threshold;
        mapping(address account => bool) isMember;
    }

    /// @notice Replaces every member and the threshold of `set`.
    /// @dev Reverts with `QuorumTooManySigners`, `QuorumInvalidThreshold` (zero or above the set
    /// size), `QuorumZeroSigner` or `QuorumDuplicateSigner`. `members` is in memory so that a
    /// constructor can pass its argument; a calldata array is copied.
    function replace(Set storage set, address[] memory members, uint8 threshold) internal {
        uint256 count = members.length;
        if (count > MAX_SIGNERS) revert IQuorum.QuorumTooManySigners(count, MAX_SIGNERS);
        if (threshold == 0 || threshold > count) {
            revert IQuorum.QuorumInvalidThreshold(threshold, count);
        }
        address[] storage oldMembers = set.members;
        for (uint256 i; i < oldMembers.length; ++i) {
            delete set.isMember[oldMembers[i]];
        }
        for (uint256 i; i < count; ++i) {
            address member = members[i];
            if (member == address(0)) revert IQuorum.QuorumZeroSigner(i);
            if (set.isMember[member]) revert IQuorum.QuorumDuplicateSigner(member);
            set.isMember[member] = true;
        }
        set.members = members;
        set.threshold = threshold;
    }

    /// @notice Reverts unless `signatures` hold at least `threshold` valid signatures of distinct
    /// members of `set` over `digest`.
    /// @dev The count is checked first (`QuorumNotMet`, also for a set never stored), then every
    /// signature in order: malformed (`QuorumInvalidSignature`), signer not above the previous one
    /// (`QuorumSignersNotSorted`, which also rejects duplicates in the same pass), signer not a
    /// member (`QuorumSignerNotMember`). Extra signatures beyond the threshold must be valid too.
    /// @param digest The EIP-712 digest every signature must sign.
    /// @param signatures 65-byte (r, s, v) signatures sorted by signer, strictly ascending.
    function verify(Set storage set, bytes32 digest, bytes[] calldata signatures) internal view {
        uint8 threshold = set.threshold;
        if (threshold == 0 || signatures.length < threshold) {
            revert IQuorum.QuorumNotMet(signatures.length, threshold);
        }
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            address signer = _recover(digest, signatures[i], i);
            if (signer <= previous) revert IQuorum.QuorumSignersNotSorted(previous, signer);
            if (!set.isMember[signer]) revert IQuorum.QuorumSignerNotMember(signer);
            previous = signer;
        }
    }

    /// @dev Reads (r, s, v) straight from calldata; OpenZeppelin rejects a high `s`, a `v` other
    /// than 27 or 28, and signatures that recover to the zero address.
    function _recover(bytes32 digest, bytes calldata signature, uint256 index)
        private
        pure
        returns (address signer)
    {
        if (signature.length != 65) revert IQuorum.QuorumInvalidSignature(index);
        ECDSA.RecoverError error;
        (signer, error,) = ECDSA.tryRecover(
            digest, uint8(signature[64]), bytes32(signature[0:32]), bytes32(signature[32:64])
        );
        if (error != ECDSA.RecoverError.NoError) revert IQuorum.QuorumInvalidSignature(index);
    }
}
