// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMarginEngine} from "../interfaces/IMarginEngine.sol";
import {Margin} from "../libraries/Margin.sol";

/// @title MarginEngine
/// @notice A stateless deployment of the `Margin` library: one per chain, shared by markets.
contract MarginEngine is IMarginEngine {
    /// @inheritdoc IMarginEngine
    function evaluate(
        Margin.Account memory account,
        Margin.Market memory market,
        Margin.Params memory params
    ) external pure returns (Margin.Result memory) {
        return Margin.evaluate(account, market, params);
    }

    /// @inheritdoc IMarginEngine
    function evaluateWithOrder(
        Margin.Account memory account,
        Margin.Position memory order,
        Margin.Market memory market,
        Margin.Params memory params
    ) external pure returns (Margin.Result memory result, Margin.Result memory alone) {
        return Margin.evaluateWithOrder(account, order, market, params);
    }
}
