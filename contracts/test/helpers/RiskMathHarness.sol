// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BlackScholes} from "../../src/libraries/BlackScholes.sol";
import {FixedPointMath} from "../../src/libraries/FixedPointMath.sol";

/// @title RiskMathHarness
/// @notice Exposes `FixedPointMath` and `BlackScholes` as external view functions, for the
/// Python accuracy tests that deploy it on Anvil and compare it with a floating-point model.
/// @dev Pure pass-throughs: units, rounding and reverts are the libraries'.
contract RiskMathHarness {
    /// @notice `FixedPointMath.exp`.
    function exp(int256 x) external pure returns (int256) {
        return FixedPointMath.exp(x);
    }

    /// @notice `FixedPointMath.ln`.
    function ln(int256 x) external pure returns (int256) {
        return FixedPointMath.ln(x);
    }

    /// @notice `FixedPointMath.sqrt`.
    function sqrt(uint256 x) external pure returns (uint256) {
        return FixedPointMath.sqrt(x);
    }

    /// @notice `FixedPointMath.cdf`.
    function cdf(int256 x) external pure returns (uint256) {
        return FixedPointMath.cdf(x);
    }

    /// @notice `FixedPointMath.pdf`.
    function pdf(int256 x) external pure returns (uint256) {
        return FixedPointMath.pdf(x);
    }

    /// @notice `BlackScholes.price`.
    function price(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall
    ) external pure returns (uint256) {
        return BlackScholes.price(spot, strike, vol, secondsToExpiry, rate, isCall);
    }

    /// @notice `BlackScholes.delta`.
    function delta(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall
    ) external pure returns (int256) {
        return BlackScholes.delta(spot, strike, vol, secondsToExpiry, rate, isCall);
    }

    /// @notice `BlackScholes.gamma`.
    function gamma(uint256 spot, uint256 strike, uint256 vol, uint256 secondsToExpiry, uint256 rate)
        external
        pure
        returns (uint256)
    {
        return BlackScholes.gamma(spot, strike, vol, secondsToExpiry, rate);
    }

    /// @notice `BlackScholes.vega`.
    function vega(uint256 spot, uint256 strike, uint256 vol, uint256 secondsToExpiry, uint256 rate)
        external
        pure
        returns (uint256)
    {
        return BlackScholes.vega(spot, strike, vol, secondsToExpiry, rate);
    }

    /// @notice `BlackScholes.priceAndDelta`.
    function priceAndDelta(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall
    ) external pure returns (uint256 optionPrice, int256 optionDelta) {
        return BlackScholes.priceAndDelta(spot, strike, vol, secondsToExpiry, rate, isCall);
    }

    /// @notice `BlackScholes.greeks`.
    function greeks(
        uint256 spot,
        uint256 strike,
        uint256 vol,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall
    )
        external
        pure
        returns (uint256 optionPrice, int256 optionDelta, uint256 optionGamma, uint256 optionVega)
    {
        return BlackScholes.greeks(spot, strike, vol, secondsToExpiry, rate, isCall);
    }

    /// @notice `BlackScholes.addValues` of one option over the grid of `spots` × `vols`,
    /// starting from `length` zero values.
    function addValues(
        uint256[] memory spots,
        uint256[] memory vols,
        uint256 strike,
        uint256 secondsToExpiry,
        uint256 rate,
        bool isCall,
        int256 quantity,
        uint256 length
    ) external pure returns (int256[] memory values) {
        values = new int256[](length);
        BlackScholes.addValues(
            BlackScholes.scenarioGrid(spots, vols),
            strike,
            secondsToExpiry,
            rate,
            isCall,
            quantity,
            values
        );
    }
}
