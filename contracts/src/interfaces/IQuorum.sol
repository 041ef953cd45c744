// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IQuorum
/// @notice The errors of an M-of-N signer set (the `Quorum` library): replacing the set, and
/// checking that enough of its members signed a digest.
/// @dev `IMailbox` (whose signers are the validators of one origin domain) and `IPriceFeed`
/// (whose signers are the oracle's) inherit these, so each contract's ABI names them and callers
/// decode one vocabulary for both.
interface IQuorum {
    /// @notice A set of `signers` signers exceeds the maximum of `maxSigners`.
    error QuorumTooManySigners(uint256 signers, uint256 maxSigners);

    /// @notice A threshold of `threshold` is not between 1 and the `signers` set size.
    error QuorumInvalidThreshold(uint8 threshold, uint256 signers);

    /// @notice The signer at `index` is the zero address.
    error QuorumZeroSigner(uint256 index);

    /// @notice `signer` appears more than once in the set.
    error QuorumDuplicateSigner(address signer);

    /// @notice `signatures` signatures are fewer than the `threshold` required; a threshold of
    /// zero means no set was ever stored.
    error QuorumNotMet(uint256 signatures, uint8 threshold);

    /// @notice The signature at `index` is malformed: not 65 bytes, a high `s` or an invalid `v`.
    error QuorumInvalidSignature(uint256 index);

    /// @notice `signer` follows `previous`; signers must be strictly ascending (no duplicates).
    error QuorumSignersNotSorted(address previous, address signer);

    /// @notice `signer` recovered from a signature but is not in the set.
    error QuorumSignerNotMember(address signer);
}
