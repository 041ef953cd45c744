// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title AppMessage
/// @notice The one encoding of the app messages between the options market and the collateral
/// vaults, and their strict decoding.
/// @dev A body is `abi.encodePacked(uint8 kind, uint8 version, fields...)` with fixed-size fields
/// only, so every type has one exact length and every body of that length is well formed (no
/// padding to be dirty, no offsets). Byte ranges, from the start of the body, end exclusive:
///
/// - CREDIT (kind 1), 106 bytes: kind [0], version [1], account [2, 22), token [22, 42),
///   amount [42, 74), depositId [74, 106).
/// - RELEASE (kind 2) and SEIZE (kind 3), 126 bytes: kind [0], version [1], account [2, 22),
///   token [22, 42), amount [42, 74), recipient [74, 94), withdrawalId or liquidationId
///   [94, 126).
/// - MARGIN_CALL (kind 4), 94 bytes: kind [0], version [1], account [2, 22), deficit [22, 54),
///   deadline (uint64) [54, 62), callId [62, 94).
///
/// `amount` and `deficit` are uint256 and `deadline` a uint64, big-endian; addresses take 20
/// bytes, ids (bytes32) 32.
///
/// Units: `amount` is a WAD of the token (1e18 = one whole token, whatever its decimals) on the
/// vault's chain; `deficit` is a WAD of the quote unit (USD); `deadline` is unix seconds; every
/// id is a bytes32, unique per message type. CREDIT goes from a vault to the market, the others
/// from the market to a vault. Decoders read calldata, as handlers receive it.
library AppMessage {
    /// @notice The only version this code writes and accepts.
    uint8 internal constant VERSION = 1;

    /// @notice Vault → market: `amount` of `token` was committed for `account`.
    uint8 internal constant CREDIT = 1;
    /// @notice Market → vault: pay `amount` of `token` of `account` to `recipient`.
    uint8 internal constant RELEASE = 2;
    /// @notice Market → vault: pay `amount` of `token` seized from `account` to the liquidator's
    /// `recipient`.
    uint8 internal constant SEIZE = 3;
    /// @notice Market → vault: `account` is `deficit` short of initial margin until `deadline`.
    uint8 internal constant MARGIN_CALL = 4;

    /// @notice Bytes of the kind and version that start every body.
    uint256 internal constant HEADER_LENGTH = 2;
    /// @notice Bytes of a CREDIT body.
    uint256 internal constant CREDIT_LENGTH = 106;
    /// @notice Bytes of a RELEASE or SEIZE body.
    uint256 internal constant PAYOUT_LENGTH = 126;
    /// @notice Bytes of a MARGIN_CALL body.
    uint256 internal constant MARGIN_CALL_LENGTH = 94;

    /// @notice A body shorter than the two header bytes, `length` bytes long.
    error AppMessageTooShort(uint256 length);

    /// @notice The body's kind byte `kind` names no message type.
    error AppMessageUnknownType(uint8 kind);

    /// @notice A body of type `kind` has version `version`, not `VERSION`.
    error AppMessageWrongVersion(uint8 kind, uint8 version);

    /// @notice A body of type `kind` decoded as type `expected`.
    error AppMessageWrongType(uint8 kind, uint8 expected);

    /// @notice A body of type `kind` is `length` bytes long, not `expected`.
    error AppMessageWrongLength(uint8 kind, uint256 length, uint256 expected);

    /// @notice A CREDIT: `amount` (token WAD) of `token` committed for `account`.
    /// @param depositId Unique per vault deposit or top-up.
    struct Credit {
        address account;
        address token;
        uint256 amount;
        bytes32 depositId;
    }

    /// @notice A RELEASE or a SEIZE: pay `amount` (token WAD) of `token` held for `account` to
    /// `recipient`.
    /// @param id The withdrawal id (RELEASE) or the liquidation id (SEIZE).
    struct Payout {
        address account;
        address token;
        uint256 amount;
        address recipient;
        bytes32 id;
    }

    /// @notice A MARGIN_CALL: `account` lacks `deficit` (quote WAD) until `deadline` (unix
    /// seconds).
    struct MarginCall {
        address account;
        uint256 deficit;
        uint64 deadline;
        bytes32 callId;
    }

    /// @notice The CREDIT body of `credit`.
    function encodeCredit(Credit memory credit) internal pure returns (bytes memory) {
        return abi.encodePacked(
            CREDIT, VERSION, credit.account, credit.token, credit.amount, credit.depositId
        );
    }

    /// @notice The RELEASE body of `payout` (`payout.id` is the withdrawal id).
    function encodeRelease(Payout memory payout) internal pure returns (bytes memory) {
        return _encodePayout(RELEASE, payout);
    }

    /// @notice The SEIZE body of `payout` (`payout.id` is the liquidation id).
    function encodeSeize(Payout memory payout) internal pure returns (bytes memory) {
        return _encodePayout(SEIZE, payout);
    }

    /// @notice The MARGIN_CALL body of `call`.
    function encodeMarginCall(MarginCall memory call) internal pure returns (bytes memory) {
        return abi.encodePacked(
            MARGIN_CALL, VERSION, call.account, call.deficit, call.deadline, call.callId
        );
    }

    /// @notice The type of `body`, to dispatch on.
    /// @dev Reverts with `AppMessageTooShort` below the two header bytes, `AppMessageUnknownType`
    /// on a kind byte outside 1..4, and `AppMessageWrongVersion` on a version other than
    /// `VERSION`. The length of the rest is checked by the type's decoder.
    function kind(bytes calldata body) internal pure returns (uint8 type_) {
        if (body.length < HEADER_LENGTH) revert AppMessageTooShort(body.length);
        type_ = uint8(body[0]);
        if (type_ < CREDIT || type_ > MARGIN_CALL) revert AppMessageUnknownType(type_);
        uint8 version = uint8(body[1]);
        if (version != VERSION) revert AppMessageWrongVersion(type_, version);
    }

    /// @notice Decodes a CREDIT body; reverts as `kind` does, with `AppMessageWrongType` on any
    /// other type and with `AppMessageWrongLength` unless it is `CREDIT_LENGTH` bytes.
    function decodeCredit(bytes calldata body) internal pure returns (Credit memory credit) {
        _check(body, CREDIT, CREDIT_LENGTH);
        credit.account = address(bytes20(body[2:22]));
        credit.token = address(bytes20(body[22:42]));
        credit.amount = uint256(bytes32(body[42:74]));
        credit.depositId = bytes32(body[74:106]);
    }

    /// @notice Decodes a RELEASE body; reverts as `decodeCredit` does for its own type.
    function decodeRelease(bytes calldata body) internal pure returns (Payout memory) {
        return _decodePayout(body, RELEASE);
    }

    /// @notice Decodes a SEIZE body; reverts as `decodeCredit` does for its own type.
    function decodeSeize(bytes calldata body) internal pure returns (Payout memory) {
        return _decodePayout(body, SEIZE);
    }

    /// @notice Decodes a MARGIN_CALL body; reverts as `decodeCredit` does for its own type.
    function decodeMarginCall(bytes calldata body) internal pure returns (MarginCall memory call) {
        _check(body, MARGIN_CALL, MARGIN_CALL_LENGTH);
        call.account = address(bytes20(body[2:22]));
        call.deficit = uint256(bytes32(body[22:54]));
        call.deadline = uint64(bytes8(body[54:62]));
        call.callId = bytes32(body[62:94]);
    }

    function _encodePayout(uint8 type_, Payout memory payout) private pure returns (bytes memory) {
        return abi.encodePacked(
            type_, VERSION, payout.account, payout.token, payout.amount, payout.recipient, payout.id
        );
    }

    function _decodePayout(bytes calldata body, uint8 type_)
        private
        pure
        returns (Payout memory payout)
    {
        _check(body, type_, PAYOUT_LENGTH);
        payout.account = address(bytes20(body[2:22]));
        payout.token = address(bytes20(body[22:42]));
        payout.amount = uint256(bytes32(body[42:74]));
        payout.recipient = address(bytes20(body[74:94]));
        payout.id = bytes32(body[94:126]);
    }

    /// @dev The header is valid, of type `expected`, and the body is exactly `length` bytes.
    function _check(bytes calldata body, uint8 expected, uint256 length) private pure {
        uint8 type_ = kind(body);
        if (type_ != expected) revert AppMessageWrongType(type_, expected);
        if (body.length != length) revert AppMessageWrongLength(type_, body.length, length);
    }
}
