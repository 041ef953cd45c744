// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {TokenBucket} from "../../src/libraries/TokenBucket.sol";

contract TokenBucketHarness {
    using TokenBucket for TokenBucket.Bucket;

    TokenBucket.Bucket private _bucket;

    function configure(uint128 capacity, uint128 refill, bool fill) external {
        _bucket.configure(capacity, refill, fill);
    }

    function tryConsume(uint256 amount) external returns (bool, uint256) {
        return _bucket.tryConsume(amount);
    }

    function availableNow() external view returns (uint256) {
        return _bucket.availableNow();
    }
}

contract TokenBucketTest is Test {
    TokenBucketHarness private bucket;

    function setUp() public {
        vm.warp(1_700_000_000);
        bucket = new TokenBucketHarness();
    }

    function test_availableNow_NeverConfiguredLetsNothingThrough() public {
        assertEq(bucket.availableNow(), 0);
        (bool ok, uint256 available) = bucket.tryConsume(1);
        assertFalse(ok);
        assertEq(available, 0);
    }

    function test_configure_FillStartsFull() public {
        bucket.configure(100, 1, true);
        assertEq(bucket.availableNow(), 100);
    }

    function test_configure_WithoutFillKeepsWhatItHoldsCutToCapacity() public {
        bucket.configure(100, 1, true);
        bucket.tryConsume(30);
        bucket.configure(200, 1, false);
        assertEq(bucket.availableNow(), 70, "raising capacity does not refill");
        bucket.configure(50, 1, false);
        assertEq(bucket.availableNow(), 50, "lowering it cuts what is held");
    }

    function test_tryConsume_TakesAndRefillsOverTime() public {
        bucket.configure(100, 2, true);
        (bool ok, uint256 available) = bucket.tryConsume(100);
        assertTrue(ok);
        assertEq(available, 100);
        assertEq(bucket.availableNow(), 0);
        vm.warp(block.timestamp + 10);
        assertEq(bucket.availableNow(), 20);
        vm.warp(block.timestamp + 1000);
        assertEq(bucket.availableNow(), 100, "capped at capacity");
    }

    function test_tryConsume_OverTheLimitChangesNothing() public {
        bucket.configure(100, 1, true);
        (bool ok, uint256 available) = bucket.tryConsume(101);
        assertFalse(ok);
        assertEq(available, 100);
        assertEq(bucket.availableNow(), 100);
    }

    function testFuzz_tryConsume_NeverReleasesMoreThanCapacityPlusRefill(
        uint128 capacity,
        uint128 refill,
        uint256[8] memory amounts,
        uint256[8] memory gaps
    ) public {
        capacity = uint128(bound(capacity, 0, 1e30));
        refill = uint128(bound(refill, 0, 1e24));
        bucket.configure(capacity, refill, true);
        uint256 start = block.timestamp;
        uint256 taken;
        for (uint256 i; i < amounts.length; ++i) {
            vm.warp(block.timestamp + bound(gaps[i], 0, 1 days));
            uint256 amount = bound(amounts[i], 0, uint256(capacity) + 1);
            (bool ok,) = bucket.tryConsume(amount);
            if (ok) taken += amount;
        }
        assertLe(taken, uint256(capacity) + uint256(refill) * (block.timestamp - start));
    }

    function testFuzz_availableNow_NeverOverflowsAfterLongIdle(uint128 refill, uint64 idle) public {
        bucket.configure(type(uint128).max, refill, false);
        vm.warp(block.timestamp + bound(idle, 0, type(uint64).max - block.timestamp));
        assertLe(bucket.availableNow(), type(uint128).max);
    }
}
