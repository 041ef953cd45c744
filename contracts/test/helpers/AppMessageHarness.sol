// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AppMessage} from "../../src/libraries/AppMessage.sol";

/// @notice Exposes `AppMessage` to tests, with bodies in calldata as handlers receive them.
contract AppMessageHarness {
    function encodeCredit(AppMessage.Credit memory credit) external pure returns (bytes memory) {
        return AppMessage.encodeCredit(credit);
    }

    function encodeRelease(AppMessage.Payout memory payout) external pure returns (bytes memory) {
        return AppMessage.encodeRelease(payout);
    }

    function encodeSeize(AppMessage.Payout memory payout) external pure returns (bytes memory) {
        return AppMessage.encodeSeize(payout);
    }

    function encodeMarginCall(AppMessage.MarginCall memory call)
        external
        pure
        returns (bytes memory)
    {
        return AppMessage.encodeMarginCall(call);
    }

    function kind(bytes calldata body) external pure returns (uint8) {
        return AppMessage.kind(body);
    }

    function decodeCredit(bytes calldata body) external pure returns (AppMessage.Credit memory) {
        return AppMessage.decodeCredit(body);
    }

    function decodeRelease(bytes calldata body) external pure returns (AppMessage.Payout memory) {
        return AppMessage.decodeRelease(body);
    }

    function decodeSeize(bytes calldata body) external pure returns (AppMessage.Payout memory) {
        return AppMessage.decodeSeize(body);
    }

    function decodeMarginCall(bytes calldata body)
        external
        pure
        returns (AppMessage.MarginCall memory)
    {
        return AppMessage.decodeMarginCall(body);
    }
}
