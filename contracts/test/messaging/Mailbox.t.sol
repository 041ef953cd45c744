// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {Message} from "../../src/libraries/Message.sol";
import {Mailbox} from "../../src/messaging/Mailbox.sol";
import {RecordingRecipient} from "../helpers/RecordingRecipient.sol";
import {MessagingTest} from "./MessagingTest.sol";
import {
    CallingRecipient,
    GasBurnerRecipient,
    GasProbeRecipient,
    ReturnBombRecipient
} from "./mocks/HostileRecipients.sol";

contract MailboxTest is MessagingTest {
    uint256 private constant DEFAULT_HANDLER_GAS = 200_000;
    /// @dev secp256k1 group order; `s` above half of it is the malleable twin of a signature.
    uint256 private constant SECP256K1_N =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ---------------------------------------------------------------- constructor

    function test_constructor_SetsConfiguration() public view {
        assertEq(mailbox.localDomain(), DESTINATION);
        assertEq(mailbox.owner(), owner);
        assertEq(mailbox.guardian(), guardian);
        assertEq(mailbox.handlerGas(), DEFAULT_HANDLER_GAS);
        assertFalse(mailbox.paused());
        assertEq(mailbox.threshold(ORIGIN), 0);
        assertEq(mailbox.validators(ORIGIN).length, 0);
        assertEq(mailbox.MAX_BODY_BYTES(), Message.MAX_BODY_BYTES);
        assertEq(mailbox.ATTESTATION_TYPEHASH(), ATTESTATION_TYPEHASH);
    }

    function test_constructor_EmitsInitialSettings() public {
        vm.expectEmit();
        emit IMailbox.HandlerGasSet(DEFAULT_HANDLER_GAS);
        vm.expectEmit();
        emit IMailbox.GuardianSet(guardian);
        deployMailbox(DESTINATION);
    }

    function test_RevertWhen_ConstructedWithZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new Mailbox(DESTINATION, address(0), guardian);
    }

    function test_eip712Domain_IsCrossflowMailboxVersionOne() public view {
        (, string memory name, string memory version, uint256 chainId, address verifier,,) =
            mailbox.eip712Domain();
        assertEq(name, "crossflow Mailbox");
        assertEq(version, "1");
        assertEq(chainId, block.chainid);
        assertEq(verifier, address(mailbox));
    }

    function test_attestationDigest_IsEip712HashOfAttestation() public view {
        bytes32 messageId = keccak256("message");
        assertEq(
            mailbox.attestationDigest(messageId),
            attestationDigestFor(messageId, block.chainid, address(mailbox))
        );
    }

    function test_domainSeparator_BindsChainIdAndMailbox() public view {
        bytes32 expected = keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH,
                keccak256("crossflow Mailbox"),
                keccak256("1"),
                block.chainid,
                address(mailbox)
            )
        );
        assertEq(mailbox.domainSeparator(), expected);
        assertNotEq(originMailbox.domainSeparator(), expected);
    }

    // ---------------------------------------------------------------- dispatch

    function test_dispatch_ReturnsIdOfEncodedMessage() public {
        vm.prank(alice);
        bytes32 id = originMailbox.dispatch(DESTINATION, address(recipient), "hello");
        assertEq(
            id,
            keccak256(
                abi.encode(
                    uint8(1), uint64(0), ORIGIN, alice, DESTINATION, address(recipient), "hello"
                )
            )
        );
    }

    function test_dispatch_EmitsDispatch() public {
        bytes memory message = buildMessage(0, address(recipient), "hello");
        vm.expectEmit(address(originMailbox));
        emit IMailbox.Dispatch(
            keccak256(message), ORIGIN, 0, DESTINATION, alice, address(recipient), "hello"
        );
        vm.prank(alice);
        originMailbox.dispatch(DESTINATION, address(recipient), "hello");
    }

    function test_dispatch_CountsNoncesPerDestination() public {
        vm.startPrank(alice);
        originMailbox.dispatch(DESTINATION, address(recipient), "a");
        originMailbox.dispatch(DESTINATION, address(recipient), "b");
        originMailbox.dispatch(OTHER_DOMAIN, address(recipient), "c");
        vm.stopPrank();
        assertEq(originMailbox.outboundNonce(DESTINATION), 2);
        assertEq(originMailbox.outboundNonce(OTHER_DOMAIN), 1);
        assertEq(originMailbox.outboundNonce(ORIGIN), 0);
    }

    function test_dispatch_AcceptsMaximumBody() public {
        bytes memory body = new bytes(Message.MAX_BODY_BYTES);
        originMailbox.dispatch(DESTINATION, address(recipient), body);
        assertEq(originMailbox.outboundNonce(DESTINATION), 1);
    }

    function test_RevertWhen_DispatchBodyTooLarge() public {
        bytes memory body = new bytes(Message.MAX_BODY_BYTES + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMailbox.MailboxBodyTooLarge.selector, body.length, Message.MAX_BODY_BYTES
            )
        );
        originMailbox.dispatch(DESTINATION, address(recipient), body);
    }

    function test_dispatch_WorksWhilePaused() public {
        vm.prank(guardian);
        originMailbox.pause();
        originMailbox.dispatch(DESTINATION, address(recipient), "still sending");
        assertEq(originMailbox.outboundNonce(DESTINATION), 1);
    }

    function testFuzz_dispatch_AssignsConsecutiveNonces(uint32 destination, uint8 count) public {
        count = uint8(bound(count, 1, 20));
        for (uint64 nonce; nonce < count; ++nonce) {
            bytes memory body = abi.encode(nonce);
            bytes32 expected = keccak256(
                Message.encode(nonce, ORIGIN, bob, destination, address(recipient), body)
            );
            vm.prank(bob);
            assertEq(originMailbox.dispatch(destination, address(recipient), body), expected);
        }
        assertEq(originMailbox.outboundNonce(destination), count);
    }

    // ---------------------------------------------------------------- setValidators

    function test_setValidators_StoresSet() public {
        useValidators(3, 2);
        assertEq(mailbox.validators(ORIGIN), firstValidators(3));
        assertEq(mailbox.threshold(ORIGIN), 2);
        for (uint256 i; i < VALIDATOR_POOL; ++i) {
            assertEq(mailbox.isValidator(ORIGIN, validatorPool[i]), i < 3);
        }
        assertEq(mailbox.threshold(OTHER_DOMAIN), 0);
        assertFalse(mailbox.isValidator(OTHER_DOMAIN, validatorPool[0]));
    }

    function test_setValidators_EmitsValidatorsSet() public {
        vm.expectEmit(address(mailbox));
        emit IMailbox.ValidatorsSet(ORIGIN, firstValidators(2), 1);
        useValidators(2, 1);
    }

    function test_setValidators_ReplacesOldSet() public {
        useValidators(3, 2);
        address[] memory replacement = new address[](2);
        replacement[0] = validatorPool[4];
        replacement[1] = validatorPool[2];
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, replacement, 2);

        assertEq(mailbox.validators(ORIGIN), replacement);
        assertFalse(mailbox.isValidator(ORIGIN, validatorPool[0]));
        assertFalse(mailbox.isValidator(ORIGIN, validatorPool[1]));
        assertTrue(mailbox.isValidator(ORIGIN, validatorPool[2]));
        assertTrue(mailbox.isValidator(ORIGIN, validatorPool[4]));
    }

    function test_RevertWhen_OldSetSignsAfterReplacement() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "late");
        bytes[] memory oldSignatures = attest(message, 1);
        address[] memory replacement = new address[](1);
        replacement[0] = validatorPool[1];
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, replacement, 1);

        vm.expectRevert(
            abi.encodeWithSelector(
                IMailbox.MailboxSignerNotValidator.selector, ORIGIN, validatorPool[0]
            )
        );
        mailbox.process(message, oldSignatures);
    }

    function test_RevertWhen_SetValidatorsNotOwner() public {
        address[] memory set = firstValidators(1);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        mailbox.setValidators(ORIGIN, set, 1);
    }

    function test_RevertWhen_ThresholdZero() public {
        address[] memory set = firstValidators(2);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxInvalidThreshold.selector, 0, 2));
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, 0);
    }

    function test_RevertWhen_ThresholdAboveSetSize() public {
        address[] memory set = firstValidators(2);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxInvalidThreshold.selector, 3, 2));
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, 3);
    }

    function test_RevertWhen_ValidatorSetEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxInvalidThreshold.selector, 1, 0));
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, new address[](0), 1);
    }

    function test_RevertWhen_ValidatorIsZeroAddress() public {
        address[] memory set = firstValidators(3);
        set[1] = address(0);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxZeroValidator.selector, 1));
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, 2);
    }

    function test_RevertWhen_ValidatorDuplicated() public {
        address[] memory set = firstValidators(3);
        set[2] = set[0];
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxDuplicateValidator.selector, set[0])
        );
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, 2);
    }

    function test_RevertWhen_TooManyValidators() public {
        uint256 max = mailbox.MAX_VALIDATORS();
        address[] memory set = new address[](max + 1);
        for (uint256 i; i < set.length; ++i) {
            set[i] = vm.addr(i + 1);
        }
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxTooManyValidators.selector, max + 1, max)
        );
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, 1);
    }

    function test_setValidators_AcceptsMaximumSet() public {
        address[] memory set = new address[](mailbox.MAX_VALIDATORS());
        for (uint256 i; i < set.length; ++i) {
            set[i] = vm.addr(i + 1);
        }
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, type(uint8).max > set.length ? uint8(set.length) : 1);
        assertEq(mailbox.validators(ORIGIN).length, set.length);
    }

    function testFuzz_setValidators_StoresAnyValidSet(uint256 seed, uint256 size, uint256 t)
        public
    {
        size = bound(size, 1, mailbox.MAX_VALIDATORS());
        // Bounded by `size`, itself at most MAX_VALIDATORS (64).
        // forge-lint: disable-next-line(unsafe-typecast)
        uint8 threshold = uint8(bound(t, 1, size));
        address[] memory set = new address[](size);
        for (uint256 i; i < size; ++i) {
            set[i] = address(uint160(uint256(keccak256(abi.encode(seed, i)))) | 1);
        }
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, threshold);

        assertEq(mailbox.validators(ORIGIN), set);
        assertEq(mailbox.threshold(ORIGIN), threshold);
        for (uint256 i; i < size; ++i) {
            assertTrue(mailbox.isValidator(ORIGIN, set[i]));
        }
    }

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
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxQuorumNotMet.selector, ORIGIN, 1, 2)
        );
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_OriginHasNoValidatorSet() public {
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = attest(message, 3);
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxQuorumNotMet.selector, ORIGIN, 3, 0)
        );
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_NoSignatures() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxQuorumNotMet.selector, ORIGIN, 0, 1)
        );
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
            abi.encodeWithSelector(
                IMailbox.MailboxSignerNotValidator.selector, ORIGIN, validatorPool[2]
            )
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
                IMailbox.MailboxSignersNotSorted.selector, validatorPool[1], validatorPool[0]
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
                IMailbox.MailboxSignersNotSorted.selector, validatorPool[0], validatorPool[0]
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
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxSignerNotValidator.selector, ORIGIN, forger)
        );
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_SignatureMalformedLength() public {
        useValidators(2, 2);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = attest(message, 2);
        signatures[1] = bytes.concat(signatures[1], hex"00");
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxInvalidSignature.selector, 1));
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_SignatureMalleableHighS() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(validatorKeys[0], mailbox.attestationDigest(keccak256(message)));
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? 28 : 27);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxInvalidSignature.selector, 0));
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_SignatureHasInvalidV() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = attest(message, 1);
        signatures[0][64] = bytes1(uint8(29));
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxInvalidSignature.selector, 0));
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_MessageTamperedAfterSigning() public {
        useValidators(1, 1);
        bytes memory signed = buildMessage(0, address(recipient), "pay 1");
        bytes[] memory signatures = attest(signed, 1);
        bytes memory tampered = buildMessage(0, address(recipient), "pay 1000");
        vm.expectPartialRevert(IMailbox.MailboxSignerNotValidator.selector);
        mailbox.process(tampered, signatures);
    }

    function test_RevertWhen_SignedForAnotherChainId() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes32 foreignDigest =
            attestationDigestFor(keccak256(message), block.chainid + 1, address(mailbox));
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = sign(validatorKeys[0], foreignDigest);
        vm.expectPartialRevert(IMailbox.MailboxSignerNotValidator.selector);
        mailbox.process(message, signatures);
    }

    function test_RevertWhen_SignedForAnotherMailbox() public {
        useValidators(1, 1);
        Mailbox twin = deployMailbox(DESTINATION);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = sign(validatorKeys[0], twin.attestationDigest(keccak256(message)));
        vm.expectPartialRevert(IMailbox.MailboxSignerNotValidator.selector);
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
        vm.expectPartialRevert(IMailbox.MailboxSignerNotValidator.selector);
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
                abi.encodeWithSelector(
                    IMailbox.MailboxQuorumNotMet.selector, ORIGIN, keys.length, threshold
                )
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
            abi.encodeWithSelector(
                IMailbox.MailboxSignerNotValidator.selector, ORIGIN, validatorPool[outsider]
            )
        );
        mailbox.process(message, signatures);
    }

    // ---------------------------------------------------------------- handler gas

    function test_process_ForwardsAllGasButTheReserve() public {
        useValidators(1, 1);
        GasProbeRecipient probe = new GasProbeRecipient();
        bytes memory message = buildMessage(0, address(probe), "");
        bytes[] memory signatures = attest(message, 1);
        mailbox.process{gas: 5_000_000}(message, signatures);
        assertGt(probe.gasAtEntry(), 4_800_000);
    }

    function test_RevertWhen_HandlerGasCannotBeGuaranteed() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), "");
        bytes[] memory signatures = attest(message, 1);
        vm.expectPartialRevert(IMailbox.MailboxInsufficientGas.selector);
        mailbox.process{gas: DEFAULT_HANDLER_GAS}(message, signatures);
    }

    function test_process_GuaranteesHandlerGasAtTheLeastAcceptedGas() public {
        useValidators(3, 2);
        GasProbeRecipient probe = new GasProbeRecipient();
        bytes memory message = buildMessage(0, address(probe), "");
        bytes[] memory signatures = attest(message, 2);

        (uint256 least, bytes memory revertBelow) = _leastGasToProcess(message, signatures);
        assertEq(_selector(revertBelow), IMailbox.MailboxInsufficientGas.selector);

        mailbox.process{gas: least}(message, signatures);
        assertGe(probe.gasAtEntry() + probe.ENTRY_OVERHEAD(), DEFAULT_HANDLER_GAS);
        emit log_named_uint("least gas limit for process (2-of-3, probe handler)", least);
    }

    function test_process_RecordsFailureWithLeastGas() public {
        useValidators(1, 1);
        GasBurnerRecipient burner = new GasBurnerRecipient(10_000);
        bytes memory message = buildMessage(0, address(burner), "");
        bytes[] memory signatures = attest(message, 1);

        // The guard, not the failure bookkeeping, sets the least gas: one unit less fails with
        // `MailboxInsufficientGas`, never an out-of-gas after the handler returned.
        (uint256 least, bytes memory revertBelow) = _leastGasToProcess(message, signatures);
        assertEq(_selector(revertBelow), IMailbox.MailboxInsufficientGas.selector);

        vm.recordLogs();
        mailbox.process{gas: least}(message, signatures);
        assertTrue(mailbox.failed(keccak256(message)));
        bytes memory reason = abi.decode(vm.getRecordedLogs()[1].data, (bytes));
        assertEq(reason.length, mailbox.MAX_FAILURE_REASON_BYTES());
    }

    function testFuzz_process_NeverStarvesHandler(uint256 gasLimit, uint256 handlerGas) public {
        handlerGas = bound(handlerGas, 30_000, 1_000_000);
        gasLimit = bound(gasLimit, 1, 2 * handlerGas + 100_000);
        vm.prank(owner);
        mailbox.setHandlerGas(handlerGas);
        useValidators(3, 2);
        GasProbeRecipient probe = new GasProbeRecipient();
        bytes memory message = buildMessage(0, address(probe), "");
        bytes[] memory signatures = attest(message, 2);

        (bool success,) = address(mailbox).call{gas: gasLimit}(
            abi.encodeCall(IMailbox.process, (message, signatures))
        );

        assertEq(mailbox.delivered(keccak256(message)), success);
        assertFalse(mailbox.failed(keccak256(message)));
        if (success) assertGe(probe.gasAtEntry() + probe.ENTRY_OVERHEAD(), handlerGas);
    }

    function test_setHandlerGas_UpdatesAndEmits() public {
        vm.expectEmit(address(mailbox));
        emit IMailbox.HandlerGasSet(500_000);
        vm.prank(owner);
        mailbox.setHandlerGas(500_000);
        assertEq(mailbox.handlerGas(), 500_000);
    }

    function test_setHandlerGas_AcceptsMaximum() public {
        uint256 max = mailbox.MAX_HANDLER_GAS();
        vm.prank(owner);
        mailbox.setHandlerGas(max);
        assertEq(mailbox.handlerGas(), max);
    }

    function test_RevertWhen_HandlerGasTooHigh() public {
        uint256 max = mailbox.MAX_HANDLER_GAS();
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxHandlerGasTooHigh.selector, max + 1, max)
        );
        vm.prank(owner);
        mailbox.setHandlerGas(max + 1);
    }

    function test_RevertWhen_SetHandlerGasNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        mailbox.setHandlerGas(1);
    }

    // ---------------------------------------------------------------- failing handlers

    function test_process_RecordsFailedHandler() public {
        useValidators(1, 1);
        bytes memory body = hex"ff01";
        bytes memory message = buildMessage(0, address(recipient), body);
        bytes32 id = keccak256(message);
        bytes[] memory signatures = attest(message, 1);

        vm.expectEmit(address(mailbox));
        emit IMailbox.Process(id, ORIGIN, 0, address(recipient));
        vm.expectEmit(address(mailbox));
        emit IMailbox.MessageFailed(id, _rejection(body));
        mailbox.process(message, signatures);

        assertTrue(mailbox.delivered(id));
        assertTrue(mailbox.failed(id));
        assertEq(mailbox.inboundNonce(ORIGIN), 1);
        assertEq(recipient.count(), 0);
    }

    function test_process_KeepsChannelMovingAfterFailure() public {
        useValidators(1, 1);
        bytes memory failing = buildMessage(0, address(recipient), hex"ff");
        mailbox.process(failing, attest(failing, 1));
        bytes memory next = buildMessage(1, address(recipient), "next");
        mailbox.process(next, attest(next, 1));
        assertTrue(mailbox.failed(keccak256(failing)));
        assertEq(recipient.lastBody(), "next");
        assertEq(mailbox.inboundNonce(ORIGIN), 2);
    }

    function test_process_RecordsRecipientWithoutCodeAsFailed() public {
        useValidators(1, 1);
        address eoa = makeAddr("eoa");
        bytes memory message = buildMessage(0, eoa, "");
        bytes[] memory signatures = attest(message, 1);
        vm.expectEmit(address(mailbox));
        emit IMailbox.MessageFailed(
            keccak256(message),
            abi.encodeWithSelector(IMailbox.MailboxRecipientNotContract.selector, eoa)
        );
        mailbox.process(message, signatures);
        assertTrue(mailbox.failed(keccak256(message)));
    }

    function test_process_TruncatesHugeRevertReason() public {
        useValidators(1, 1);
        ReturnBombRecipient bomb = new ReturnBombRecipient(200_000);
        bytes memory message = buildMessage(0, address(bomb), "");
        bytes[] memory signatures = attest(message, 1);
        vm.recordLogs();
        mailbox.process{gas: 2_000_000}(message, signatures);
        assertTrue(mailbox.failed(keccak256(message)));
        bytes memory reason = abi.decode(vm.getRecordedLogs()[1].data, (bytes));
        assertEq(reason.length, mailbox.MAX_FAILURE_REASON_BYTES());
        assertEq(uint8(reason[0]), 0xFF);
    }

    function test_process_RecordsHandlerThatBurnsAllGas() public {
        useValidators(1, 1);
        GasBurnerRecipient burner = new GasBurnerRecipient(0);
        bytes memory message = buildMessage(0, address(burner), "");
        bytes[] memory signatures = attest(message, 1);
        mailbox.process{gas: 1_000_000}(message, signatures);
        assertTrue(mailbox.failed(keccak256(message)));
        assertEq(mailbox.inboundNonce(ORIGIN), 1);
    }

    function test_process_RecordsMailboxAsRecipientFailed() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(mailbox), "");
        mailbox.process(message, attest(message, 1));
        assertTrue(mailbox.failed(keccak256(message)));
    }

    function test_process_BlocksHandlerReenteringProcess() public {
        useValidators(1, 1);
        CallingRecipient reentrant = new CallingRecipient();
        bytes memory next = buildMessage(1, address(recipient), "");
        reentrant.setCall(
            address(mailbox), abi.encodeCall(IMailbox.process, (next, attest(next, 1)))
        );
        _expectFailureOf(address(reentrant), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
    }

    function test_process_BlocksHandlerReenteringProcessBatch() public {
        useValidators(1, 1);
        CallingRecipient reentrant = new CallingRecipient();
        reentrant.setCall(
            address(mailbox),
            abi.encodeCall(IMailbox.processBatch, (new bytes[](0), new bytes[][](0)))
        );
        _expectFailureOf(address(reentrant), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
    }

    function test_process_BlocksHandlerReenteringRetry() public {
        useValidators(1, 1);
        CallingRecipient reentrant = new CallingRecipient();
        reentrant.setCall(address(mailbox), abi.encodeCall(IMailbox.retry, (bytes(""))));
        _expectFailureOf(address(reentrant), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
    }

    function test_process_KeepsHandlerAwayFromAdmin() public {
        useValidators(1, 1);
        CallingRecipient intruder = new CallingRecipient();
        intruder.setCall(
            address(mailbox), abi.encodeCall(IMailbox.setValidators, (ORIGIN, firstValidators(1), 1))
        );
        _expectFailureOf(address(intruder), Ownable.OwnableUnauthorizedAccount.selector);

        intruder.setCall(address(mailbox), abi.encodeCall(IMailbox.pause, ()));
        bytes memory message = buildMessage(1, address(intruder), "");
        bytes[] memory signatures = attest(message, 1);
        vm.expectEmit(address(mailbox));
        emit IMailbox.MessageFailed(
            keccak256(message),
            abi.encodeWithSelector(IMailbox.MailboxNotPauser.selector, address(mailbox))
        );
        mailbox.process(message, signatures);
        assertFalse(mailbox.paused());
    }

    function test_process_LetsHandlerDispatchReply() public {
        useValidators(1, 1);
        CallingRecipient replier = new CallingRecipient();
        replier.setCall(
            address(mailbox), abi.encodeCall(IMailbox.dispatch, (ORIGIN, alice, bytes("reply")))
        );
        bytes memory message = buildMessage(0, address(replier), "");
        bytes[] memory signatures = attest(message, 1);
        vm.expectEmit(address(mailbox));
        emit IMailbox.Dispatch(
            keccak256(Message.encode(0, DESTINATION, address(replier), ORIGIN, alice, "reply")),
            DESTINATION,
            0,
            ORIGIN,
            address(replier),
            alice,
            "reply"
        );
        mailbox.process(message, signatures);
        assertFalse(mailbox.failed(keccak256(message)));
        assertEq(mailbox.outboundNonce(ORIGIN), 1);
    }

    // ---------------------------------------------------------------- retry

    function test_retry_DeliversOnceHandlerRecovers() public {
        useValidators(1, 1);
        recipient.setRevertAll(true);
        bytes memory message = buildMessage(0, address(recipient), "later");
        bytes32 id = keccak256(message);
        mailbox.process(message, attest(message, 1));
        assertTrue(mailbox.failed(id));

        recipient.setRevertAll(false);
        vm.expectEmit(address(mailbox));
        emit IMailbox.MessageRetried(id);
        vm.expectEmit(address(recipient));
        emit RecordingRecipient.Handled(ORIGIN, alice, "later");
        vm.prank(bob);
        mailbox.retry(message);

        assertFalse(mailbox.failed(id));
        assertTrue(mailbox.delivered(id));
        assertEq(recipient.count(), 1);
        assertEq(mailbox.inboundNonce(ORIGIN), 1);
    }

    function test_RevertWhen_RetryFailsAgain() public {
        useValidators(1, 1);
        bytes memory body = hex"ff";
        bytes memory message = buildMessage(0, address(recipient), body);
        mailbox.process(message, attest(message, 1));

        vm.expectRevert(_rejection(body));
        mailbox.retry(message);
        assertTrue(mailbox.failed(keccak256(message)));

        recipient.setRevertAll(true);
        vm.expectRevert(_rejection(body));
        mailbox.retry(message);
        assertTrue(mailbox.failed(keccak256(message)));
    }

    function test_RevertWhen_RetryOfMessageNeverDelivered() public {
        bytes memory message = buildMessage(0, address(recipient), "");
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxNotFailed.selector, keccak256(message))
        );
        mailbox.retry(message);
    }

    function test_RevertWhen_RetryOfSucceededMessage() public {
        useValidators(1, 1);
        recipient.setRevertAll(true);
        bytes memory message = buildMessage(0, address(recipient), "");
        mailbox.process(message, attest(message, 1));
        recipient.setRevertAll(false);
        mailbox.retry(message);

        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxNotFailed.selector, keccak256(message))
        );
        mailbox.retry(message);
        assertEq(recipient.count(), 1);
    }

    function test_RevertWhen_RetryPaused() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(recipient), hex"ff");
        mailbox.process(message, attest(message, 1));
        vm.prank(guardian);
        mailbox.pause();
        vm.expectRevert(IMailbox.MailboxPaused.selector);
        mailbox.retry(message);
    }

    function test_retry_WaitsForRecipientCode() public {
        useValidators(1, 1);
        address future = makeAddr("future app");
        bytes memory message = buildMessage(0, future, "");
        mailbox.process(message, attest(message, 1));

        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxRecipientNotContract.selector, future)
        );
        mailbox.retry(message);

        vm.etch(future, address(new RecordingRecipient()).code);
        mailbox.retry(message);
        assertFalse(mailbox.failed(keccak256(message)));
        assertEq(RecordingRecipient(future).count(), 1);
    }

    function test_RevertWhen_RetryReentersRetry() public {
        useValidators(1, 1);
        CallingRecipient reentrant = new CallingRecipient();
        bytes memory message = buildMessage(0, address(reentrant), "");
        // First delivery fails: the handler's call into `retry` hits the guard.
        reentrant.setCall(address(mailbox), abi.encodeCall(IMailbox.retry, (message)));
        mailbox.process(message, attest(message, 1));
        assertTrue(mailbox.failed(keccak256(message)));

        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        mailbox.retry(message);
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
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxQuorumNotMet.selector, ORIGIN, 1, 2)
        );
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

    function test_RevertWhen_BatchLengthMismatch() public {
        vm.expectRevert(
            abi.encodeWithSelector(IMailbox.MailboxBatchLengthMismatch.selector, 2, 1)
        );
        mailbox.processBatch(new bytes[](2), new bytes[][](1));
    }

    function test_RevertWhen_BatchPaused() public {
        vm.prank(owner);
        mailbox.pause();
        vm.expectRevert(IMailbox.MailboxPaused.selector);
        mailbox.processBatch(new bytes[](0), new bytes[][](0));
    }

    // ---------------------------------------------------------------- pause and guardian

    function test_pause_ByGuardian() public {
        vm.expectEmit(address(mailbox));
        emit IMailbox.Paused(guardian);
        vm.prank(guardian);
        mailbox.pause();
        assertTrue(mailbox.paused());
    }

    function test_pause_ByOwner() public {
        vm.prank(owner);
        mailbox.pause();
        assertTrue(mailbox.paused());
    }

    function test_RevertWhen_PauseByStranger() public {
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxNotPauser.selector, alice));
        vm.prank(alice);
        mailbox.pause();
    }

    function test_RevertWhen_PauseAlreadyPaused() public {
        vm.prank(guardian);
        mailbox.pause();
        vm.expectRevert(IMailbox.MailboxPaused.selector);
        vm.prank(owner);
        mailbox.pause();
    }

    function test_unpause_ByOwnerResumesDelivery() public {
        useValidators(1, 1);
        vm.prank(guardian);
        mailbox.pause();
        vm.expectEmit(address(mailbox));
        emit IMailbox.Unpaused(owner);
        vm.prank(owner);
        mailbox.unpause();
        assertFalse(mailbox.paused());
        deliver(1, address(recipient), 1);
        assertEq(recipient.count(), 1);
    }

    function test_RevertWhen_UnpauseByGuardian() public {
        vm.prank(guardian);
        mailbox.pause();
        vm.expectRevert(
            abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian)
        );
        vm.prank(guardian);
        mailbox.unpause();
    }

    function test_RevertWhen_UnpauseNotPaused() public {
        vm.expectRevert(IMailbox.MailboxNotPaused.selector);
        vm.prank(owner);
        mailbox.unpause();
    }

    function test_setGuardian_MovesPauseRight() public {
        vm.expectEmit(address(mailbox));
        emit IMailbox.GuardianSet(bob);
        vm.prank(owner);
        mailbox.setGuardian(bob);
        assertEq(mailbox.guardian(), bob);

        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxNotPauser.selector, guardian));
        vm.prank(guardian);
        mailbox.pause();
        vm.prank(bob);
        mailbox.pause();
        assertTrue(mailbox.paused());
    }

    function test_setGuardian_ZeroLeavesOnlyOwner() public {
        vm.prank(owner);
        mailbox.setGuardian(address(0));
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxNotPauser.selector, address(0)));
        vm.prank(address(0));
        mailbox.pause();
    }

    function test_RevertWhen_SetGuardianNotOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian)
        );
        vm.prank(guardian);
        mailbox.setGuardian(guardian);
    }

    function test_transferOwnership_TakesEffectOnAccept() public {
        vm.prank(owner);
        mailbox.transferOwnership(bob);
        assertEq(mailbox.owner(), owner);
        vm.prank(bob);
        mailbox.acceptOwnership();
        assertEq(mailbox.owner(), bob);
    }

    // ---------------------------------------------------------------- gas

    function test_process_Gas1of1Quorum() public {
        _logProcessGas(1, 1);
    }

    function test_process_Gas2of3Quorum() public {
        _logProcessGas(3, 2);
    }

    function test_process_Gas3of5Quorum() public {
        _logProcessGas(5, 3);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev Measures a steady-state delivery (nonce 1, 32-byte body) with cold storage, as a
    /// relayer's transaction sees it, and logs execution gas and the transaction's total.
    function _logProcessGas(uint256 size, uint8 threshold) private {
        useValidators(size, threshold);
        deliver(1, address(recipient), threshold);
        bytes memory message = buildMessage(1, address(recipient), abi.encode(1));
        bytes[] memory signatures = attest(message, threshold);
        bytes memory callData = abi.encodeCall(IMailbox.process, (message, signatures));
        vm.cool(address(mailbox));
        vm.cool(address(recipient));

        uint256 before = gasleft();
        mailbox.process(message, signatures);
        uint256 execution = before - gasleft();

        string memory quorum = string.concat(vm.toString(threshold), "-of-", vm.toString(size));
        emit log_named_uint(string.concat("process execution gas, ", quorum), execution);
        emit log_named_uint(
            string.concat("process transaction gas, ", quorum),
            21_000 + _calldataGas(callData) + execution
        );
        assertTrue(mailbox.delivered(keccak256(message)));
    }

    /// @dev Standard calldata cost (EIP-2028); the EIP-7623 floor is below it for these calls.
    function _calldataGas(bytes memory data) private pure returns (uint256 gas_) {
        for (uint256 i; i < data.length; ++i) {
            gas_ += data[i] == 0 ? 4 : 16;
        }
    }

    /// @dev Binary search for the least gas limit at which `process` succeeds, and the revert
    /// data one unit below it. Every probe runs on a snapshot that is rolled back.
    function _leastGasToProcess(bytes memory message, bytes[] memory signatures)
        private
        returns (uint256 least, bytes memory revertBelow)
    {
        bytes memory callData = abi.encodeCall(IMailbox.process, (message, signatures));
        uint256 low = 1;
        uint256 high = 3_000_000;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            uint256 snapshot = vm.snapshotState();
            (bool success,) = address(mailbox).call{gas: mid}(callData);
            vm.revertToState(snapshot);
            if (success) high = mid;
            else low = mid + 1;
        }
        least = low;
        bool successBelow;
        (successBelow, revertBelow) = address(mailbox).call{gas: least - 1}(callData);
        assertFalse(successBelow);
    }

    /// @dev Delivers nonce 0 to `target` and expects its handler to fail with `selector`.
    function _expectFailureOf(address target, bytes4 selector) private {
        bytes memory message = buildMessage(mailbox.inboundNonce(ORIGIN), target, "");
        bytes[] memory signatures = attest(message, 1);
        vm.recordLogs();
        mailbox.process(message, signatures);
        assertTrue(mailbox.failed(keccak256(message)));
        bytes memory reason = abi.decode(vm.getRecordedLogs()[1].data, (bytes));
        assertEq(_selector(reason), selector);
    }

    function _selector(bytes memory revertData) private pure returns (bytes4) {
        // Revert data starts with the 4-byte error selector; the rest is its arguments.
        // forge-lint: disable-next-line(unsafe-typecast)
        return bytes4(revertData);
    }

    function _rejection(bytes memory body) private view returns (bytes memory) {
        return abi.encodeWithSelector(
            RecordingRecipient.RecordingRecipientRejected.selector, ORIGIN, alice, body
        );
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
