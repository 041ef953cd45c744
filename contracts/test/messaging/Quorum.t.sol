// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMailbox} from "../../src/interfaces/IMailbox.sol";
import {Quorum} from "../../src/libraries/Quorum.sol";
import {BaseTest} from "../BaseTest.sol";

/// @dev Holds one validator set and exposes the library to tests.
contract QuorumHarness {
    using Quorum for Quorum.ValidatorSet;

    uint32 internal constant ORIGIN = 7;

    Quorum.ValidatorSet private _set;

    function replace(address[] calldata newMembers, uint8 threshold) external {
        _set.replace(newMembers, threshold);
    }

    function verify(bytes32 digest, bytes[] calldata signatures) external view {
        _set.verify(ORIGIN, digest, signatures);
    }

    function isMember(address account) external view returns (bool) {
        return _set.isMember[account];
    }

    function members() external view returns (address[] memory) {
        return _set.members;
    }
}

contract QuorumTest is BaseTest {
    uint256 private constant POOL = 10;
    bytes32 private constant DIGEST = keccak256("digest");

    QuorumHarness private harness;
    address[] private pool;
    uint256[] private keys;

    function setUp() public override {
        super.setUp();
        harness = new QuorumHarness();
        for (uint256 i; i < POOL; ++i) {
            (address account, uint256 key) = makeAddrAndKey(string.concat("q-", vm.toString(i)));
            pool.push(account);
            keys.push(key);
        }
        for (uint256 i = 1; i < POOL; ++i) {
            for (uint256 j = i; j > 0 && pool[j - 1] > pool[j]; --j) {
                (pool[j - 1], pool[j]) = (pool[j], pool[j - 1]);
                (keys[j - 1], keys[j]) = (keys[j], keys[j - 1]);
            }
        }
    }

    function test_verify_RejectsEmptySet() public {
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxQuorumNotMet.selector, 7, 0, 0));
        harness.verify(DIGEST, new bytes[](0));
    }

    function test_verify_ChecksCountBeforeRecovering() public {
        harness.replace(_select(7), 3);
        bytes[] memory garbage = new bytes[](2);
        vm.expectRevert(abi.encodeWithSelector(IMailbox.MailboxQuorumNotMet.selector, 7, 2, 3));
        harness.verify(DIGEST, garbage);
    }

    function testFuzz_replace_KeepsOnlyTheNewMembers(uint256 firstMask, uint256 secondMask) public {
        firstMask = _bound(firstMask, 1, 2 ** POOL - 1);
        secondMask = _bound(secondMask, 1, 2 ** POOL - 1);
        harness.replace(_select(firstMask), 1);
        address[] memory second = _select(secondMask);
        harness.replace(second, 1);

        assertEq(harness.members(), second);
        for (uint256 i; i < POOL; ++i) {
            assertEq(harness.isMember(pool[i]), (secondMask >> i) & 1 == 1);
        }
    }

    function testFuzz_verify_PassesExactlyForSortedMemberQuorums(
        uint256 setMask,
        uint256 signerMask,
        uint256 t
    ) public {
        setMask = _bound(setMask, 1, 2 ** POOL - 1);
        address[] memory set = _select(setMask);
        // At most POOL (10) members.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint8 threshold = uint8(_bound(t, 1, set.length));
        harness.replace(set, threshold);
        signerMask = signerMask & (2 ** POOL - 1);
        bytes[] memory signatures = _sign(signerMask);

        (bool passes, bytes memory expected) = _expectedOutcome(setMask, signerMask, threshold);
        if (!passes) vm.expectRevert(expected);
        harness.verify(DIGEST, signatures);
    }

    /// @dev What `verify` must do, derived independently: count first, then the first signer
    /// outside the set.
    function _expectedOutcome(uint256 setMask, uint256 signerMask, uint8 threshold)
        private
        view
        returns (bool passes, bytes memory expected)
    {
        uint256 count;
        for (uint256 i; i < POOL; ++i) {
            count += (signerMask >> i) & 1;
        }
        if (count < threshold) {
            return (
                false,
                abi.encodeWithSelector(IMailbox.MailboxQuorumNotMet.selector, 7, count, threshold)
            );
        }
        for (uint256 i; i < POOL; ++i) {
            if ((signerMask >> i) & 1 == 1 && (setMask >> i) & 1 == 0) {
                return (
                    false,
                    abi.encodeWithSelector(IMailbox.MailboxSignerNotValidator.selector, 7, pool[i])
                );
            }
        }
        return (true, "");
    }

    function _select(uint256 mask) private view returns (address[] memory set) {
        uint256 count;
        for (uint256 i; i < POOL; ++i) {
            count += (mask >> i) & 1;
        }
        set = new address[](count);
        uint256 k;
        for (uint256 i; i < POOL; ++i) {
            if ((mask >> i) & 1 == 1) set[k++] = pool[i];
        }
    }

    function _sign(uint256 mask) private view returns (bytes[] memory signatures) {
        signatures = new bytes[](_select(mask).length);
        uint256 k;
        for (uint256 i; i < POOL; ++i) {
            if ((mask >> i) & 1 == 1) {
                (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], DIGEST);
                signatures[k++] = abi.encodePacked(r, s, v);
            }
        }
    }
}
