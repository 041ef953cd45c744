// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Message} from "../../src/libraries/Message.sol";
import {BaseTest} from "../BaseTest.sol";

/// @dev Exposes the calldata decoder of `Message` to tests.
contract MessageHarness {
    function decode(bytes calldata message) external pure returns (Message.Fields memory) {
        return Message.decode(message);
    }
}

contract MessageTest is BaseTest {
    MessageHarness private harness;

    function setUp() public override {
        super.setUp();
        harness = new MessageHarness();
    }

    function test_constants_AreVersionOneAnd8KiBBodies() public pure {
        assertEq(Message.VERSION, 1);
        assertEq(Message.MAX_BODY_BYTES, 8192);
    }

    function test_encode_IsAbiEncodeOfTheSevenFields() public view {
        bytes memory message = Message.encode(3, 31_337, alice, 31_338, bob, hex"c0ffee");
        assertEq(
            message,
            abi.encode(uint8(1), uint64(3), uint32(31_337), alice, uint32(31_338), bob, hex"c0ffee")
        );
        // Seven head words, the body length word and one padded body word.
        assertEq(message.length, 9 * 32);
    }

    function test_id_IsKeccakOfTheMessage() public view {
        bytes memory message = Message.encode(0, 1, alice, 2, bob, "");
        assertEq(Message.id(message), keccak256(message));
    }

    function test_id_ChangesWithEveryField() public view {
        bytes32 base = Message.id(Message.encode(0, 1, alice, 2, bob, "x"));
        assertNotEq(Message.id(Message.encode(1, 1, alice, 2, bob, "x")), base);
        assertNotEq(Message.id(Message.encode(0, 3, alice, 2, bob, "x")), base);
        assertNotEq(Message.id(Message.encode(0, 1, carol, 2, bob, "x")), base);
        assertNotEq(Message.id(Message.encode(0, 1, alice, 3, bob, "x")), base);
        assertNotEq(Message.id(Message.encode(0, 1, alice, 2, carol, "x")), base);
        assertNotEq(Message.id(Message.encode(0, 1, alice, 2, bob, "y")), base);
        assertNotEq(
            Message.id(abi.encode(uint8(2), uint64(0), uint32(1), alice, uint32(2), bob, "x")), base
        );
    }

    function test_decode_KeepsAnyVersion() public view {
        bytes memory message =
            abi.encode(uint8(7), uint64(0), uint32(1), alice, uint32(2), bob, hex"01");
        assertEq(harness.decode(message).version, 7);
    }

    function test_RevertWhen_DecodeTruncated() public {
        bytes memory message = Message.encode(0, 1, alice, 2, bob, "body");
        bytes memory truncated = new bytes(message.length - 32);
        for (uint256 i; i < truncated.length; ++i) {
            truncated[i] = message[i];
        }
        vm.expectRevert();
        harness.decode(truncated);
    }

    function test_RevertWhen_DecodeFieldOutOfRange() public {
        // A nonce word above 2**64 - 1 is not a uint64.
        bytes memory message =
            abi.encode(uint8(1), uint256(1) << 64, uint32(1), alice, uint32(2), bob, "");
        vm.expectRevert();
        harness.decode(message);
    }

    function testFuzz_encodeDecode_RoundTrips(
        uint64 nonce,
        uint32 origin,
        address sender,
        uint32 destination,
        address recipient,
        bytes calldata body
    ) public view {
        bytes memory message = Message.encode(nonce, origin, sender, destination, recipient, body);
        Message.Fields memory fields = harness.decode(message);
        assertEq(fields.version, Message.VERSION);
        assertEq(fields.nonce, nonce);
        assertEq(fields.origin, origin);
        assertEq(fields.sender, sender);
        assertEq(fields.destination, destination);
        assertEq(fields.recipient, recipient);
        assertEq(fields.body, body);
        assertEq(Message.id(message), keccak256(message));
    }

    function testFuzz_decode_RoundTripsBodiesUpToTheMaximum(uint256 length, uint256 seed)
        public
        view
    {
        length = bound(length, 0, Message.MAX_BODY_BYTES);
        bytes memory body = new bytes(length);
        for (uint256 offset; offset < length; offset += 32) {
            bytes32 word = keccak256(abi.encode(seed, offset));
            // Writes whole words; the allocation is padded to a word, so the last write stays
            // inside it, and bytes past `length` are never read.
            assembly ("memory-safe") {
                mstore(add(add(body, 0x20), offset), word)
            }
        }
        bytes memory message = Message.encode(0, 1, alice, 2, bob, body);
        assertEq(harness.decode(message).body, body);
    }
}
