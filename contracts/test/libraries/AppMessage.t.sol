// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {AppMessage} from "../../src/libraries/AppMessage.sol";
import {AppMessageHarness} from "../helpers/AppMessageHarness.sol";

contract AppMessageTest is Test {
    AppMessageHarness private codec;

    address private constant ACCOUNT = address(0xA11CE);
    address private constant TOKEN = address(0x7011E7);
    address private constant RECIPIENT = address(0xB0B);
    bytes32 private constant DEPOSIT_ID = "dep";
    bytes32 private constant WITHDRAWAL_ID = "wd";
    bytes32 private constant CALL_ID = "call";
    uint256 private constant AMOUNT = 5e18;

    function setUp() public {
        codec = new AppMessageHarness();
    }

    function test_encodeCredit_PinsTheLayout() public view {
        bytes memory body = codec.encodeCredit(
            AppMessage.Credit({
                account: ACCOUNT, token: TOKEN, amount: AMOUNT, depositId: DEPOSIT_ID
            })
        );
        assertEq(
            body,
            bytes.concat(hex"0101", bytes20(ACCOUNT), bytes20(TOKEN), bytes32(AMOUNT), DEPOSIT_ID)
        );
        assertEq(body.length, AppMessage.CREDIT_LENGTH);
    }

    function test_encodeRelease_PinsTheLayout() public view {
        bytes memory body = codec.encodeRelease(_payout(7, WITHDRAWAL_ID));
        assertEq(
            body,
            bytes.concat(
                hex"0201",
                bytes20(ACCOUNT),
                bytes20(TOKEN),
                bytes32(uint256(7)),
                bytes20(RECIPIENT),
                WITHDRAWAL_ID
            )
        );
        assertEq(body.length, AppMessage.PAYOUT_LENGTH);
    }

    function test_encodeSeize_DiffersFromReleaseOnlyInKind() public view {
        bytes memory release = codec.encodeRelease(_payout(7, "id"));
        bytes memory seize = codec.encodeSeize(_payout(7, "id"));
        assertEq(uint8(seize[0]), AppMessage.SEIZE);
        release[0] = seize[0];
        assertEq(release, seize);
    }

    function test_encodeMarginCall_PinsTheLayout() public view {
        bytes memory body = codec.encodeMarginCall(
            AppMessage.MarginCall({
                account: ACCOUNT, deficit: 100e18, deadline: 1_700_000_000, callId: CALL_ID
            })
        );
        assertEq(
            body,
            bytes.concat(
                hex"0401",
                bytes20(ACCOUNT),
                bytes32(uint256(100e18)),
                bytes8(uint64(1_700_000_000)),
                CALL_ID
            )
        );
        assertEq(body.length, AppMessage.MARGIN_CALL_LENGTH);
    }

    function testFuzz_credit_RoundTrips(AppMessage.Credit memory credit) public view {
        bytes memory body = codec.encodeCredit(credit);
        assertEq(codec.kind(body), AppMessage.CREDIT);
        AppMessage.Credit memory decoded = codec.decodeCredit(body);
        assertEq(abi.encode(decoded), abi.encode(credit));
    }

    function testFuzz_release_RoundTrips(AppMessage.Payout memory payout) public view {
        bytes memory body = codec.encodeRelease(payout);
        assertEq(codec.kind(body), AppMessage.RELEASE);
        assertEq(abi.encode(codec.decodeRelease(body)), abi.encode(payout));
    }

    function testFuzz_seize_RoundTrips(AppMessage.Payout memory payout) public view {
        bytes memory body = codec.encodeSeize(payout);
        assertEq(codec.kind(body), AppMessage.SEIZE);
        assertEq(abi.encode(codec.decodeSeize(body)), abi.encode(payout));
    }

    function testFuzz_marginCall_RoundTrips(AppMessage.MarginCall memory call) public view {
        bytes memory body = codec.encodeMarginCall(call);
        assertEq(codec.kind(body), AppMessage.MARGIN_CALL);
        assertEq(abi.encode(codec.decodeMarginCall(body)), abi.encode(call));
    }

    /// @dev Packed fixed-size fields: any bytes of the right length behind a valid header decode.
    function testFuzz_decodeCredit_AcceptsAnyFieldBytes(bytes32 a, bytes32 b, bytes32 c, bytes32 d)
        public
        view
    {
        bytes memory body = bytes.concat(hex"0101", a, b, c, d);
        assembly ("memory-safe") {
            // Trims the 130 bytes built above to the 106 of a CREDIT.
            mstore(body, 106)
        }
        AppMessage.Credit memory credit = codec.decodeCredit(body);
        // The account is the first 20 of those bytes, by the layout.
        // forge-lint: disable-next-line(unsafe-typecast)
        assertEq(credit.account, address(bytes20(a)));
    }

    function test_RevertWhen_KindOfEmptyBody() public {
        vm.expectRevert(abi.encodeWithSelector(AppMessage.AppMessageTooShort.selector, 0));
        codec.kind("");
    }

    function test_RevertWhen_KindOfOneByteBody() public {
        vm.expectRevert(abi.encodeWithSelector(AppMessage.AppMessageTooShort.selector, 1));
        codec.kind(hex"02");
    }

    function test_RevertWhen_KindIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(AppMessage.AppMessageUnknownType.selector, 0));
        codec.kind(hex"0001");
    }

    function testFuzz_RevertWhen_KindUnknown(uint8 type_, bytes memory rest) public {
        type_ = uint8(bound(type_, AppMessage.MARGIN_CALL + 1, type(uint8).max));
        vm.expectRevert(abi.encodeWithSelector(AppMessage.AppMessageUnknownType.selector, type_));
        codec.kind(bytes.concat(bytes1(type_), hex"01", rest));
    }

    function testFuzz_RevertWhen_VersionWrong(uint8 version) public {
        // Every version but `VERSION` (1): 0 and 2..255.
        version = uint8(bound(version, 1, type(uint8).max)) - 1;
        if (version == AppMessage.VERSION) version = type(uint8).max;
        bytes memory body = codec.encodeRelease(_payout(1, "id"));
        body[1] = bytes1(version);
        vm.expectRevert(
            abi.encodeWithSelector(
                AppMessage.AppMessageWrongVersion.selector, AppMessage.RELEASE, version
            )
        );
        codec.decodeRelease(body);
    }

    function test_RevertWhen_DecodeReleaseOfSeize() public {
        bytes memory body = codec.encodeSeize(_payout(1, "id"));
        vm.expectRevert(
            abi.encodeWithSelector(
                AppMessage.AppMessageWrongType.selector, AppMessage.SEIZE, AppMessage.RELEASE
            )
        );
        codec.decodeRelease(body);
    }

    function test_RevertWhen_DecodeSeizeOfRelease() public {
        bytes memory body = codec.encodeRelease(_payout(1, "id"));
        vm.expectRevert(
            abi.encodeWithSelector(
                AppMessage.AppMessageWrongType.selector, AppMessage.RELEASE, AppMessage.SEIZE
            )
        );
        codec.decodeSeize(body);
    }

    function test_RevertWhen_DecodeCreditOfMarginCall() public {
        bytes memory body = codec.encodeMarginCall(
            AppMessage.MarginCall({account: ACCOUNT, deficit: 1, deadline: 2, callId: "c"})
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                AppMessage.AppMessageWrongType.selector, AppMessage.MARGIN_CALL, AppMessage.CREDIT
            )
        );
        codec.decodeCredit(body);
    }

    function test_RevertWhen_DecodeMarginCallOfCredit() public {
        bytes memory body = codec.encodeCredit(
            AppMessage.Credit({account: ACCOUNT, token: TOKEN, amount: 1, depositId: "d"})
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                AppMessage.AppMessageWrongType.selector, AppMessage.CREDIT, AppMessage.MARGIN_CALL
            )
        );
        codec.decodeMarginCall(body);
    }

    function test_RevertWhen_CreditOneByteShort() public {
        bytes memory body = codec.encodeCredit(
            AppMessage.Credit({account: ACCOUNT, token: TOKEN, amount: 1, depositId: "d"})
        );
        _expectWrongLength(AppMessage.CREDIT, 105, 106);
        codec.decodeCredit(_resize(body, 105));
    }

    function test_RevertWhen_CreditOneByteLong() public {
        bytes memory body = codec.encodeCredit(
            AppMessage.Credit({account: ACCOUNT, token: TOKEN, amount: 1, depositId: "d"})
        );
        _expectWrongLength(AppMessage.CREDIT, 107, 106);
        codec.decodeCredit(bytes.concat(body, hex"00"));
    }

    function test_RevertWhen_ReleaseHeaderOnly() public {
        _expectWrongLength(AppMessage.RELEASE, 2, 126);
        codec.decodeRelease(hex"0201");
    }

    function test_RevertWhen_SeizeOneByteLong() public {
        bytes memory body = codec.encodeSeize(_payout(1, "id"));
        _expectWrongLength(AppMessage.SEIZE, 127, 126);
        codec.decodeSeize(bytes.concat(body, hex"ff"));
    }

    function test_RevertWhen_MarginCallOneByteShort() public {
        bytes memory body = codec.encodeMarginCall(
            AppMessage.MarginCall({account: ACCOUNT, deficit: 1, deadline: 2, callId: "c"})
        );
        _expectWrongLength(AppMessage.MARGIN_CALL, 93, 94);
        codec.decodeMarginCall(_resize(body, 93));
    }

    function testFuzz_RevertWhen_PayoutLengthWrong(bytes memory tail) public {
        vm.assume(tail.length != AppMessage.PAYOUT_LENGTH - AppMessage.HEADER_LENGTH);
        bytes memory body = bytes.concat(hex"0201", tail);
        _expectWrongLength(AppMessage.RELEASE, body.length, AppMessage.PAYOUT_LENGTH);
        codec.decodeRelease(body);
    }

    function testFuzz_RevertWhen_MarginCallLengthWrong(bytes memory tail) public {
        vm.assume(tail.length != AppMessage.MARGIN_CALL_LENGTH - AppMessage.HEADER_LENGTH);
        bytes memory body = bytes.concat(hex"0401", tail);
        _expectWrongLength(AppMessage.MARGIN_CALL, body.length, AppMessage.MARGIN_CALL_LENGTH);
        codec.decodeMarginCall(body);
    }

    function _payout(uint256 amount, bytes32 id) private pure returns (AppMessage.Payout memory) {
        return AppMessage.Payout({
            account: ACCOUNT, token: TOKEN, amount: amount, recipient: RECIPIENT, id: id
        });
    }

    function _expectWrongLength(uint8 type_, uint256 length, uint256 expected) private {
        vm.expectRevert(
            abi.encodeWithSelector(
                AppMessage.AppMessageWrongLength.selector, type_, length, expected
            )
        );
    }

    /// @dev The first `length` bytes of `body`.
    function _resize(bytes memory body, uint256 length) private pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i; i < length; ++i) {
            out[i] = body[i];
        }
    }
}
