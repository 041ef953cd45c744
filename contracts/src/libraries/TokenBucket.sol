// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title TokenBucket
/// @notice A token-bucket rate limit: up to `capacity` may leave at once, and what left refills
/// at `refillPerSecond` up to `capacity` again.
/// @dev Amounts are in whatever unit the caller uses (the vault uses token WADs); times are unix
/// seconds. A bucket that was never configured has capacity zero and lets nothing through.
library TokenBucket {
    /// @notice One bucket, two storage slots.
    /// @param capacity The most the bucket holds.
    /// @param refillPerSecond What flows back in per second, up to `capacity`.
    /// @param available What it held at `updatedAt`.
    /// @param updatedAt When `available` was last brought up to date.
    struct Bucket {
        uint128 capacity;
        uint128 refillPerSecond;
        uint128 available;
        uint64 updatedAt;
    }

    /// @notice Sets the bucket's shape, keeping what it holds now (refilled to now and cut down to
    /// the new capacity); `fill` starts it full instead, for a new bucket.
    function configure(Bucket storage bucket, uint128 capacity, uint128 refillPerSecond, bool fill)
        internal
    {
        uint256 held = fill ? capacity : _min(availableNow(bucket), capacity);
        bucket.capacity = capacity;
        bucket.refillPerSecond = refillPerSecond;
        // `held` is at most `capacity`, a uint128.
        // forge-lint: disable-next-line(unsafe-typecast)
        bucket.available = uint128(held);
        bucket.updatedAt = uint64(block.timestamp);
    }

    /// @notice Takes `amount` out of the bucket if it holds that much now.
    /// @return ok Whether `amount` was taken; nothing changes when it was not.
    /// @return available What the bucket held now, before taking `amount`.
    function tryConsume(Bucket storage bucket, uint256 amount)
        internal
        returns (bool ok, uint256 available)
    {
        available = availableNow(bucket);
        if (amount > available) return (false, available);
        // `amount <= available <= capacity`, a uint128, so neither the cast nor the subtraction
        // can wrap.
        // forge-lint: disable-next-line(unsafe-typecast)
        bucket.available = uint128(available - amount);
        bucket.updatedAt = uint64(block.timestamp);
        return (true, available);
    }

    /// @notice What the bucket holds at the current block time.
    function availableNow(Bucket storage bucket) internal view returns (uint256) {
        uint256 elapsed = block.timestamp - bucket.updatedAt;
        // At most 2**64 seconds × 2**128 per second plus 2**128: far inside uint256.
        uint256 refilled = uint256(bucket.available) + elapsed * bucket.refillPerSecond;
        return _min(refilled, bucket.capacity);
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
