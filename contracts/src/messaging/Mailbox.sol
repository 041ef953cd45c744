// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IMailbox} from "../interfaces/IMailbox.sol";
import {IMessageRecipient} from "../interfaces/IMessageRecipient.sol";
import {Message} from "../libraries/Message.sol";
import {Quorum} from "../libraries/Quorum.sol";

/// @title Mailbox
/// @notice Sends messages to other domains and executes quorum-attested messages from them,
/// exactly once and in channel order, without letting a failing handler block its channel.
contract Mailbox is IMailbox, Ownable2Step, EIP712, ReentrancyGuardTransient {
    using Quorum for Quorum.Set;

    /// @dev `Failed` implies delivered: the nonce advanced and only the handler is owed a rerun.
    enum Delivery {
        None,
        Delivered,
        Failed
    }

    /// @inheritdoc IMailbox
    uint256 public constant MAX_BODY_BYTES = Message.MAX_BODY_BYTES;
    /// @inheritdoc IMailbox
    uint256 public constant MAX_VALIDATORS = Quorum.MAX_SIGNERS;
    /// @inheritdoc IMailbox
    uint256 public constant MAX_HANDLER_GAS = 10_000_000;
    /// @inheritdoc IMailbox
    uint256 public constant MAX_FAILURE_REASON_BYTES = 256;
    /// @inheritdoc IMailbox
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256("Attestation(bytes32 messageId)");

    /// @dev The handler gas a new mailbox guarantees until the owner changes it.
    uint256 private constant DEFAULT_HANDLER_GAS = 200_000;
    /// @dev Kept back from the handler call for the work after it: copying at most
    /// `MAX_FAILURE_REASON_BYTES` of revert data, marking the message failed, `MessageFailed` and
    /// returning. That takes about 5k gas (`test_process_RecordsFailureWithLeastGas` fails with a
    /// reserve of 4k); the rest is margin, which costs relayers gas limit, not gas.
    uint256 private constant GAS_AFTER_HANDLER = 20_000;
    /// @dev Covers the opcodes between the `gasleft()` check and the CALL, including the call's
    /// own cost, so the guarantee holds however small `handlerGas` is.
    uint256 private constant GAS_CHECK_TO_CALL = 1_000;

    uint32 private immutable _localDomain;

    mapping(uint32 destination => uint64 nonce) private _outboundNonces;
    mapping(uint32 origin => uint64 nonce) private _inboundNonces;
    mapping(bytes32 id => Delivery) private _deliveries;
    mapping(uint32 origin => Quorum.Set) private _validatorSets;
    uint256 private _handlerGas;
    address private _guardian;
    bool private _paused;

    /// @param localDomain_ The domain of this chain, the origin of every message dispatched here.
    /// @param owner_ The account that configures validators, handler gas and the guardian.
    /// @param guardian_ An account that may pause inbound delivery besides the owner; may be zero.
    constructor(uint32 localDomain_, address owner_, address guardian_)
        Ownable(owner_)
        EIP712("crossflow Mailbox", "1")
    {
        _localDomain = localDomain_;
        _setHandlerGas(DEFAULT_HANDLER_GAS);
        _setGuardian(guardian_);
    }

    modifier whenNotPaused() {
        if (_paused) revert MailboxPaused();
        _;
    }

    /// @inheritdoc IMailbox
    function dispatch(uint32 destination, address recipient, bytes calldata body)
        external
        returns (bytes32 id)
    {
        // Checks
        if (body.length > MAX_BODY_BYTES) revert MailboxBodyTooLarge(body.length, MAX_BODY_BYTES);

        // Effects
        uint64 nonce = _outboundNonces[destination]++;
        id = Message.id(
            Message.encode(nonce, _localDomain, msg.sender, destination, recipient, body)
        );
        emit Dispatch(id, _localDomain, nonce, destination, msg.sender, recipient, body);
    }

    /// @inheritdoc IMailbox
    function process(bytes calldata message, bytes[] calldata signatures)
        external
        whenNotPaused
        nonReentrant
    {
        _process(message, signatures, false);
    }

    /// @inheritdoc IMailbox
    function processBatch(bytes[] calldata messages, bytes[][] calldata signatures)
        external
        whenNotPaused
        nonReentrant
    {
        if (messages.length != signatures.length) {
            revert MailboxBatchLengthMismatch(messages.length, signatures.length);
        }
        for (uint256 i; i < messages.length; ++i) {
            _process(messages[i], signatures[i], true);
        }
    }

    /// @inheritdoc IMailbox
    function retry(bytes calldata message) external whenNotPaused nonReentrant {
        // Checks
        bytes32 id = Message.id(message);
        if (_deliveries[id] != Delivery.Failed) revert MailboxNotFailed(id);
        Message.Fields memory fields = Message.decode(message);
        if (fields.recipient.code.length == 0) {
            revert MailboxRecipientNotContract(fields.recipient);
        }

        // Effects
        _deliveries[id] = Delivery.Delivered;
        emit MessageRetried(id);

        // Interactions: all the caller's gas, so a handler that needs more than `_handlerGas`
        // can be run; a second revert bubbles up and undoes the effects, so it stays failed.
        Address.functionCall(fields.recipient, _handleCall(fields));
    }

    /// @inheritdoc IMailbox
    function setValidators(uint32 origin, address[] calldata newValidators, uint8 newThreshold)
        external
        onlyOwner
    {
        _validatorSets[origin].replace(newValidators, newThreshold);
        emit ValidatorsSet(origin, newValidators, newThreshold);
    }

    /// @inheritdoc IMailbox
    function setHandlerGas(uint256 newHandlerGas) external onlyOwner {
        _setHandlerGas(newHandlerGas);
    }

    /// @inheritdoc IMailbox
    function setGuardian(address newGuardian) external onlyOwner {
        _setGuardian(newGuardian);
    }

    /// @inheritdoc IMailbox
    function pause() external {
        if (msg.sender != _guardian && msg.sender != owner()) revert MailboxNotPauser(msg.sender);
        if (_paused) revert MailboxPaused();
        _paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IMailbox
    function unpause() external onlyOwner {
        if (!_paused) revert MailboxNotPaused();
        _paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IMailbox
    function localDomain() external view returns (uint32) {
        return _localDomain;
    }

    /// @inheritdoc IMailbox
    function outboundNonce(uint32 destination) external view returns (uint64) {
        return _outboundNonces[destination];
    }

    /// @inheritdoc IMailbox
    function inboundNonce(uint32 origin) external view returns (uint64) {
        return _inboundNonces[origin];
    }

    /// @inheritdoc IMailbox
    function delivered(bytes32 id) external view returns (bool) {
        return _deliveries[id] != Delivery.None;
    }

    /// @inheritdoc IMailbox
    function failed(bytes32 id) external view returns (bool) {
        return _deliveries[id] == Delivery.Failed;
    }

    /// @inheritdoc IMailbox
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IMailbox
    function validators(uint32 origin) external view returns (address[] memory) {
        return _validatorSets[origin].members;
    }

    /// @inheritdoc IMailbox
    function threshold(uint32 origin) external view returns (uint8) {
        return _validatorSets[origin].threshold;
    }

    /// @inheritdoc IMailbox
    function isValidator(uint32 origin, address account) external view returns (bool) {
        return _validatorSets[origin].isMember[account];
    }

    /// @inheritdoc IMailbox
    function handlerGas() external view returns (uint256) {
        return _handlerGas;
    }

    /// @inheritdoc IMailbox
    function guardian() external view returns (address) {
        return _guardian;
    }

    /// @inheritdoc IMailbox
    function paused() external view returns (bool) {
        return _paused;
    }

    /// @inheritdoc IMailbox
    function attestationDigest(bytes32 messageId) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ATTESTATION_TYPEHASH, messageId)));
    }

    /// @dev One delivery of `process`/`processBatch`. With `skipIfDelivered` an already delivered
    /// message is skipped with an event instead of reverting.
    function _process(bytes calldata message, bytes[] calldata signatures, bool skipIfDelivered)
        private
    {
        // Checks
        Message.Fields memory fields = Message.decode(message);
        if (fields.version != Message.VERSION) revert MailboxUnsupportedVersion(fields.version);
        if (fields.destination != _localDomain) {
            revert MailboxWrongDestination(fields.destination, _localDomain);
        }
        bytes32 id = Message.id(message);
        if (_deliveries[id] != Delivery.None) {
            if (!skipIfDelivered) revert MailboxAlreadyDelivered(id);
            emit MessageSkipped(id);
            return;
        }
        uint64 expected = _inboundNonces[fields.origin];
        if (fields.nonce != expected) {
            revert MailboxNonceOutOfOrder(fields.origin, expected, fields.nonce);
        }
        _validatorSets[fields.origin].verify(attestationDigest(id), signatures);

        // Effects
        _deliveries[id] = Delivery.Delivered;
        _inboundNonces[fields.origin] = expected + 1;
        emit Process(id, fields.origin, fields.nonce, fields.recipient);

        // Interactions
        _callHandler(id, fields);
    }

    /// @dev Calls the handler with exactly `_handlerGas`, after making sure the remaining gas can
    /// give it that much under the 63/64 rule; a recipient without code is recorded as failed
    /// without a call. The bound is what keeps a channel moving: a handler that burns all it is
    /// given costs a relayer `_handlerGas`, not the block, and is recorded as failed for a
    /// `retry` with more gas.
    function _callHandler(bytes32 id, Message.Fields memory fields) private {
        address recipient = fields.recipient;
        if (recipient.code.length == 0) {
            _recordFailure(
                id, abi.encodeWithSelector(MailboxRecipientNotContract.selector, recipient)
            );
            return;
        }
        bytes memory callData = _handleCall(fields);
        uint256 guaranteed = _handlerGas;
        uint256 required = guaranteed + guaranteed / 63 + GAS_AFTER_HANDLER + GAS_CHECK_TO_CALL;
        uint256 available = gasleft();
        if (available < required) revert MailboxInsufficientGas(available, required);
        (bool success, bytes memory reason) =
            _callWithBoundedReason(recipient, callData, guaranteed);
        if (!success) _recordFailure(id, reason);
    }

    /// @dev Forwards `gasLimit` and copies at most `MAX_FAILURE_REASON_BYTES` of revert data, so
    /// a handler cannot make the failure path run out of gas with a huge reason (which would
    /// block the channel behind it).
    function _callWithBoundedReason(address target, bytes memory callData, uint256 gasLimit)
        private
        returns (bool success, bytes memory reason)
    {
        assembly ("memory-safe") {
            success := call(gasLimit, target, 0, add(callData, 0x20), mload(callData), 0, 0)
            reason := 0x60
            if iszero(success) {
                let size := returndatasize()
                if gt(size, MAX_FAILURE_REASON_BYTES) { size := MAX_FAILURE_REASON_BYTES }
                reason := mload(0x40)
                mstore(reason, size)
                returndatacopy(add(reason, 0x20), 0, size)
                mstore(0x40, add(add(reason, 0x20), and(add(size, 0x1f), not(0x1f))))
            }
        }
    }

    function _recordFailure(bytes32 id, bytes memory reason) private {
        _deliveries[id] = Delivery.Failed;
        emit MessageFailed(id, reason);
    }

    function _setHandlerGas(uint256 newHandlerGas) private {
        if (newHandlerGas > MAX_HANDLER_GAS) {
            revert MailboxHandlerGasTooHigh(newHandlerGas, MAX_HANDLER_GAS);
        }
        _handlerGas = newHandlerGas;
        emit HandlerGasSet(newHandlerGas);
    }

    function _setGuardian(address newGuardian) private {
        _guardian = newGuardian;
        emit GuardianSet(newGuardian);
    }

    function _handleCall(Message.Fields memory fields) private pure returns (bytes memory) {
        return abi.encodeCall(IMessageRecipient.handle, (fields.origin, fields.sender, fields.body));
    }
}
