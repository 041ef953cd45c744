// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IQuorum} from "../../src/interfaces/IQuorum.sol";
import {Quorum} from "../../src/libraries/Quorum.sol";
import {BaseTest} from "../BaseTest.sol";

/// @dev Holds one signer set and exposes the library to tests.
contract QuorumHarness {
    using Quorum for Quorum.Set;

    Quorum.Set private _set;

    function replace(address[] calldata newMembers, uint8 newThreshold) external {
        _set.replace(newMembers, newThreshold);
    }

    function verify(bytes32 digest, bytes[] calldata signatures) external view {
        _set.verify(digest, signatures);
    }

    function isMember(address account) external view returns (bool) {
        return _set.isMember[account];
    }

    function members() external view returns (address[] memory) {
        return _set.members;
    }

    function threshold() external view returns (uint8) {
        return _set.threshold;
    }
}

/// @notice Every revert path of `Quorum`, once; `Mailbox` and `PriceFeed` tests cover the wiring.
contract QuorumTest is BaseTest {
    uint256 private constant POOL = 10;
    bytes32 private constant DIGEST = keccak256("digest");
    /// @dev secp256k1 group order; `s` above half of it is the malleable twin of a signature.
    uint256 private constant SECP256K1_N =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    QuorumHarness private harness;
    /// @dev Ascending by address, with `keys` in the same order.
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

    // ---------------------------------------------------------------- replace

    function test_replace_StoresMembersAndThreshold() public {
        address[] memory set = _select(0x7);
        harness.replace(set, 2);
        assertEq(harness.members(), set);
        assertEq(harness.threshold(), 2);
        assertTrue(harness.isMember(pool[0]));
        assertFalse(harness.isMember(pool[3]));
    }

    function test_replace_AcceptsMaximumSet() public {
        harness.replace(_distinct(Quorum.MAX_SIGNERS), 1);
        assertEq(harness.members().length, Quorum.MAX_SIGNERS);
    }

    function test_RevertWhen_TooManySigners() public {
        uint256 max = Quorum.MAX_SIGNERS;
        address[] memory set = _distinct(max + 1);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumTooManySigners.selector, max + 1, max));
        harness.replace(set, 1);
    }

    function test_RevertWhen_ThresholdZero() public {
        address[] memory set = _select(0x3);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidThreshold.selector, 0, 2));
        harness.replace(set, 0);
    }

    function test_RevertWhen_ThresholdAboveSetSize() public {
        address[] memory set = _select(0x3);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidThreshold.selector, 3, 2));
        harness.replace(set, 3);
    }

    function test_RevertWhen_SignerIsZeroAddress() public {
        address[] memory set = _select(0x7);
        set[1] = address(0);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumZeroSigner.selector, 1));
        harness.replace(set, 2);
    }

    function test_RevertWhen_SignerListedTwice() public {
        address[] memory set = _select(0x7);
        set[2] = set[0];
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumDuplicateSigner.selector, set[0]));
        harness.replace(set, 2);
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

    // ---------------------------------------------------------------- verify

    function test_verify_RejectsEmptySet() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, 0, 0));
        harness.verify(DIGEST, new bytes[](0));
    }

    function test_verify_ChecksCountBeforeRecovering() public {
        harness.replace(_select(7), 3);
        bytes[] memory garbage = new bytes[](2);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, 2, 3));
        harness.verify(DIGEST, garbage);
    }

    function test_RevertWhen_SignatureMalformedLength() public {
        harness.replace(_select(0x3), 2);
        bytes[] memory signatures = _sign(0x3);
        signatures[1] = bytes.concat(signatures[1], hex"00");
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidSignature.selector, 1));
        harness.verify(DIGEST, signatures);
    }

    function test_RevertWhen_SignatureMalleableHighS() public {
        harness.replace(_select(0x1), 1);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[0], DIGEST);
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? 28 : 27);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidSignature.selector, 0));
        harness.verify(DIGEST, signatures);
    }

    function test_RevertWhen_SignaturesUnsorted() public {
        harness.replace(_select(0x3), 2);
        bytes[] memory signatures = _sign(0x3);
        (signatures[0], signatures[1]) = (signatures[1], signatures[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IQuorum.QuorumSignersNotSorted.selector, pool[1], pool[0])
        );
        harness.verify(DIGEST, signatures);
    }

    function test_RevertWhen_SignerDuplicated() public {
        harness.replace(_select(0x3), 2);
        bytes[] memory signatures = _sign(0x1);
        bytes[] memory doubled = new bytes[](2);
        doubled[0] = signatures[0];
        doubled[1] = signatures[0];
        vm.expectRevert(
            abi.encodeWithSelector(IQuorum.QuorumSignersNotSorted.selector, pool[0], pool[0])
        );
        harness.verify(DIGEST, doubled);
    }

    function test_RevertWhen_SignerNotMember() public {
        harness.replace(_select(0x3), 2);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumSignerNotMember.selector, pool[2]));
        harness.verify(DIGEST, _sign(0x5));
    }

    function test_verify_ChecksSignaturesBeyondThreshold() public {
        harness.replace(_select(0x3), 1);
        harness.verify(DIGEST, _sign(0x3));
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumSignerNotMember.selector, pool[2]));
        harness.verify(DIGEST, _sign(0x5));
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
            return (false, abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, count, threshold));
        }
        for (uint256 i; i < POOL; ++i) {
            if ((signerMask >> i) & 1 == 1 && (setMask >> i) & 1 == 0) {
                return
                    (false, abi.encodeWithSelector(IQuorum.QuorumSignerNotMember.selector, pool[i]));
            }
        }
        return (true, "");
    }

    /// @dev The pool members whose bits are set in `mask`, ascending.
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

    /// @dev `count` distinct non-zero addresses, for sets larger than the pool.
    function _distinct(uint256 count) private pure returns (address[] memory set) {
        set = new address[](count);
        for (uint256 i; i < count; ++i) {
            set[i] = vm.addr(i + 1);
        }
    }

    /// @dev Signatures over `DIGEST` by the pool members whose bits are set in `mask`, sorted.
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
