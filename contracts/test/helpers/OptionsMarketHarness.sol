// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {IMarginEngine} from "../../src/interfaces/IMarginEngine.sol";
import {OptionsMarket} from "../../src/market/OptionsMarket.sol";

/// @title OptionsMarketHarness
/// @notice The market with a public door for collateral, for tests only: the deployed market
/// credits collateral only from its mailbox handler (the cross-chain issue).
contract OptionsMarketHarness is OptionsMarket {
    constructor(
        address owner_,
        IMarginEngine engine_,
        AggregatorV3Interface spotFeed_,
        AggregatorV3Interface volFeed_,
        address feeAccount_,
        address insuranceFund_,
        RiskParams memory params
    ) OptionsMarket(owner_, engine_, spotFeed_, volFeed_, feeAccount_, insuranceFund_, params) {}

    /// @notice Books a deposit as the mailbox handler will: cash for the quote token.
    function creditForTest(address account, uint32 domain, address token, uint256 amount) external {
        _credit(account, domain, token, amount);
    }
}
