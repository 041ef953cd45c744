// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";

/// @notice A Chainlink-style feed whose answer, age and failure the test sets directly.
contract MockFeed is AggregatorV3Interface {
    uint8 public immutable decimals;
    int256 private _answer;
    uint256 private _updatedAt;
    uint80 private _roundId;
    bool private _broken;

    error MockFeedBroken();

    constructor(uint8 decimals_, int256 answer_) {
        decimals = decimals_;
        setAnswer(answer_);
    }

    /// @dev A new round answering `answer_` now.
    function setAnswer(int256 answer_) public {
        _answer = answer_;
        _updatedAt = block.timestamp;
        ++_roundId;
    }

    function setUpdatedAt(uint256 updatedAt_) external {
        _updatedAt = updatedAt_;
    }

    /// @dev A broken feed reverts on every read.
    function setBroken(bool broken) external {
        _broken = broken;
    }

    function description() external pure returns (string memory) {
        return "MOCK / USD";
    }

    function version() external pure returns (uint256) {
        return 1;
    }

    function getRoundData(uint80) external view returns (uint80, int256, uint256, uint256, uint80) {
        return latestRoundData();
    }

    function latestRoundData() public view returns (uint80, int256, uint256, uint256, uint80) {
        if (_broken) revert MockFeedBroken();
        return (_roundId, _answer, _updatedAt, _updatedAt, _roundId);
    }
}
