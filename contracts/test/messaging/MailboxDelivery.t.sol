// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {Message} from "../../src/libraries/Message.sol";
import {RecordingRecipient} from "../helpers/RecordingRecipient.sol";
import {MessagingTest} from "./MessagingTest.sol";
import {
    CallingRecipient,
    GasBurnerRecipient,
    GasProbeRecipient,
    ReturnBombRecipient,
    ThirstyRecipient
} from "../helpers/HostileRecipients.sol";

/// @notice What happens at the handler: the gas guarantee, failures, retries, reentrancy and
/// the gas `process` costs.
contract MailboxDeliveryTest is MessagingTest {
    uint256 private constant DEFAULT_HANDLER_GAS = 200_000;

    // ---------------------------------------------------------------- handler gas

    function test_process_ForwardsExactlyHandlerGas() public {
        useValidators(1, 1);
        GasProbeRecipient probe = new GasProbeRecipient();
        bytes memory message = buildMessage(0, address(probe), "");
        bytes[] memory signatures = attest(message, 1);
        mailbox.process{gas: 5_000_000}(message, signatures);
        assertLe(probe.gasAtEntry(), DEFAULT_HANDLER_GAS);
        assertGe(probe.gasAtEntry() + probe.ENTRY_OVERHEAD(), DEFAULT_HANDLER_GAS);
    }

    /// @dev The attack that halted channels: a recipient that burns whatever it is given. Its
    /// delivery costs the same small amount however much gas the relayer offers.
    function test_process_HandlerThatBurnsAllGasCostsOnlyHandlerGas() public {
        useValidators(1, 1);
        GasBurnerRecipient burner = new GasBurnerRecipient(0);
        bytes memory message = buildMessage(0, address(burner), "");
        bytes[] memory signatures = attest(message, 1);
        uint256 before = gasleft();
        mailbox.process{gas: 25_000_000}(message, signatures);
        uint256 used = before - gasleft();
        assertTrue(mailbox.failed(keccak256(message)));
        assertLt(used, DEFAULT_HANDLER_GAS + 100_000);
        emit log_named_uint("process gas, handler burning all it gets (1-of-1)", used);
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

    /// @dev The guard, not the failure bookkeeping, sets the least gas `process` needs: one unit
    /// less fails with `MailboxInsufficientGas`, never with an out-of-gas after the handler
    /// returned, for a handler that burns all it gets and reverts with an oversized reason. The
    /// smallest handler gas leaves the least slack from the 63/64 rule.
    function test_process_RecordsFailureWithLeastGas() public {
        useValidators(1, 1);
        GasBurnerRecipient burner = new GasBurnerRecipient(10_000);
        uint256[3] memory handlerGases = [uint256(35_000), 50_000, DEFAULT_HANDLER_GAS];
        for (uint64 nonce; nonce < handlerGases.length; ++nonce) {
            vm.prank(owner);
            mailbox.setHandlerGas(handlerGases[nonce]);
            bytes memory message = buildMessage(nonce, address(burner), "");
            bytes[] memory signatures = attest(message, 1);

            (uint256 least, bytes memory revertBelow) = _leastGasToProcess(message, signatures);
            assertEq(_selector(revertBelow), IMailbox.MailboxInsufficientGas.selector);

            vm.recordLogs();
            mailbox.process{gas: least}(message, signatures);
            assertTrue(mailbox.failed(keccak256(message)));
            bytes memory reason = abi.decode(vm.getRecordedLogs()[1].data, (bytes));
            assertEq(reason.length, mailbox.MAX_FAILURE_REASON_BYTES());
        }
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
        if (success) {
            assertGe(probe.gasAtEntry() + probe.ENTRY_OVERHEAD(), handlerGas);
            assertLe(probe.gasAtEntry(), handlerGas);
        }
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
        // Building a 200 KB reason takes more than the default handler gas.
        vm.prank(owner);
        mailbox.setHandlerGas(2_000_000);
        ReturnBombRecipient bomb = new ReturnBombRecipient(200_000);
        bytes memory message = buildMessage(0, address(bomb), "");
        bytes[] memory signatures = attest(message, 1);
        vm.recordLogs();
        mailbox.process{gas: 4_000_000}(message, signatures);
        assertTrue(mailbox.failed(keccak256(message)));
        bytes memory reason = abi.decode(vm.getRecordedLogs()[1].data, (bytes));
        assertEq(reason.length, mailbox.MAX_FAILURE_REASON_BYTES());
        assertEq(uint8(reason[0]), 0xFF);
    }

    function test_process_RecordsStarvedHandlerWhenHandlerGasIsZero() public {
        vm.prank(owner);
        mailbox.setHandlerGas(0);
        useValidators(1, 1);
        GasBurnerRecipient burner = new GasBurnerRecipient(10_000);
        bytes memory message = buildMessage(0, address(burner), "");
        bytes[] memory signatures = attest(message, 1);
        (uint256 least,) = _leastGasToProcess(message, signatures);
        mailbox.process{gas: least}(message, signatures);
        assertTrue(mailbox.failed(keccak256(message)));
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
        _expectFailureOf(
            address(reentrant), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector
        );
    }

    function test_process_BlocksHandlerReenteringProcessBatch() public {
        useValidators(1, 1);
        CallingRecipient reentrant = new CallingRecipient();
        reentrant.setCall(
            address(mailbox),
            abi.encodeCall(IMailbox.processBatch, (new bytes[](0), new bytes[][](0)))
        );
        _expectFailureOf(
            address(reentrant), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector
        );
    }

    function test_process_BlocksHandlerReenteringRetry() public {
        useValidators(1, 1);
        CallingRecipient reentrant = new CallingRecipient();
        reentrant.setCall(address(mailbox), abi.encodeCall(IMailbox.retry, (bytes(""))));
        _expectFailureOf(
            address(reentrant), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector
        );
    }

    function test_process_KeepsHandlerAwayFromAdmin() public {
        useValidators(1, 1);
        CallingRecipient intruder = new CallingRecipient();
        intruder.setCall(
            address(mailbox),
            abi.encodeCall(IMailbox.setValidators, (ORIGIN, firstValidators(1), 1))
        );
        _expectFailureOf(address(intruder), Ownable.OwnableUnauthorizedAccount.selector);

        intruder.setCall(address(mailbox), abi.encodeCall(IMailbox.pause, ()));
        bytes memory message = buildMessage(1, address(intruder), "");
        bytes[] memory signatures = attest(message, 1);
        vm.expectEmit(address(mailbox));
        emit IMailbox.MessageFailed(
            keccak256(message),
            abi.encodeWithSelector(IMailbox.MailboxNotPauser.selector, address(intruder))
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

    function test_retry_RunsHandlerThatNeedsMoreThanHandlerGas() public {
        useValidators(1, 1);
        ThirstyRecipient thirsty = new ThirstyRecipient(2 * DEFAULT_HANDLER_GAS);
        bytes memory message = buildMessage(0, address(thirsty), "");
        bytes32 id = keccak256(message);
        mailbox.process{gas: 5_000_000}(message, attest(message, 1));
        assertTrue(mailbox.failed(id));
        assertEq(thirsty.handled(), 0);

        vm.prank(bob);
        mailbox.retry{gas: 3 * DEFAULT_HANDLER_GAS}(message);
        assertFalse(mailbox.failed(id));
        assertEq(thirsty.handled(), 1);
    }

    function test_RevertWhen_RetryGetsTooLittleGas() public {
        useValidators(1, 1);
        ThirstyRecipient thirsty = new ThirstyRecipient(2 * DEFAULT_HANDLER_GAS);
        bytes memory message = buildMessage(0, address(thirsty), "");
        mailbox.process(message, attest(message, 1));

        vm.expectRevert();
        mailbox.retry{gas: DEFAULT_HANDLER_GAS}(message);
        assertTrue(mailbox.failed(keccak256(message)));
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
}
