// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {IMessageApp} from "../../src/interfaces/IMessageApp.sol";
import {Message} from "../../src/libraries/Message.sol";
import {MessageRecipient} from "../../src/messaging/MessageRecipient.sol";
import {MessagingTest} from "./MessagingTest.sol";

/// @dev Records what it handles and answers "ping" with "pong" to the trusted remote.
contract PingPongApp is MessageRecipient {
    uint256 public handled;
    bytes public lastBody;

    constructor(address mailbox_, address owner_) MessageRecipient(mailbox_, owner_) {}

    function send(uint32 destination, bytes calldata body) external returns (bytes32) {
        return _dispatch(destination, body);
    }

    function _handle(uint32 origin, address, bytes calldata body) internal override {
        ++handled;
        lastBody = body;
        if (keccak256(body) == keccak256("ping")) _dispatch(origin, "pong");
    }
}

contract MessageRecipientTest is MessagingTest {
    PingPongApp private originApp;
    PingPongApp private app;

    function setUp() public override {
        super.setUp();
        originApp = new PingPongApp(address(originMailbox), owner);
        app = new PingPongApp(address(mailbox), owner);
        vm.startPrank(owner);
        originApp.setTrustedRemote(DESTINATION, address(app));
        app.setTrustedRemote(ORIGIN, address(originApp));
        vm.stopPrank();
    }

    function test_constructor_SetsMailboxAndOwner() public view {
        assertEq(app.mailbox(), address(mailbox));
        assertEq(app.owner(), owner);
    }

    function test_setTrustedRemote_WiresDomainAndEmits() public {
        vm.expectEmit(address(app));
        emit IMessageApp.TrustedRemoteSet(OTHER_DOMAIN, bob);
        vm.prank(owner);
        app.setTrustedRemote(OTHER_DOMAIN, bob);
        assertEq(app.trustedRemote(OTHER_DOMAIN), bob);
        assertEq(app.trustedRemote(ORIGIN), address(originApp));
    }

    function test_RevertWhen_SetTrustedRemoteNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        app.setTrustedRemote(ORIGIN, alice);
    }

    function test_handle_RunsHandlerForTrustedRemote() public {
        vm.prank(address(mailbox));
        app.handle(ORIGIN, address(originApp), "hi");
        assertEq(app.handled(), 1);
        assertEq(app.lastBody(), "hi");
    }

    function test_RevertWhen_HandleCallerNotMailbox() public {
        vm.expectRevert(abi.encodeWithSelector(IMessageApp.RecipientNotMailbox.selector, alice));
        vm.prank(alice);
        app.handle(ORIGIN, address(originApp), "hi");
    }

    function test_RevertWhen_HandleSenderUntrusted() public {
        vm.expectRevert(
            abi.encodeWithSelector(IMessageApp.RecipientUntrustedSender.selector, ORIGIN, alice)
        );
        vm.prank(address(mailbox));
        app.handle(ORIGIN, alice, "hi");
    }

    function test_RevertWhen_HandleOriginNotWired() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMessageApp.RecipientUntrustedSender.selector, OTHER_DOMAIN, address(0)
            )
        );
        vm.prank(address(mailbox));
        app.handle(OTHER_DOMAIN, address(0), "hi");
    }

    function test_RevertWhen_HandleFromTrustedAppOnAnotherDomain() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMessageApp.RecipientUntrustedSender.selector, OTHER_DOMAIN, address(originApp)
            )
        );
        vm.prank(address(mailbox));
        app.handle(OTHER_DOMAIN, address(originApp), "hi");
    }

    function test_setTrustedRemote_ZeroUnwiresDomain() public {
        vm.prank(owner);
        app.setTrustedRemote(ORIGIN, address(0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMessageApp.RecipientUntrustedSender.selector, ORIGIN, address(originApp)
            )
        );
        vm.prank(address(mailbox));
        app.handle(ORIGIN, address(originApp), "hi");
    }

    function test_dispatch_SendsToTrustedRemote() public {
        bytes memory message =
            Message.encode(0, ORIGIN, address(originApp), DESTINATION, address(app), "hi");
        vm.expectEmit(address(originMailbox));
        emit IMailbox.Dispatch(
            keccak256(message), ORIGIN, 0, DESTINATION, address(originApp), address(app), "hi"
        );
        assertEq(originApp.send(DESTINATION, "hi"), keccak256(message));
    }

    function test_RevertWhen_DispatchToUnwiredDomain() public {
        vm.expectRevert(
            abi.encodeWithSelector(IMessageApp.RecipientNoTrustedRemote.selector, OTHER_DOMAIN)
        );
        originApp.send(OTHER_DOMAIN, "hi");
    }

    function test_process_RecordsUntrustedSenderAsFailed() public {
        useValidators(1, 1);
        bytes memory message = buildMessage(0, address(app), "spoof");
        mailbox.process(message, attest(message, 1));
        assertTrue(mailbox.failed(keccak256(message)));
        assertEq(app.handled(), 0);
    }

    function test_pingPong_RoundTripsThroughBothMailboxes() public {
        useValidators(1, 1);
        address[] memory set = firstValidators(1);
        vm.prank(owner);
        originMailbox.setValidators(DESTINATION, set, 1);

        originApp.send(DESTINATION, "ping");
        bytes memory ping =
            Message.encode(0, ORIGIN, address(originApp), DESTINATION, address(app), "ping");
        mailbox.process(ping, attest(ping, 1));
        assertEq(app.lastBody(), "ping");
        assertEq(mailbox.outboundNonce(ORIGIN), 1);

        bytes memory pong =
            Message.encode(0, DESTINATION, address(app), ORIGIN, address(originApp), "pong");
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = sign(validatorKeys[0], originMailbox.attestationDigest(keccak256(pong)));
        originMailbox.process(pong, signatures);
        assertEq(originApp.lastBody(), "pong");
        assertEq(originApp.handled(), 1);
    }
}
