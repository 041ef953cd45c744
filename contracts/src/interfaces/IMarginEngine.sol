// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Margin} from "../libraries/Margin.sol";

/// @title IMarginEngine
/// @notice The risk engine's `Margin.evaluate` behind an external call, so a market that needs
/// portfolio margin stays under the 24 KB contract size limit (the pricer alone is most of it).
interface IMarginEngine {
    /// @notice Equity, MM, IM and health of `account` at `market`, under `params`.
    /// @dev Exactly `Margin.evaluate`, with its errors and units (WADs, seconds).
    function evaluate(
        Margin.Account memory account,
        Margin.Market memory market,
        Margin.Params memory params
    ) external pure returns (Margin.Result memory);

    /// @notice `evaluate` of `account`, and of `order` held alone at the account's latency, in
    /// one call and one pass over the scenarios.
    /// @dev Exactly `Margin.evaluateWithOrder`: the same results as two `evaluate` calls.
    function evaluateWithOrder(
        Margin.Account memory account,
        Margin.Position memory order,
        Margin.Market memory market,
        Margin.Params memory params
    ) external pure returns (Margin.Result memory result, Margin.Result memory alone);
}
