// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Message
/// @notice The wire format of a crossflow message and its id.
/// @dev A message is `abi.encode(uint8 version, uint64 nonce, uint32 origin, address sender,
/// uint32 destination, address recipient, bytes body)` and its id is the keccak256 of exactly those
/// bytes, so an id commits to every field: validators attest ids, and the destination executes only
/// bytes that hash to an attested id. Off-chain code builds the same bytes with `eth_abi.encode`.
library Message {
    /// @notice The only wire format version this code writes and accepts.
    uint8 internal constant VERSION = 1;

    /// @notice The longest body a message may carry, in bytes; bounds what a relayer must post.
    uint256 internal constant MAX_BODY_BYTES = 8192;

    /// @notice A decoded message.
    /// @param version The wire format version; `VERSION` for every message dispatched today.
    /// @param nonce The position of the message in its (origin, destination) channel, from zero.
    /// @param origin The domain of the chain that dispatched the message.
    /// @param sender The account that called `dispatch` on the origin.
    /// @param destination The domain of the chain that must execute the message.
    /// @param recipient The contract on the destination whose `handle` receives the body.
    /// @param body The application payload.
    struct Fields {
        uint8 version;
        uint64 nonce;
        uint32 origin;
        address sender;
        uint32 destination;
        address recipient;
        bytes body;
    }

    /// @notice Encodes a message in the current wire format `VERSION`.
    /// @return The message bytes whose keccak256 is the message id.
    function encode(
        uint64 nonce,
        uint32 origin,
        address sender,
        uint32 destination,
        address recipient,
        bytes memory body
    ) internal pure returns (bytes memory) {
        return abi.encode(VERSION, nonce, origin, sender, destination, recipient, body);
    }

    /// @notice Decodes message bytes of any version that shares the version-1 layout.
    /// @dev Reverts without data when `message` is not a valid ABI encoding of the seven fields
    /// (too short, a field out of its type's range, or a bad body offset); the caller checks
    /// `version` itself.
    function decode(bytes calldata message) internal pure returns (Fields memory fields) {
        (
            fields.version,
            fields.nonce,
            fields.origin,
            fields.sender,
            fields.destination,
            fields.recipient,
            fields.body
        ) = abi.decode(message, (uint8, uint64, uint32, address, uint32, address, bytes));
    }

    /// @notice The id of a message: the keccak256 of its encoded bytes.
    function id(bytes memory message) internal pure returns (bytes32) {
        return keccak256(message);
    }
}
