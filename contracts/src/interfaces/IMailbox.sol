// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";

import {IQuorum} from "./IQuorum.sol";

/// @title IMailbox
/// @notice The message layer endpoint on one chain: sends messages to other domains and executes
/// messages from them once a validator quorum attested them, exactly once and in channel order.
/// @dev Messages use the `Message` library wire format and `id = keccak256(message)`. A channel is
/// an (origin, destination) pair of domains; its nonces start at zero and count up by one.
/// Validators attest an id by signing the EIP-712 struct `Attestation(bytes32 messageId)` in the
/// domain (name "crossflow Mailbox", version "1", chainId, verifyingContract = the destination
/// mailbox), so an attestation is valid for one mailbox on one chain only. Gas amounts are in gas
/// units. Pausing stops inbound delivery (`process`, `processBatch`, `retry`) but never `dispatch`.
interface IMailbox is IERC5267, IQuorum {
    /// @notice A message with id `id` and channel position `nonce` left `sender` on this chain
    /// (`origin`) for `recipient` on `destination`.
    event Dispatch(
        bytes32 indexed id,
        uint32 origin,
        uint64 nonce,
        uint32 indexed destination,
        address indexed sender,
        address recipient,
        bytes body
    );

    /// @notice The message `id`, number `nonce` of the channel from `origin`, was delivered to
    /// `recipient`; a `MessageFailed` in the same transaction means its handler reverted.
    event Process(
        bytes32 indexed id, uint32 indexed origin, uint64 nonce, address indexed recipient
    );

    /// @notice The handler of the delivered message `id` reverted with `reason` (truncated to
    /// `MAX_FAILURE_REASON_BYTES`); the message may be retried.
    event MessageFailed(bytes32 indexed id, bytes reason);

    /// @notice A batch skipped the message `id` because it had already been delivered.
    event MessageSkipped(bytes32 indexed id);

    /// @notice The failed message `id` is being retried; its handler succeeded if the transaction
    /// did.
    event MessageRetried(bytes32 indexed id);

    /// @notice Messages from `origin` now need `threshold` signatures of `validators`.
    event ValidatorsSet(uint32 indexed origin, address[] validators, uint8 threshold);

    /// @notice Handlers now get exactly `handlerGas` gas units on delivery.
    event HandlerGasSet(uint256 handlerGas);

    /// @notice `guardian` may now pause the mailbox.
    event GuardianSet(address guardian);

    /// @notice `account` paused inbound delivery.
    event Paused(address account);

    /// @notice `account` resumed inbound delivery.
    event Unpaused(address account);

    /// @notice A body of `length` bytes exceeds the maximum of `maxLength` bytes.
    error MailboxBodyTooLarge(uint256 length, uint256 maxLength);

    /// @notice The message has wire format `version`, which this mailbox does not execute.
    error MailboxUnsupportedVersion(uint8 version);

    /// @notice The message is for `destination`, but this mailbox serves `localDomain`.
    error MailboxWrongDestination(uint32 destination, uint32 localDomain);

    /// @notice The message `id` was already delivered.
    error MailboxAlreadyDelivered(bytes32 id);

    /// @notice The channel from `origin` expects nonce `expected` next, not `actual`.
    error MailboxNonceOutOfOrder(uint32 origin, uint64 expected, uint64 actual);

    /// @notice `available` gas cannot guarantee the handler `handlerGas()`; `required` can.
    error MailboxInsufficientGas(uint256 available, uint256 required);

    /// @notice `processBatch` got `messages` messages but `signatures` signature lists.
    error MailboxBatchLengthMismatch(uint256 messages, uint256 signatures);

    /// @notice The message `id` is not recorded as failed, so there is nothing to retry.
    error MailboxNotFailed(bytes32 id);

    /// @notice `recipient` has no code. Used as the `MessageFailed` reason, and as the revert of
    /// a `retry` while it still has none.
    error MailboxRecipientNotContract(address recipient);

