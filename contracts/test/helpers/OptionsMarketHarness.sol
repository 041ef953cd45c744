// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OptionsMarket} from "../../src/market/OptionsMarket.sol";

/// @title OptionsMarketHarness
/// @notice The market with a public door for collateral, for tests only: the deployed market
/// credits collateral only from its mailbox handler (the cross-chain issue).
contract OptionsMarketHarness is OptionsMarket {
    constructor(Setup memory setup, RiskParams memory params) OptionsMarket(setup, params) {}

    /// @notice Books a deposit as the mailbox handler will: cash for the quote token.
    function creditForTest(address account, uint32 domain, address token, uint256 amount) external {
        _credit(account, domain, token, amount);
    }
}
