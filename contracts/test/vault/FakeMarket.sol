// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AppMessage} from "../../src/libraries/AppMessage.sol";
import {MessageRecipient} from "../../src/messaging/MessageRecipient.sol";

/// @notice Stands in for the options market on the market domain: sends RELEASE, SEIZE and
/// MARGIN_CALL (or any raw body) through its own mailbox and adds up the CREDITs it receives.
contract FakeMarket is MessageRecipient {
    mapping(address account => mapping(address token => uint256 amountWad)) public credited;
    uint256 public credits;
    AppMessage.Credit public lastCredit;

    constructor(address mailbox_, address owner_) MessageRecipient(mailbox_, owner_) {}

    function release(uint32 domain, AppMessage.Payout memory payout) external returns (bytes32) {
        return _dispatch(domain, AppMessage.encodeRelease(payout));
    }

    function seize(uint32 domain, AppMessage.Payout memory payout) external returns (bytes32) {
        return _dispatch(domain, AppMessage.encodeSeize(payout));
    }

    function marginCall(uint32 domain, AppMessage.MarginCall memory call)
        external
        returns (bytes32)
    {
        return _dispatch(domain, AppMessage.encodeMarginCall(call));
    }

    function send(uint32 domain, bytes calldata body) external returns (bytes32) {
        return _dispatch(domain, body);
    }

    function _handle(uint32, address, bytes calldata body) internal override {
        AppMessage.Credit memory credit = AppMessage.decodeCredit(body);
        credited[credit.account][credit.token] += credit.amount;
        ++credits;
        lastCredit = credit;
    }
}
