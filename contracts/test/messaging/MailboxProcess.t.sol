// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {IQuorum} from "../../src/interfaces/IQuorum.sol";
import {Message} from "../../src/libraries/Message.sol";
import {Mailbox} from "../../src/messaging/Mailbox.sol";
import {BatchDispatcher} from "../helpers/BatchDispatcher.sol";
import {RecordingRecipient} from "../helpers/RecordingRecipient.sol";
import {MessagingTest} from "./MessagingTest.sol";

/// @notice The checks of `process` and `processBatch`: version, destination, replay, channel
/// order, quorum and the EIP-712 binding of attestations.
contract MailboxProcessTest is MessagingTest {
    /// @dev secp256k1 group order; `s` above half of it is the malleable twin of a signature.
    uint256 private constant SECP256K1_N =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ---------------------------------------------------------------- process

    function test_process_DeliversOnce() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "hello");
        bytes32 id = keccak256(message);
        bytes[] memory signatures = attest(message, 1);

        mailbox.process(message, signatures);

        assertTrue(mailbox.delivered(id));
        assertFalse(mailbox.failed(id));
        assertEq(mailbox.inboundNonce(ORIGIN), 1);
        assertEq(recipient.count(), 1);
        assertEq(recipient.lastBody(), "hello");
        assertEq(recipient.lastOrigin(), ORIGIN);
        assertEq(recipient.lastSender(), alice);

        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxAlreadyDelivered.selector, id));
        mailbox.process(message, signatures);
        assertEq(recipient.count(), 1);
    }

    function test_process_EmitsProcessThenCallsHandler() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "hello");
        bytes[] memory signatures = attest(message, 1);

        vm.expectEmit(address(mailbox));
        emit IMailbox.Process(keccak256(message), ORIGIN, 0, address(recipient));
        vm.expectEmit(address(recipient));
        emit RecordingRecipient.Handled(ORIGIN, alice, "hello");
        mailbox.process(message, signatures);
    }

    function test_process_DeliversChannelInOrder() public {
        useValidators(3, 2);
        deliver(5, address(recipient), 2);
        assertEq(mailbox.inboundNonce(ORIGIN), 5);
        bytes[] memory bodies = recipient.received(ORIGIN);
        assertEq(bodies.length, 5);
        for (uint256 i; i < bodies.length; ++i) {
            assertEq(bodies[i], abi.encode(i));
        }
    }

    function test_process_DeliversDispatchedMessage() public {
        useValidators(1, 1);
        vm.prank(alice);
        bytes32 id = originMailbox.dispatch(DESTINATION, address(recipient), "from origin");
        bytes memory message = buildMessage(0, address(recipient), "from origin");
        assertEq(keccak256(message), id);
        mailbox.process(message, attest(message, 1));
        assertTrue(mailbox.delivered(id));
    }

    function test_process_AcceptsMoreSignaturesThanThreshold() public {
        useValidators(5, 2);
        bytes memory message = buildMessage(0, address(recipient), "");
        mailbox.process(message, attest(message, 5));
        assertTrue(mailbox.delivered(keccak256(message)));
    }

    function test_RevertWhen_VersionUnsupported() public {
        useValidators(1, 1);
        bytes memory message =
            abi.encode(uint8(2), uint64(0), ORIGIN, alice, DESTINATION, address(recipient), "");
        bytes[] memory signatures = attest(message, 1);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxUnsupportedVersion.selector, 2));
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_DestinationIsAnotherDomain() public {
        useValidators(1, 1);
        bytes memory message =
            Message.encode(0, ORIGIN, alice, OTHER_DOMAIN, address(recipient), "");
        bytes[] memory signatures = attest(message, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMailbox.MailboxWrongDestination.selector, OTHER_DOMAIN, DESTINATION
            )
        );
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_MessageReplayed() public {
        useValidators(3, 2);
        deliver(2, address(recipient), 2);
        bytes memory first = buildMessage(0, address(recipient), abi.encode(0));
        bytes[] memory signatures = attest(first, 2);
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxAlreadyDelivered.selector, keccak256(first))
        );
        mailbox.process(first, signatures);
    }

    function test_RevertWhen_NonceAheadOfChannel() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(1, address(recipient), "early");
        bytes[] memory signatures = attest(message, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxNonceOutOfOrder.selector, ORIGIN, 0, 1)
        );
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_NonceAlreadyUsedByAnotherMessage() public {
        useValidators(1, 1);
        deliver(1, address(recipient), 1);
        bytes memory conflicting = buildMessage(0, address(recipient), "equivocation");
        bytes[] memory signatures = attest(conflicting, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxNonceOutOfOrder.selector, ORIGIN, 1, 0)
        );
        mailbox.process(conflicting, signatures);
    }

    function test_RevertWhen_QuorumNotMet() public {
        useValidators(3, 2);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = attest(message, 1);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, 1, 2));
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_OriginHasNoValidatorSet() public {
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = attest(message, 3);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, 3, 0));
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_NoSignatures() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, 0, 1));
        mailbox.process(message, new bytes[](0));
    }

    function test_RevertWhen_SignerNotInSet() public {
        useValidators(2, 2);
        bytes memory message = buildMessage(0, address(recipient), "");
        // Pool validators 0, 1 and 2 are ascending; 2 is outside the set.
        uint256[] memory keys = new uint256[](2);
        keys[0] = validatorKeys[0];
        keys[1] = validatorKeys[2];
        bytes[] memory signatures = signDigest(mailbox.attestationDigest(keccak256(message)), keys);
        vm.expectRevert(
            abi.encodeWithSelector(IQuorum.QuorumSignerNotMember.selector, validatorPool[2])
        );
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_SignaturesUnsorted() public {
        useValidators(3, 2);
        bytes memory message = buildMessage(0, address(recipient), "");
        uint256[] memory keys = new uint256[](2);
        keys[0] = validatorKeys[1];
        keys[1] = validatorKeys[0];
        bytes[] memory signatures = signDigest(mailbox.attestationDigest(keccak256(message)), keys);
        vm.expectRevert(
            abi.encodeWithSelector(
                IQuorum.QuorumSignersNotSorted.selector, validatorPool[1], validatorPool[0]
            )
        );
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_SignerDuplicated() public {
        useValidators(3, 2);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = attest(message, 1);
        bytes[] memory doubled = new bytes[](2);
        doubled[0] = signatures[0];
        doubled[1] = signatures[0];
        vm.expectRevert(
            abi.encodeWithSelector(
                IQuorum.QuorumSignersNotSorted.selector, validatorPool[0], validatorPool[0]
            )
        );
        mailbox.process(message, doubled);
    }

    function test_RevertWhen_SignatureForgedByOutsider() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        (address forger, uint256 forgerKey) = makeAddrAndKey("forger");
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = sign(forgerKey, mailbox.attestationDigest(keccak256(message)));
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumSignerNotMember.selector, forger));
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_SignatureMalformedLength() public {
        useValidators(2, 2);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = attest(message, 2);
        signatures[1] = bytes.concat(signatures[1], hex"00");
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidSignature.selector, 1));
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_SignatureMalleableHighS() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(validatorKeys[0], mailbox.attestationDigest(keccak256(message)));
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? 28 : 27);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidSignature.selector, 0));
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_SignatureHasInvalidV() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = attest(message, 1);
        signatures[0][64] = bytes1(uint8(29));
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidSignature.selector, 0));
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_MessageTamperedAfterSigning() public {
        useValidators(1, 1);
        bytes memory signed = buildMessage(0, address(recipient), "pay 1");
        bytes[] memory signatures = attest(signed, 1);
        bytes memory tampered = buildMessage(0, address(recipient), "pay 1000");
        vm.expectPartialRevert(IQuorum.QuorumSignerNotMember.selector);
        mailbox.process(tampered, signatures);
    }

    function test_RevertWhen_SignedForAnotherChainId() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes32 foreignDigest =
            attestationDigestFor(keccak256(message), block.chainid + 1, address(mailbox));
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = sign(validatorKeys[0], foreignDigest);
        vm.expectPartialRevert(IQuorum.QuorumSignerNotMember.selector);
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_SignedForAnotherMailbox() public {
        useValidators(1, 1);
        Mailbox twin = deployMailbox(DESTINATION);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = sign(validatorKeys[0], twin.attestationDigest(keccak256(message)));
        vm.expectPartialRevert(IQuorum.QuorumSignerNotMember.selector);
        mailbox.process(message, signatures);
    }

    function test_process_RebuildsDomainSeparatorAfterChainIdFork() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes32 separatorBefore = mailbox.domainSeparator();
        bytes[] memory signaturesBefore = attest(message, 1);

        vm.chainId(block.chainid + 1000);

        assertNotEq(mailbox.domainSeparator(), separatorBefore);
        assertEq(
            mailbox.attestationDigest(keccak256(message)),
            attestationDigestFor(keccak256(message), block.chainid, address(mailbox))
        );
        vm.expectPartialRevert(IQuorum.QuorumSignerNotMember.selector);
        mailbox.process(message, signaturesBefore);
        mailbox.process(message, attest(message, 1));
        assertTrue(mailbox.delivered(keccak256(message)));
    }

    function test_RevertWhen_ProcessPaused() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = attest(message, 1);
        vm.prank(guardian);
        mailbox.pause();
        vm.expectRevert(IMailbox.MailboxPaused.selector);
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_MessageMalformed() public {
        useValidators(1, 1);
        bytes memory truncated = hex"0001";
        vm.expectRevert();
        mailbox.process(truncated, new bytes[](0));
    }

    function testFuzz_process_RejectsAnyTamperedByte(uint256 index, uint8 mask) public {
        useValidators(1, 1);
        bytes memory message = buildMessage(7, address(recipient), "some body to tamper with");
        bytes[] memory signatures = attest(message, 1);
        index = bound(index, 0, message.length - 1);
        mask = uint8(bound(mask, 1, type(uint8).max));
        message[index] = message[index] ^ bytes1(mask);

        vm.expectRevert();
        mailbox.process(message, signatures);
    }

    function testFuzz_process_AcceptsExactlyQuorumsOfTheSet(
        uint256 size,
        uint256 t,
        uint256 signerMask
    ) public {
        size = bound(size, 1, VALIDATOR_POOL);
        // Bounded by `size`, at most VALIDATOR_POOL (8).
        // forge-lint: disable-next-line(unsafe-typecast)
        uint8 threshold = uint8(bound(t, 1, size));
        useValidators(size, threshold);
        uint256[] memory keys = _subset(signerMask, size);
        bytes memory message = buildMessage(0, address(recipient), "fuzz");
        bytes[] memory signatures = signDigest(mailbox.attestationDigest(keccak256(message)), keys);

        if (keys.length < threshold) {
            vm.expectRevert(
                abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, keys.length, threshold)
            );
        }
        mailbox.process(message, signatures);
        assertEq(mailbox.delivered(keccak256(message)), keys.length >= threshold);
    }

    function testFuzz_process_RejectsAnyOutsiderInTheSignatures(
        uint256 setMask,
        uint256 signerMask,
        uint256 outsider
    ) public {
        outsider = bound(outsider, 0, VALIDATOR_POOL - 1);
        // A non-empty set of pool validators without the outsider.
        setMask = (setMask | 2 ** ((outsider + 1) % VALIDATOR_POOL)) & ~(2 ** outsider);
        signerMask = (signerMask & setMask) | 2 ** outsider;
        address[] memory set = _addresses(setMask);
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, 1);

        bytes memory message = buildMessage(0, address(recipient), "fuzz");
        // The pool is ascending, so the outsider sits at its sorted position among the members.
        bytes[] memory signatures = signDigest(
            mailbox.attestationDigest(keccak256(message)), _subset(signerMask, VALIDATOR_POOL)
        );
        vm.expectRevert(
            abi.encodeWithSelector(IQuorum.QuorumSignerNotMember.selector, validatorPool[outsider])
        );
        mailbox.process(message, signatures);
    }

    // ---------------------------------------------------------------- processBatch

    function test_processBatch_DeliversInOrder() public {
        useValidators(3, 2);
        (bytes[] memory messages, bytes[][] memory signatures) = _batch(0, 4, 2);
        mailbox.processBatch(messages, signatures);
        assertEq(mailbox.inboundNonce(ORIGIN), 4);
        assertEq(recipient.count(), 4);
        assertEq(recipient.lastBody(), abi.encode(3));
    }

    function test_processBatch_SkipsMessageDeliveredByAnotherRelayer() public {
        useValidators(3, 2);
        (bytes[] memory messages, bytes[][] memory signatures) = _batch(0, 3, 2);
        mailbox.process(messages[0], signatures[0]);

        vm.expectEmit(address(mailbox));
        emit IMailbox.MessageSkipped(keccak256(messages[0]));
        vm.expectEmit(address(mailbox));
        emit IMailbox.Process(keccak256(messages[1]), ORIGIN, 1, address(recipient));
        mailbox.processBatch(messages, signatures);

        assertEq(mailbox.inboundNonce(ORIGIN), 3);
        assertEq(recipient.count(), 3);
    }

    function test_processBatch_SkipsWholeBatchAlreadyDelivered() public {
        useValidators(1, 1);
        (bytes[] memory messages, bytes[][] memory signatures) = _batch(0, 2, 1);
        mailbox.processBatch(messages, signatures);
        mailbox.processBatch(messages, signatures);
        assertEq(recipient.count(), 2);
    }

    function test_processBatch_SkipsDuplicateInsideBatch() public {
        useValidators(1, 1);
        (bytes[] memory messages, bytes[][] memory signatures) = _batch(0, 2, 1);
        bytes[] memory doubled = new bytes[](3);
        bytes[][] memory doubledSignatures = new bytes[][](3);
        (doubled[0], doubled[1], doubled[2]) = (messages[0], messages[0], messages[1]);
        (doubledSignatures[0], doubledSignatures[1], doubledSignatures[2]) =
        (signatures[0], signatures[0], signatures[1]);

        vm.expectEmit(address(mailbox));
        emit IMailbox.MessageSkipped(keccak256(messages[0]));
        mailbox.processBatch(doubled, doubledSignatures);
        assertEq(recipient.count(), 2);
    }

    function test_processBatch_RecordsFailedHandlerAndGoesOn() public {
        useValidators(1, 1);
        bytes[] memory messages = new bytes[](2);
        bytes[][] memory signatures = new bytes[][](2);
        messages[0] = buildMessage(0, address(recipient), hex"ff");
        messages[1] = buildMessage(1, address(recipient), "ok");
        signatures[0] = attest(messages[0], 1);
        signatures[1] = attest(messages[1], 1);
        mailbox.processBatch(messages, signatures);
        assertTrue(mailbox.failed(keccak256(messages[0])));
        assertEq(recipient.lastBody(), "ok");
    }

    function test_RevertWhen_BatchHasUnattestedMessage() public {
        useValidators(3, 2);
        (bytes[] memory messages, bytes[][] memory signatures) = _batch(0, 3, 2);
        signatures[2] = attest(messages[2], 1);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, 1, 2));
        mailbox.processBatch(messages, signatures);
        assertEq(mailbox.inboundNonce(ORIGIN), 0);
        assertEq(recipient.count(), 0);
    }

    function test_RevertWhen_BatchOutOfOrder() public {
        useValidators(1, 1);
        (bytes[] memory messages, bytes[][] memory signatures) = _batch(0, 2, 1);
        (messages[0], messages[1]) = (messages[1], messages[0]);
        (signatures[0], signatures[1]) = (signatures[1], signatures[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxNonceOutOfOrder.selector, ORIGIN, 0, 1)
        );
        mailbox.processBatch(messages, signatures);
    }

    function test_processBatch_DeliversBatchDispatcherLoad() public {
        useValidators(3, 2);
        BatchDispatcher dispatcher = new BatchDispatcher();
        bytes32[] memory ids = dispatcher.dispatchMany(
            address(originMailbox), DESTINATION, address(recipient), 5, "load-"
        );

        bytes[] memory messages = new bytes[](ids.length);
        bytes[][] memory signatures = new bytes[][](ids.length);
        for (uint64 nonce; nonce < ids.length; ++nonce) {
            bytes memory body = bytes.concat("load-", abi.encode(nonce));
            messages[nonce] = Message.encode(
                nonce, ORIGIN, address(dispatcher), DESTINATION, address(recipient), body
            );
            assertEq(keccak256(messages[nonce]), ids[nonce]);
            signatures[nonce] = attest(messages[nonce], 2);
        }
        mailbox.processBatch(messages, signatures);

        bytes[] memory received = recipient.received(ORIGIN);
        assertEq(recipient.receivedCount(ORIGIN), 5);
        assertEq(received[4], bytes.concat("load-", abi.encode(4)));
        assertEq(recipient.lastSender(), address(dispatcher));
    }

    function test_RevertWhen_BatchLengthMismatch() public {
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxBatchLengthMismatch.selector, 2, 1));
        mailbox.processBatch(new bytes[](2), new bytes[][](1));
    }

    function test_RevertWhen_BatchPaused() public {
        vm.prank(owner);
        mailbox.pause();
        vm.expectRevert(IMailbox.MailboxPaused.selector);
        mailbox.processBatch(new bytes[](0), new bytes[][](0));
    }

    // ---------------------------------------------------------------- helpers

    function _selector(bytes memory revertData) private pure returns (bytes4) {
        // Revert data starts with the 4-byte error selector; the rest is its arguments.
        // forge-lint: disable-next-line(unsafe-typecast)
        return bytes4(revertData);
    }

    function _batch(uint64 firstNonce, uint256 count, uint256 signers)
        private
        view
        returns (bytes[] memory messages, bytes[][] memory signatures)
    {
        messages = new bytes[](count);
        signatures = new bytes[][](count);
        for (uint256 i; i < count; ++i) {
            // Nonces stay far below 2**64 in tests.
            // forge-lint: disable-next-line(unsafe-typecast)
            uint64 nonce = firstNonce + uint64(i);
            messages[i] = buildMessage(nonce, address(recipient), abi.encode(nonce));
            signatures[i] = attest(messages[i], signers);
        }
    }

    /// @dev The pool validators selected by the bits of `mask`, ascending.
    function _addresses(uint256 mask) private view returns (address[] memory set) {
        uint256[] memory keys = _subset(mask, VALIDATOR_POOL);
        set = new address[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            set[i] = vm.addr(keys[i]);
        }
    }

    /// @dev The keys of the first `size` pool validators selected by the bits of `mask`,
    /// ascending by address.
    function _subset(uint256 mask, uint256 size) private view returns (uint256[] memory keys) {
        uint256 count;
        for (uint256 i; i < size; ++i) {
            if ((mask >> i) & 1 == 1) ++count;
        }
        keys = new uint256[](count);
        uint256 k;
        for (uint256 i; i < size; ++i) {
            if ((mask >> i) & 1 == 1) keys[k++] = validatorKeys[i];
        }
    }
}