    /// @notice A handler gas of `handlerGas` exceeds the maximum of `maxHandlerGas`.
    error MailboxHandlerGasTooHigh(uint256 handlerGas, uint256 maxHandlerGas);

    /// @notice `caller` is neither the guardian nor the owner, so it may not pause.
    error MailboxNotPauser(address caller);

    /// @notice The mailbox is paused: inbound delivery is stopped.
    error MailboxPaused();

    /// @notice The mailbox is not paused.
    error MailboxNotPaused();

    /// @notice Sends `body` to `recipient` on `destination`.
    /// @dev Anyone may dispatch, also while paused and from inside a handler (a reply). The sender
    /// is `msg.sender`; the nonce is the channel's next outbound nonce. Reverts with
    /// `MailboxBodyTooLarge` above `MAX_BODY_BYTES()`. Emits `Dispatch`.
    /// @param destination The domain of the chain that must execute the message.
    /// @param recipient The `IMessageRecipient` contract on `destination`.
    /// @param body The application payload, at most `MAX_BODY_BYTES()` bytes.
    /// @return id The message id, `keccak256` of the encoded message.
    function dispatch(uint32 destination, address recipient, bytes calldata body)
        external
        returns (bytes32 id);

    /// @notice Delivers one attested message and calls its recipient's `handle`.
    /// @dev Reverts, in this order, when paused (`MailboxPaused`), with `MailboxUnsupportedVersion`,
    /// `MailboxWrongDestination`, `MailboxAlreadyDelivered`, `MailboxNonceOutOfOrder`, then on
    /// the origin's validator set (the `IQuorum` errors): `QuorumNotMet` (checked before any
    /// signature is recovered; a threshold of zero means the origin has no set), and per signature
    /// `QuorumInvalidSignature`, `QuorumSignersNotSorted`, `QuorumSignerNotMember`. Every
    /// signature given is checked, so pass exactly `threshold`.
    /// It then records the message delivered, advances the inbound nonce and emits `Process`
    /// before calling the handler with exactly `handlerGas()`: no less, so a relayer cannot
    /// starve a handler into a recorded failure (`MailboxInsufficientGas` when the remaining gas
    /// cannot give it that much), and no more, so no recipient can make its messages too costly
    /// to deliver and halt the channel. A handler that reverts or runs out of gas (or a
    /// recipient without code) is recorded as failed with `MessageFailed`; the delivery stands
    /// and anyone may `retry` it with more gas.
    /// @param message The encoded message (see `Message`).
    /// @param signatures 65-byte ECDSA signatures (r, s, v) over `attestationDigest(id)`, sorted by
    /// signer address, strictly ascending.
    function process(bytes calldata message, bytes[] calldata signatures) external;

    /// @notice Delivers several attested messages in order, as `process` would one by one.
    /// @dev A message already delivered is skipped with `MessageSkipped`, never a revert, so racing
    /// relayers never break each other's batches; any other failure reverts the whole batch with
    /// `process`'s error. Reverts with `MailboxBatchLengthMismatch` on unequal lengths.
    /// @param messages The encoded messages, in channel order per origin.
    /// @param signatures For each message, its sorted signatures as in `process`.
    function processBatch(bytes[] calldata messages, bytes[][] calldata signatures) external;

    /// @notice Calls the handler of a failed message again.
    /// @dev Anyone may retry; no signatures are needed since the message was attested when it was
    /// delivered. The handler gets all the gas the caller sends, so a message that failed for
    /// want of gas is rerun with a higher transaction gas limit. Reverts with `MailboxNotFailed` unless the message is recorded as failed, with
    /// `MailboxRecipientNotContract` while the recipient has no code, and with the handler's own
    /// revert data when it reverts again, leaving the message failed and retriable. Emits
    /// `MessageRetried`; on success the message is delivered and no longer failed.
    /// @param message The encoded message, as it was processed.
    function retry(bytes calldata message) external;

