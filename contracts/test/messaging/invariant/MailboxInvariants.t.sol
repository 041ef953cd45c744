// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Mailbox} from "../../../src/messaging/Mailbox.sol";
import {BaseTest} from "../../BaseTest.sol";
import {MailboxHandler} from "./MailboxHandler.sol";
import {SequenceRecipient} from "./SequenceRecipient.sol";

/// @notice docs/architecture.md §7.2: every message is executed at most once and in channel order; a
/// message no quorum signed is never executed.
contract MailboxInvariantTest is BaseTest {
    MailboxHandler private handler;
    Mailbox private destination;
    SequenceRecipient private recipient;
    uint32 private origin;

    function setUp() public override {
        super.setUp();
        handler = new MailboxHandler(deployMailbox(31_337), deployMailbox(31_338), owner, guardian);
        destination = handler.destinationMailbox();
        recipient = handler.recipient();
        origin = handler.ORIGIN();

        // Honest traffic twice as likely as each attack or operator action, so runs get deep.
        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = MailboxHandler.dispatch.selector;
        selectors[1] = MailboxHandler.dispatch.selector;
        selectors[2] = MailboxHandler.process.selector;
        selectors[3] = MailboxHandler.process.selector;
        selectors[4] = MailboxHandler.processBatch.selector;
        selectors[5] = MailboxHandler.processBatch.selector;
        selectors[6] = MailboxHandler.retry.selector;
        selectors[7] = MailboxHandler.processDuplicate.selector;
        selectors[8] = MailboxHandler.processOutOfOrder.selector;
        selectors[9] = MailboxHandler.processWithoutQuorum.selector;
        selectors[10] = MailboxHandler.pause.selector;
        selectors[11] = MailboxHandler.unpause.selector;
        selectors[12] = MailboxHandler.unpause.selector;
        selectors[13] = MailboxHandler.changeValidators.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_EveryMessageExecutedAtMostOnce() public view {
        uint256 count = handler.messageCount();
        uint256 succeeded;
        for (uint256 nonce; nonce < count; ++nonce) {
            assertLe(recipient.executions(nonce), 1, "a message was executed twice");
            bytes32 id = keccak256(handler.messageAt(nonce));
            if (destination.delivered(id) && !destination.failed(id)) ++succeeded;
        }
        assertEq(recipient.totalExecutions(), succeeded, "executions differ from deliveries");
        assertEq(handler.ghost_unexpectedSuccesses(), 0, "a replay or a bad retry went through");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_DeliveryFollowsChannelOrder() public view {
        uint256 next = destination.inboundNonce(origin);
        uint256 count = handler.messageCount();
        assertLe(next, count, "the channel ran ahead of what was dispatched");
        for (uint256 nonce; nonce < count; ++nonce) {
            bytes32 id = keccak256(handler.messageAt(nonce));
            assertEq(destination.delivered(id), nonce < next, "delivered set is not a prefix");
        }
        assertEq(recipient.executionsAheadOfChannel(), 0, "a message ran before its turn");
        assertEq(handler.ghost_unexpectedReverts(), 0, "an honest delivery was refused");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_NothingDeliveredWithoutQuorum() public view {
        assertEq(handler.ghost_deliveredWithoutQuorum(), 0, "a forged quorum was accepted");
        assertEq(
            destination.inboundNonce(origin),
            handler.ghost_deliveredWithQuorum(),
            "the channel advanced without a quorum-signed delivery"
        );
    }

    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_FailuresAreRecordedUntilRetried() public view {
        uint256 count = handler.messageCount();
        uint256 failed;
        for (uint256 nonce; nonce < count; ++nonce) {
            if (destination.failed(keccak256(handler.messageAt(nonce)))) ++failed;
        }
        assertEq(
            failed,
            handler.ghost_handlerFailures() - handler.ghost_retrySuccesses(),
            "failed messages differ from failures not yet retried"
        );
        assertEq(
            handler.originMailbox().outboundNonce(handler.DESTINATION()),
            count,
            "the origin assigned nonces the handler did not see"
        );
    }

    /// @dev A fixed walk through the handler reaches every state the invariants talk about, so
    /// they are not vacuously true.
    function test_handler_ReachesDeliveriesFailuresRetriesAndRejections() public {
        for (uint256 i; i < 8; ++i) {
            handler.dispatch(i, i % 3 == 0);
        }
        handler.process(0);
        handler.process(1);
        handler.processDuplicate(0, 0);
        handler.processOutOfOrder(0, 0);
        for (uint256 mode; mode < 6; ++mode) {
            handler.processWithoutQuorum(mode, mode);
        }
        handler.processBatch(1, 3, 7);
        handler.retry(0, false);
        handler.retry(0, true);
        handler.pause(true);
        handler.process(2);
        handler.unpause();
        handler.changeValidators(5, 1);
        handler.process(3);
        handler.processBatch(0, 4, 0);

        assertEq(handler.ghost_dispatched(), 8);
        assertEq(handler.ghost_deliveredWithQuorum(), 8);
        assertGt(handler.ghost_handlerFailures(), 0);
        assertGt(handler.ghost_retrySuccesses(), 0);
        assertGt(handler.ghost_retryFailures(), 0);
        assertGt(handler.ghost_skipped(), 0);
        assertGt(handler.ghost_duplicatesRejected(), 0);
        assertGt(handler.ghost_outOfOrderRejected(), 0);
        assertEq(handler.ghost_forgeriesRejected(), 6);
        assertGt(handler.ghost_pausedRejected(), 0);
        assertGt(handler.ghost_validatorChanges(), 0);
        invariant_EveryMessageExecutedAtMostOnce();
        invariant_DeliveryFollowsChannelOrder();
        invariant_NothingDeliveredWithoutQuorum();
        invariant_FailuresAreRecordedUntilRetried();
    }
}
