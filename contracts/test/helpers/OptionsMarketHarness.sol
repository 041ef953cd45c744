// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarketAdmin} from "../../src/market/MarketAdmin.sol";
import {MarketCollateral} from "../../src/market/MarketCollateral.sol";
import {OptionsMarket} from "../../src/market/OptionsMarket.sol";

/// @title OptionsMarketHarness
/// @notice The market with a public door for collateral, for tests only: the deployed market
/// credits collateral only from its mailbox handler, a vault's `CREDIT`.
contract OptionsMarketHarness is OptionsMarket {
    constructor(
        Setup memory setup,
        RiskParams memory params,
        LiquidationParams memory liquidation,
        MarketAdmin admin_,
        MarketCollateral collateral_
    ) OptionsMarket(setup, params, liquidation, admin_, collateral_) {}

    /// @notice Books a deposit as the mailbox handler will: cash for the quote token.
    function creditForTest(address account, uint32 domain, address token, uint256 amount) external {
        _credit(account, domain, token, amount);
    }
}
