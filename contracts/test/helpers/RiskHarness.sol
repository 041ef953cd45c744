// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BlackScholes} from "../../src/libraries/BlackScholes.sol";
import {FixedPointMath} from "../../src/libraries/FixedPointMath.sol";
import {Margin} from "../../src/libraries/Margin.sol";

/// @title RiskHarness
/// @notice Exposes `FixedPointMath`, `BlackScholes` and `Margin` over batches of inputs, for the
/// Python tests and the benchmark that deploy it on Anvil and compare it with the
/// floating-point model (`relayer/risk/model.py`), a few hundred inputs per `eth_call`.
/// @dev Pure pass-throughs: units, rounding and reverts are the libraries'. The `*Gas`
/// functions return the gas the library call itself used, measured with `gasleft()`.
contract RiskHarness {
    /// @notice One Black-Scholes input, WAD except `secondsToExpiry`.
    struct Option {
        uint256 spot;
        uint256 strike;
        uint256 vol;
        uint256 secondsToExpiry;
        uint256 rate;
        bool isCall;
    }

    /// @notice `FixedPointMath.exp` of each input.
    function exp(int256[] calldata xs) external pure returns (int256[] memory out) {
        out = new int256[](xs.length);
        for (uint256 i; i < xs.length; ++i) {
            out[i] = FixedPointMath.exp(xs[i]);
        }
    }

    /// @notice `FixedPointMath.ln` of each input.
    function ln(int256[] calldata xs) external pure returns (int256[] memory out) {
        out = new int256[](xs.length);
        for (uint256 i; i < xs.length; ++i) {
            out[i] = FixedPointMath.ln(xs[i]);
        }
    }

    /// @notice `FixedPointMath.sqrt` of each input.
    function sqrt(uint256[] calldata xs) external pure returns (uint256[] memory out) {
        out = new uint256[](xs.length);
        for (uint256 i; i < xs.length; ++i) {
            out[i] = FixedPointMath.sqrt(xs[i]);
        }
    }

    /// @notice `FixedPointMath.cdf` and `FixedPointMath.pdf` of each input.
    function normal(int256[] calldata xs)
        external
        pure
        returns (uint256[] memory cdfs, uint256[] memory pdfs)
    {
        cdfs = new uint256[](xs.length);
        pdfs = new uint256[](xs.length);
        for (uint256 i; i < xs.length; ++i) {
            cdfs[i] = FixedPointMath.cdf(xs[i]);
            pdfs[i] = FixedPointMath.pdf(xs[i]);
        }
    }

    /// @notice `BlackScholes.greeks` of each option.
    function greeks(Option[] calldata options)
        external
        pure
        returns (
            uint256[] memory prices,
            int256[] memory deltas,
            uint256[] memory gammas,
            uint256[] memory vegas
        )
    {
        uint256 count = options.length;
        (prices, deltas, gammas, vegas) =
        (new uint256[](count), new int256[](count), new uint256[](count), new uint256[](count));
        for (uint256 i; i < count; ++i) {
            Option calldata o = options[i];
            (prices[i], deltas[i], gammas[i], vegas[i]) =
                BlackScholes.greeks(o.spot, o.strike, o.vol, o.secondsToExpiry, o.rate, o.isCall);
        }
    }

    /// @notice `Margin.evaluate` of each account.
    function evaluate(
        Margin.Account[] memory accounts,
        Margin.Market memory market,
        Margin.Params memory params
    ) external pure returns (Margin.Result[] memory results) {
        results = new Margin.Result[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            results[i] = Margin.evaluate(accounts[i], market, params);
        }
    }

    /// @notice One `BlackScholes.priceAndDelta` and the gas it used. (The results are
    /// returned so the optimizer cannot drop the call being measured.)
    function priceAndDeltaGas(Option calldata o)
        external
        view
        returns (uint256 optionPrice, int256 optionDelta, uint256 gasUsed)
    {
        // Read the input first, so the measurement is the library's alone.
        (uint256 spot, uint256 strike, uint256 vol, uint256 secondsToExpiry, uint256 rate) =
            (o.spot, o.strike, o.vol, o.secondsToExpiry, o.rate);
        bool isCall = o.isCall;
        uint256 before = gasleft();
        (optionPrice, optionDelta) =
            BlackScholes.priceAndDelta(spot, strike, vol, secondsToExpiry, rate, isCall);
        gasUsed = before - gasleft();
    }

    /// @notice One `FixedPointMath.cdf` and the gas it used.
    function cdfGas(int256 x) external view returns (uint256 value, uint256 gasUsed) {
        uint256 before = gasleft();
        value = FixedPointMath.cdf(x);
        gasUsed = before - gasleft();
    }

    /// @notice One `Margin.evaluate` (IM, MM and health together) and the gas it used.
    function evaluateGas(
        Margin.Account memory account,
        Margin.Market memory market,
        Margin.Params memory params
    ) external view returns (Margin.Result memory result, uint256 gasUsed) {
        uint256 before = gasleft();
        result = Margin.evaluate(account, market, params);
        gasUsed = before - gasleft();
    }
}