    /// @notice Replaces the validator set that attests messages from `origin`.
    /// @dev Owner only. Reverts with `QuorumTooManySigners` (above `MAX_VALIDATORS()`),
    /// `QuorumInvalidThreshold` (zero or above the set size), `QuorumZeroSigner` or
    /// `QuorumDuplicateSigner`. The old set stops counting at once, also for messages it already
    /// signed. Emits `ValidatorsSet`.
    /// @param origin The origin domain the set attests for.
    /// @param newValidators The validator addresses, in any order.
    /// @param newThreshold How many distinct validators must sign each message, 1 to the set size.
    function setValidators(uint32 origin, address[] calldata newValidators, uint8 newThreshold)
        external;

    /// @notice Sets the gas every handler call gets on delivery: a floor and a cap.
    /// @dev Owner only. Reverts with `MailboxHandlerGasTooHigh` above `MAX_HANDLER_GAS()`. Emits
    /// `HandlerGasSet`.
    /// @param newHandlerGas The new handler gas, in gas units.
    function setHandlerGas(uint256 newHandlerGas) external;

    /// @notice Sets the account that may pause besides the owner; zero leaves only the owner.
    /// @dev Owner only. Emits `GuardianSet`.
    /// @param newGuardian The new guardian.
    function setGuardian(address newGuardian) external;

    /// @notice Stops inbound delivery.
    /// @dev Guardian or owner only (`MailboxNotPauser`); reverts with `MailboxPaused` when already
    /// paused. Emits `Paused`.
    function pause() external;

    /// @notice Resumes inbound delivery.
    /// @dev Owner only; reverts with `MailboxNotPaused` when not paused. Emits `Unpaused`.
    function unpause() external;

    /// @notice The longest message body `dispatch` accepts, in bytes.
    function MAX_BODY_BYTES() external view returns (uint256);

    /// @notice The largest validator set `setValidators` accepts.
    function MAX_VALIDATORS() external view returns (uint256);

    /// @notice The largest `handlerGas` the owner may set, in gas units.
    function MAX_HANDLER_GAS() external view returns (uint256);

    /// @notice How many bytes of a handler's revert data `MessageFailed` keeps.
    function MAX_FAILURE_REASON_BYTES() external view returns (uint256);

    /// @notice The EIP-712 type hash of `Attestation(bytes32 messageId)`.
    function ATTESTATION_TYPEHASH() external view returns (bytes32);

    /// @notice The domain of this chain: the origin of messages dispatched here.
    function localDomain() external view returns (uint32);

    /// @notice The nonce the next message from this chain to `destination` will get.
    function outboundNonce(uint32 destination) external view returns (uint64);

    /// @notice The nonce of the next message from `origin` this mailbox will deliver.
    function inboundNonce(uint32 origin) external view returns (uint64);

    /// @notice Whether the message `id` was delivered, including when its handler failed.
    function delivered(bytes32 id) external view returns (bool);

    /// @notice Whether the message `id` was delivered, its handler failed, and no retry succeeded.
    function failed(bytes32 id) external view returns (bool);

    /// @notice The EIP-712 digest validators sign to attest the message `messageId` to this
    /// mailbox on the current chain.
    function attestationDigest(bytes32 messageId) external view returns (bytes32);

    /// @notice The EIP-712 domain separator of this mailbox on the current chain id.
    function domainSeparator() external view returns (bytes32);

    /// @notice The validators that attest messages from `origin`, in the order they were set.
    function validators(uint32 origin) external view returns (address[] memory);

    /// @notice How many validators must sign a message from `origin`; zero when it has no set.
    function threshold(uint32 origin) external view returns (uint8);

    /// @notice Whether `account` is in the validator set of `origin`.
    function isValidator(uint32 origin, address account) external view returns (bool);

    /// @notice The gas every handler call gets on delivery (not on `retry`), in gas units.
    function handlerGas() external view returns (uint256);

    /// @notice The account that may pause besides the owner.
    function guardian() external view returns (address);

    /// @notice Whether inbound delivery is stopped.
    function paused() external view returns (bool);
}
