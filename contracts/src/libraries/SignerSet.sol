// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IPriceFeed} from "../interfaces/IPriceFeed.sol";

/// @title SignerSet
/// @notice An M-of-N oracle signer set and the check that enough of its members signed a digest.
/// @dev The `Quorum` library of the mailbox, with the `IPriceFeed` error vocabulary so report
/// submitters decode one set of errors.
library SignerSet {
    /// @notice The largest set `replace` accepts; keeps replacing and verifying bounded.
    uint256 internal constant MAX_SIGNERS = 64;

    /// @notice The signers of one feed.
    /// @param members The signer addresses, in the order they were set.
    /// @param threshold How many distinct members must sign; zero while no set was ever stored.
    /// @param isMember Whether an address is in `members`.
    struct Set {
        address[] members;
        uint8 threshold;
        mapping(address account => bool) isMember;
    }

    /// @notice Replaces every member and the threshold of `set`.
    /// @dev Reverts with `PriceFeedTooManySigners`, `PriceFeedInvalidThreshold`,
    /// `PriceFeedZeroSigner` or `PriceFeedDuplicateSigner`.
    function replace(Set storage set, address[] memory members, uint8 threshold) internal {
        uint256 count = members.length;
        if (count > MAX_SIGNERS) revert IPriceFeed.PriceFeedTooManySigners(count, MAX_SIGNERS);
        if (threshold == 0 || threshold > count) {
            revert IPriceFeed.PriceFeedInvalidThreshold(threshold, count);
        }
        address[] storage oldMembers = set.members;
        for (uint256 i; i < oldMembers.length; ++i) {
            delete set.isMember[oldMembers[i]];
        }
        for (uint256 i; i < count; ++i) {
            address member = members[i];
            if (member == address(0)) revert IPriceFeed.PriceFeedZeroSigner(i);
            if (set.isMember[member]) revert IPriceFeed.PriceFeedDuplicateSigner(member);
            set.isMember[member] = true;
        }
        set.members = members;
        set.threshold = threshold;
    }

    /// @notice Reverts unless `signatures` hold at least `threshold` valid signatures of distinct
    /// members of `set` over `digest`.
    /// @dev The count is checked first (`PriceFeedQuorumNotMet`), then every signature in order:
    /// malformed (`PriceFeedInvalidSignature`), signer not above the previous one
    /// (`PriceFeedSignersNotSorted`, which also rejects duplicates in the same pass), signer not a
    /// member (`PriceFeedSignerNotMember`). Extra signatures beyond the threshold must be valid too.
    /// @param digest The EIP-712 digest every signature must sign.
    /// @param signatures 65-byte (r, s, v) signatures sorted by signer, strictly ascending.
    function verify(Set storage set, bytes32 digest, bytes[] calldata signatures) internal view {
        uint8 threshold = set.threshold;
        if (threshold == 0 || signatures.length < threshold) {
            revert IPriceFeed.PriceFeedQuorumNotMet(signatures.length, threshold);
        }
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            address signer = _recover(digest, signatures[i], i);
            if (signer <= previous) revert IPriceFeed.PriceFeedSignersNotSorted(previous, signer);
            if (!set.isMember[signer]) revert IPriceFeed.PriceFeedSignerNotMember(signer);
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
        if (signature.length != 65) revert IPriceFeed.PriceFeedInvalidSignature(index);
        ECDSA.RecoverError error;
        (signer, error,) = ECDSA.tryRecover(
            digest, uint8(signature[64]), bytes32(signature[0:32]), bytes32(signature[32:64])
        );
        if (error != ECDSA.RecoverError.NoError) {
            revert IPriceFeed.PriceFeedInvalidSignature(index);
        }
    }
}
