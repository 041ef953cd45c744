// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IMailbox} from "../interfaces/IMailbox.sol";

/// @title Quorum
/// @notice An M-of-N validator set and the check that enough of its members signed a digest.
/// @dev Reverts with the `IMailbox` errors, since the mailbox is the only caller and relayers
/// decode one error vocabulary.
library Quorum {
    /// @notice The largest set `replace` accepts; keeps replacing and verifying bounded.
    uint256 internal constant MAX_VALIDATORS = 64;

    /// @notice The validators of one origin domain.
    /// @param members The validator addresses, in the order they were set.
    /// @param threshold How many distinct members must sign; zero while no set was ever stored.
    /// @param isMember Whether an address is in `members`.
    struct ValidatorSet {
        address[] members;
        uint8 threshold;
        mapping(address account => bool) isMember;
    }

    /// @notice Replaces every member and the threshold of `set`.
    /// @dev Reverts with `MailboxTooManyValidators`, `MailboxInvalidThreshold`,
    /// `MailboxZeroValidator` or `MailboxDuplicateValidator`.
    function replace(ValidatorSet storage set, address[] calldata members, uint8 threshold)
        internal
    {
        uint256 count = members.length;
        if (count > MAX_VALIDATORS) {
            revert IMailbox.MailboxTooManyValidators(count, MAX_VALIDATORS);
        }
        if (threshold == 0 || threshold > count) {
            revert IMailbox.MailboxInvalidThreshold(threshold, count);
        }
        address[] storage oldMembers = set.members;
        for (uint256 i; i < oldMembers.length; ++i) {
            delete set.isMember[oldMembers[i]];
        }
        for (uint256 i; i < count; ++i) {
            address member = members[i];
            if (member == address(0)) revert IMailbox.MailboxZeroValidator(i);
            if (set.isMember[member]) revert IMailbox.MailboxDuplicateValidator(member);
            set.isMember[member] = true;
        }
        set.members = members;
        set.threshold = threshold;
    }

    /// @notice Reverts unless `signatures` hold at least `threshold` valid signatures of distinct
    /// members of `set` over `digest`.
    /// @dev The count is checked first (`MailboxQuorumNotMet`, also for an empty set), then every
    /// signature in order: malformed (`MailboxInvalidSignature`), signer not above the previous
    /// one (`MailboxSignersNotSorted`, which also rejects duplicates in the same pass), signer not
    /// a member (`MailboxSignerNotValidator`). Extra signatures beyond the threshold must be valid
    /// too.
    /// @param origin The origin domain of `set`, for the errors only.
    /// @param digest The EIP-712 digest every signature must sign.
    /// @param signatures 65-byte (r, s, v) signatures sorted by signer, strictly ascending.
    function verify(
        ValidatorSet storage set,
        uint32 origin,
        bytes32 digest,
        bytes[] calldata signatures
    ) internal view {
        uint8 threshold = set.threshold;
        if (threshold == 0 || signatures.length < threshold) {
            revert IMailbox.MailboxQuorumNotMet(origin, signatures.length, threshold);
        }
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            address signer = _recover(digest, signatures[i], i);
            if (signer <= previous) revert IMailbox.MailboxSignersNotSorted(previous, signer);
            if (!set.isMember[signer]) revert IMailbox.MailboxSignerNotValidator(origin, signer);
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
        if (signature.length != 65) revert IMailbox.MailboxInvalidSignature(index);
        ECDSA.RecoverError error;
        (signer, error,) = ECDSA.tryRecover(
            digest, uint8(signature[64]), bytes32(signature[0:32]), bytes32(signature[32:64])
        );
        if (error != ECDSA.RecoverError.NoError) revert IMailbox.MailboxInvalidSignature(index);
    }
}
