// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title AggregatorV3Interface
/// @notice Chainlink's price feed read interface, verbatim, so any Chainlink consumer reads a
/// crossflow feed unchanged.
interface AggregatorV3Interface {
    /// @notice The number of decimals of `answer` (8 for USD prices).
    function decimals() external view returns (uint8);

    /// @notice A human-readable name of the feed, such as "ETH / USD".
    function description() external view returns (string memory);

    /// @notice The version of the feed implementation.
    function version() external view returns (uint256);

    /// @notice The data of round `_roundId`.
    function getRoundData(uint80 _roundId)
        external
        view
        returns (
            uint80 roundId,
            int256 answer,
            uint256 startedAt,
            uint256 updatedAt,
            uint80 answeredInRound
        );

    /// @notice The data of the latest round.
    function latestRoundData()
        external
        view
        returns (
            uint80 roundId,
            int256 answer,
            uint256 startedAt,
            uint256 updatedAt,
            uint80 answeredInRound
        );
}
