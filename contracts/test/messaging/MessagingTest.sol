// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Message} from "../../src/libraries/Message.sol";
import {Mailbox} from "../../src/messaging/Mailbox.sol";
import {BaseTest} from "../BaseTest.sol";
import {AttestationSigner} from "./AttestationSigner.sol";
import {RecordingRecipient} from "../helpers/RecordingRecipient.sol";

/// @notice Two mailboxes in one EVM (an origin and a destination domain), a pool of validator keys
/// sorted by address, and helpers to build and attest messages.
abstract contract MessagingTest is BaseTest, AttestationSigner {
    uint32 internal constant ORIGIN = 31_337;
    uint32 internal constant DESTINATION = 31_338;
    uint32 internal constant OTHER_DOMAIN = 42;
    uint256 internal constant VALIDATOR_POOL = 8;

    bytes32 internal constant EIP712_DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256("Attestation(bytes32 messageId)");

    Mailbox internal originMailbox;
    /// @dev The mailbox under test: the destination of every message built by `buildMessage`.
    Mailbox internal mailbox;
    RecordingRecipient internal recipient;

    /// @dev Validator addresses, strictly ascending, and their keys in the same order.
    address[] internal validatorPool;
    uint256[] internal validatorKeys;

    function setUp() public virtual override {
        super.setUp();
        originMailbox = deployMailbox(ORIGIN);
        mailbox = deployMailbox(DESTINATION);
        recipient = new RecordingRecipient();
        vm.label(address(recipient), "RecordingRecipient");
        _makeValidatorPool();
    }

    /// @dev Sets the first `size` validators of the pool, `threshold` of them required, as the
    /// set of `ORIGIN` on the mailbox under test.
    function useValidators(uint256 size, uint8 threshold) internal {
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, firstValidators(size), threshold);
    }

    function firstValidators(uint256 size) internal view returns (address[] memory set) {
        set = new address[](size);
        for (uint256 i; i < size; ++i) {
            set[i] = validatorPool[i];
        }
    }

    /// @dev A message from `alice` on `ORIGIN` to `to` on `DESTINATION`.
    function buildMessage(uint64 nonce, address to, bytes memory body)
        internal
        view
        returns (bytes memory)
    {
        return Message.encode(nonce, ORIGIN, alice, DESTINATION, to, body);
    }

    /// @dev Signatures of the first `count` pool validators over `message`'s attestation digest
    /// for the mailbox under test, in ascending signer order.
    function attest(bytes memory message, uint256 count) internal view returns (bytes[] memory) {
        return signDigest(mailbox.attestationDigest(keccak256(message)), firstKeys(count));
    }

    function firstKeys(uint256 count) internal view returns (uint256[] memory keys) {
        keys = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            keys[i] = validatorKeys[i];
        }
    }

    /// @dev The EIP-712 digest of `Attestation(messageId)` for any chain id and mailbox address.
    function attestationDigestFor(bytes32 messageId, uint256 chainId, address verifyingContract)
        internal
        pure
        returns (bytes32)
    {
        bytes32 separator = keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH,
                keccak256("crossflow Mailbox"),
                keccak256("1"),
                chainId,
                verifyingContract
            )
        );
        return keccak256(
            abi.encodePacked(
                "\x19\x01", separator, keccak256(abi.encode(ATTESTATION_TYPEHASH, messageId))
            )
        );
    }

    /// @dev Builds `count` messages to `to` (nonces 0 to `count - 1`, body `abi.encode(nonce)`),
    /// has the first `signers` validators attest each and processes them one by one.
    function deliver(uint256 count, address to, uint256 signers) internal {
        for (uint256 i; i < count; ++i) {
            // The nonce is below `count`, a loop bound far under 2**64.
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes memory message = buildMessage(uint64(i), to, abi.encode(i));
            mailbox.process(message, attest(message, signers));
        }
    }

    function _makeValidatorPool() private {
        for (uint256 i; i < VALIDATOR_POOL; ++i) {
            (address validator, uint256 key) =
                makeAddrAndKey(string.concat("validator-", vm.toString(i)));
            validatorPool.push(validator);
            validatorKeys.push(key);
        }
        // Insertion sort: eight entries, once per test.
        for (uint256 i = 1; i < VALIDATOR_POOL; ++i) {
            for (uint256 j = i; j > 0 && validatorPool[j - 1] > validatorPool[j]; --j) {
                (validatorPool[j - 1], validatorPool[j]) = (validatorPool[j], validatorPool[j - 1]);
                (validatorKeys[j - 1], validatorKeys[j]) = (validatorKeys[j], validatorKeys[j - 1]);
            }
        }
    }
}
