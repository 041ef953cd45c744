// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {IQuorum} from "../../src/interfaces/IQuorum.sol";
import {Message} from "../../src/libraries/Message.sol";
import {Quorum} from "../../src/libraries/Quorum.sol";
import {Mailbox} from "../../src/messaging/Mailbox.sol";
import {MessagingTest} from "./MessagingTest.sol";

/// @notice Construction, dispatch, validator sets, pause and ownership.
contract MailboxTest is MessagingTest {
    uint256 private constant DEFAULT_HANDLER_GAS = 200_000;

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
        assertEq(mailbox.MAX_VALIDATORS(), Quorum.MAX_SIGNERS);
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
            abi.encodeWithSelector(IQuorum.QuorumSignerNotMember.selector, validatorPool[0])
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
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidThreshold.selector, 0, 2));
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, 0);
    }

    function test_RevertWhen_ThresholdAboveSetSize() public {
        address[] memory set = firstValidators(2);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidThreshold.selector, 3, 2));
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, 3);
    }

    function test_RevertWhen_ValidatorSetEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidThreshold.selector, 1, 0));
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, new address[](0), 1);
    }

    function test_RevertWhen_ValidatorIsZeroAddress() public {
        address[] memory set = firstValidators(3);
        set[1] = address(0);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumZeroSigner.selector, 1));
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, 2);
    }

    function test_RevertWhen_ValidatorDuplicated() public {
        address[] memory set = firstValidators(3);
        set[2] = set[0];
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumDuplicateSigner.selector, set[0]));
        vm.prank(owner);
        mailbox.setValidators(ORIGIN, set, 2);
    }

    function test_RevertWhen_TooManyValidators() public {
        uint256 max = mailbox.MAX_VALIDATORS();
        address[] memory set = new address[](max + 1);
        for (uint256 i; i < set.length; ++i) {
            set[i] = vm.addr(i + 1);
        }
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumTooManySigners.selector, max + 1, max));
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
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxNotPauser.selector, guardian));
        vm.prank(guardian);
        mailbox.pause();
        vm.prank(owner);
        mailbox.pause();
        assertTrue(mailbox.paused());
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
}
