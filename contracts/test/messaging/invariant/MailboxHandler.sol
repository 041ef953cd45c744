// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {IMailbox} from "../../../src/interfaces/IMailbox.sol";
import {Message} from "../../../src/libraries/Message.sol";
import {Mailbox} from "../../../src/messaging/Mailbox.sol";
import {AttestationSigner} from "../AttestationSigner.sol";
import {SequenceRecipient} from "./SequenceRecipient.sol";

/// @notice Drives one channel (origin → destination) the way relayers, attackers and operators
/// would, and keeps ghost totals of what each action achieved.
/// @dev Every action either does what an honest party would and must succeed, or does what an
/// attacker would and must revert; an outcome the other way is counted in a `ghost_unexpected…`
/// or `ghost_deliveredWithoutQuorum` total that the invariants require to stay zero.
contract MailboxHandler is CommonBase, StdCheats, StdUtils, AttestationSigner {
    uint32 public constant ORIGIN = 31_337;
    uint32 public constant DESTINATION = 31_338;
    /// @dev Caps a run's channel so the invariants' scans stay cheap.
    uint256 public constant MAX_MESSAGES = 40;
    uint256 private constant POOL = 6;
    uint256 private constant MAX_BATCH = 4;

    Mailbox public immutable originMailbox;
    Mailbox public immutable destinationMailbox;
    SequenceRecipient public immutable recipient;
    address private immutable _owner;
    address private immutable _guardian;

    /// @dev Every dispatched message; the index is its nonce.
    bytes[] private _messages;
    address[] private _senders;
    /// @dev Validator pool, ascending by address, with keys in the same order.
    address[] private _pool;
    uint256[] private _keys;
    /// @dev Bit i set when pool validator i is in the destination's set for ORIGIN.
    uint256 private _setMask;
    uint8 private _threshold;

    uint256 public ghost_dispatched;
    uint256 public ghost_deliveredWithQuorum;
    uint256 public ghost_deliveredWithoutQuorum;
    uint256 public ghost_handlerFailures;
    uint256 public ghost_retrySuccesses;
    uint256 public ghost_retryFailures;
    uint256 public ghost_skipped;
    uint256 public ghost_duplicatesRejected;
    uint256 public ghost_outOfOrderRejected;
    uint256 public ghost_forgeriesRejected;
    uint256 public ghost_pausedRejected;
    uint256 public ghost_validatorChanges;
    uint256 public ghost_unexpectedReverts;
    uint256 public ghost_unexpectedSuccesses;

    constructor(Mailbox origin_, Mailbox destination_, address owner_, address guardian_) {
        originMailbox = origin_;
        destinationMailbox = destination_;
        _owner = owner_;
        _guardian = guardian_;
        recipient = new SequenceRecipient(destination_);
        _senders.push(makeAddr("sender-a"));
        _senders.push(makeAddr("sender-b"));
        _makePool();
        _setValidators(2 ** POOL - 1, 3);
    }

    // ---------------------------------------------------------------- honest actions

    function dispatch(uint256 senderSeed, bool fragile) external {
        if (_messages.length == MAX_MESSAGES) return;
        // At most MAX_MESSAGES.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 nonce = uint64(_messages.length);
        address sender = _senders[senderSeed % _senders.length];
        bytes memory body = abi.encode(nonce, fragile);
        vm.prank(sender);
        bytes32 id = originMailbox.dispatch(DESTINATION, address(recipient), body);
        bytes memory message =
            Message.encode(nonce, ORIGIN, sender, DESTINATION, address(recipient), body);
        if (id != keccak256(message)) ++ghost_unexpectedSuccesses;
        _messages.push(message);
        ++ghost_dispatched;
    }

    function process(uint256 signerSeed) external {
        uint64 nonce = destinationMailbox.inboundNonce(ORIGIN);
        if (nonce >= _messages.length) return;
        bytes memory message = _messages[nonce];
        bytes[] memory signatures = _quorum(message, signerSeed);
        try destinationMailbox.process(message, signatures) {
            ++ghost_deliveredWithQuorum;
            if (destinationMailbox.failed(keccak256(message))) ++ghost_handlerFailures;
        } catch (bytes memory reason) {
            _expectOnlyPause(reason);
        }
    }

    /// @dev A batch that may start behind the channel (a racing relayer delivered those already)
    /// and run past the last dispatched message (cut off).
    function processBatch(uint256 back, uint256 count, uint256 signerSeed) external {
        uint256 next = destinationMailbox.inboundNonce(ORIGIN);
        uint256 start = next - _bound(back, 0, next);
        uint256 end = start + _bound(count, 1, MAX_BATCH);
        if (end > _messages.length) end = _messages.length;
        if (start >= end) return;
        bytes[] memory messages = new bytes[](end - start);
        bytes[][] memory signatures = new bytes[][](end - start);
        for (uint256 i; i < messages.length; ++i) {
            messages[i] = _messages[start + i];
            signatures[i] = _quorum(messages[i], uint256(keccak256(abi.encode(signerSeed, i))));
        }
        try destinationMailbox.processBatch(messages, signatures) {
            uint256 advanced = destinationMailbox.inboundNonce(ORIGIN) - next;
            ghost_deliveredWithQuorum += advanced;
            ghost_skipped += messages.length - advanced;
            for (uint256 i = next - start; i < messages.length; ++i) {
                if (destinationMailbox.failed(keccak256(messages[i]))) ++ghost_handlerFailures;
            }
        } catch (bytes memory reason) {
            _expectOnlyPause(reason);
        }
    }

    function retry(uint256 indexSeed, bool heal) external {
        (bool found, bytes memory message) = _someFailedMessage(indexSeed);
        if (!found) return;
        recipient.setRejectFragile(!heal);
        try destinationMailbox.retry(message) {
            if (heal) ++ghost_retrySuccesses;
            else ++ghost_unexpectedSuccesses;
        } catch (bytes memory reason) {
            if (destinationMailbox.paused()) _expectOnlyPause(reason);
            else if (heal) ++ghost_unexpectedReverts;
            else ++ghost_retryFailures;
        }
        recipient.setRejectFragile(true);
    }

    // ---------------------------------------------------------------- attacks

    function processDuplicate(uint256 indexSeed, uint256 signerSeed) external {
        uint256 next = destinationMailbox.inboundNonce(ORIGIN);
        if (next == 0) return;
        bytes memory message = _messages[indexSeed % next];
        bytes[] memory signatures = _quorum(message, signerSeed);
        try destinationMailbox.process(message, signatures) {
            ++ghost_unexpectedSuccesses;
        } catch (bytes memory reason) {
            _expectRejection(reason, IMailbox.MailboxAlreadyDelivered.selector);
            ++ghost_duplicatesRejected;
        }
    }

    function processOutOfOrder(uint256 aheadSeed, uint256 signerSeed) external {
        uint256 next = destinationMailbox.inboundNonce(ORIGIN);
        if (next + 1 >= _messages.length) return;
        bytes memory message = _messages[next + 1 + aheadSeed % (_messages.length - next - 1)];
        bytes[] memory signatures = _quorum(message, signerSeed);
        try destinationMailbox.process(message, signatures) {
            ++ghost_unexpectedSuccesses;
        } catch (bytes memory reason) {
            _expectRejection(reason, IMailbox.MailboxNonceOutOfOrder.selector);
            ++ghost_outOfOrderRejected;
        }
    }

    /// @dev Tries the next message with signatures that must not pass: too few, an outsider,
    /// unsorted, a duplicate, over another id, or for another chain id.
    function processWithoutQuorum(uint256 mode, uint256 seed) external {
        uint64 nonce = destinationMailbox.inboundNonce(ORIGIN);
        if (nonce >= _messages.length) return;
        bytes memory message = _messages[nonce];
        bytes[] memory signatures = _forgery(message, mode % 6, seed);
        try destinationMailbox.process(message, signatures) {
            ++ghost_deliveredWithoutQuorum;
        } catch {
            ++ghost_forgeriesRejected;
        }
    }

    // ---------------------------------------------------------------- operators

    function pause(bool byGuardian) external {
        if (destinationMailbox.paused()) return;
        vm.prank(byGuardian ? _guardian : _owner);
        destinationMailbox.pause();
    }

    function unpause() external {
        if (!destinationMailbox.paused()) return;
        vm.prank(_owner);
        destinationMailbox.unpause();
    }

    function changeValidators(uint256 maskSeed, uint256 thresholdSeed) external {
        uint256 mask = _bound(maskSeed, 1, 2 ** POOL - 1);
        uint256 size;
        for (uint256 i; i < POOL; ++i) {
            size += (mask >> i) & 1;
        }
        _setValidators(mask, _bound(thresholdSeed, 1, size));
        ++ghost_validatorChanges;
    }

    // ---------------------------------------------------------------- views for invariants

    function messageCount() external view returns (uint256) {
        return _messages.length;
    }

    function messageAt(uint256 nonce) external view returns (bytes memory) {
        return _messages[nonce];
    }

    // ---------------------------------------------------------------- internals

    /// @dev `threshold` to all members of the current set, chosen by `seed`, ascending.
    function _quorum(bytes memory message, uint256 seed) private view returns (bytes[] memory) {
        uint256[] memory members = _keysOf(_setMask);
        uint256 extra = seed % (members.length - _threshold + 1);
        uint256 count = _threshold + extra;
        uint256[] memory keys = new uint256[](count);
        // Drop `members.length - count` members starting at a seed-chosen position.
        uint256 drop = members.length - count;
        uint256 from = (seed >> 8) % members.length;
        uint256 k;
        for (uint256 i; i < members.length; ++i) {
            uint256 distance = (i + members.length - from) % members.length;
            if (distance < drop) continue;
            keys[k++] = members[i];
        }
        return signDigest(destinationMailbox.attestationDigest(keccak256(message)), keys);
    }

    function _forgery(bytes memory message, uint256 mode, uint256 seed)
        private
        view
        returns (bytes[] memory signatures)
    {
        bytes32 digest = destinationMailbox.attestationDigest(keccak256(message));
        uint256[] memory members = _keysOf(_setMask);
        if (mode == 0 || (mode == 2 && _threshold < 2)) {
            // Too few: one short of the threshold.
            uint256[] memory keys = new uint256[](_threshold - 1);
            for (uint256 i; i < keys.length; ++i) {
                keys[i] = members[i];
            }
            return signDigest(digest, keys);
        }
        if (mode == 1) {
            // An outsider among a valid quorum: a pool validator outside the set, or a stranger
            // when the set is the whole pool.
            (bool found, uint256 index) = _someOutsider(seed);
            uint256 outsider = found
                ? _keys[index]
                : uint256(keccak256(abi.encode("outsider", seed))) % 2 ** 128 + 1;
            signatures = _quorum(message, seed);
            signatures[seed % signatures.length] = sign(outsider, digest);
            return signatures;
        }
        if (mode == 2) {
            signatures = _quorum(message, seed);
            (signatures[0], signatures[1]) = (signatures[1], signatures[0]);
            return signatures;
        }
        if (mode == 3) {
            signatures = _quorum(message, seed);
            bytes[] memory doubled = new bytes[](signatures.length + 1);
            for (uint256 i; i < signatures.length; ++i) {
                doubled[i] = signatures[i];
            }
            doubled[signatures.length] = signatures[signatures.length - 1];
            return doubled;
        }
        bytes32 wrongDigest = mode == 4
            ? destinationMailbox.attestationDigest(keccak256(abi.encode(message, seed)))
            : _digestForChain(keccak256(message), block.chainid + 1 + seed % 1000);
        return signDigest(wrongDigest, _keysOf(_setMask));
    }

    function _digestForChain(bytes32 messageId, uint256 chainId) private view returns (bytes32) {
        bytes32 separator = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("crossflow Mailbox"),
                keccak256("1"),
                chainId,
                address(destinationMailbox)
            )
        );
        bytes32 structHash =
            keccak256(abi.encode(keccak256("Attestation(bytes32 messageId)"), messageId));
        return keccak256(abi.encodePacked("\x19\x01", separator, structHash));
    }

    function _someFailedMessage(uint256 seed)
        private
        view
        returns (bool found, bytes memory message)
    {
        uint256 delivered = destinationMailbox.inboundNonce(ORIGIN);
        if (delivered > _messages.length) delivered = _messages.length;
        for (uint256 i; i < delivered; ++i) {
            message = _messages[(seed % delivered + i) % delivered];
            if (destinationMailbox.failed(keccak256(message))) return (true, message);
        }
        return (false, "");
    }

    /// @dev While paused, every delivery attempt must fail with `MailboxPaused`, and only then.
    function _expectOnlyPause(bytes memory reason) private {
        if (destinationMailbox.paused() && _selector(reason) == IMailbox.MailboxPaused.selector) {
            ++ghost_pausedRejected;
        } else {
            ++ghost_unexpectedReverts;
        }
    }

    function _expectRejection(bytes memory reason, bytes4 expected) private {
        bytes4 selector = _selector(reason);
        bool paused = destinationMailbox.paused();
        if (paused ? selector != IMailbox.MailboxPaused.selector : selector != expected) {
            ++ghost_unexpectedReverts;
        }
    }

    function _setValidators(uint256 mask, uint256 threshold) private {
        // forge-lint: disable-next-line(unsafe-typecast)
        uint8 newThreshold = uint8(threshold);
        uint256[] memory keys = _keysOf(mask);
        address[] memory set = new address[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            set[i] = vm.addr(keys[i]);
        }
        vm.prank(_owner);
        destinationMailbox.setValidators(ORIGIN, set, newThreshold);
        _setMask = mask;
        _threshold = newThreshold;
    }

    function _keysOf(uint256 mask) private view returns (uint256[] memory keys) {
        uint256 count;
        for (uint256 i; i < POOL; ++i) {
            count += (mask >> i) & 1;
        }
        keys = new uint256[](count);
        uint256 k;
        for (uint256 i; i < POOL; ++i) {
            if ((mask >> i) & 1 == 1) keys[k++] = _keys[i];
        }
    }

    function _someOutsider(uint256 seed) private view returns (bool found, uint256 index) {
        for (uint256 i; i < POOL; ++i) {
            index = (seed % POOL + i) % POOL;
            if ((_setMask >> index) & 1 == 0) return (true, index);
        }
    }

    function _selector(bytes memory reason) private pure returns (bytes4) {
        // Revert data starts with the 4-byte error selector.
        // forge-lint: disable-next-line(unsafe-typecast)
        return bytes4(reason);
    }

    function _makePool() private {
        for (uint256 i; i < POOL; ++i) {
            (address validator, uint256 key) =
                makeAddrAndKey(string.concat("pool-validator-", vm.toString(i)));
            _pool.push(validator);
            _keys.push(key);
        }
        for (uint256 i = 1; i < POOL; ++i) {
            for (uint256 j = i; j > 0 && _pool[j - 1] > _pool[j]; --j) {
                (_pool[j - 1], _pool[j]) = (_pool[j], _pool[j - 1]);
                (_keys[j - 1], _keys[j]) = (_keys[j], _keys[j - 1]);
            }
        }
    }
}
